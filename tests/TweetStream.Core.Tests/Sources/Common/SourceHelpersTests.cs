using TweetStream.Sources.Common;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sources.Common;

public sealed class HtmlTextTests
{
    [Theory]
    [InlineData("<p>Hello</p><p>World</p>", "Hello\nWorld")]
    [InlineData("line one<br>line two<br />line three", "line one\nline two\nline three")]
    [InlineData("<p>Fish &amp; chips &lt;3 &#39;quoted&#39; &quot;x&quot; caf&eacute;</p>", "Fish & chips <3 'quoted' \"x\" café")]
    [InlineData("<p>a < b and c > d</p>", "a < b and c > d")]
    [InlineData("<a title=\"x>y\" href=\"https://example.org\">link</a>", "link")]
    [InlineData("<a title='<p>' href='#'>q</a>", "q")]
    [InlineData("before<script>alert('x<p>')</script>after", "beforeafter")]
    [InlineData("<style>p { color: red }</style>text", "text")]
    [InlineData("a<!-- <p>hidden</p> -->b", "ab")]
    [InlineData("<span class=\"invisible\">https://</span><span class=\"ellipsis\">example.org/a</span><span class=\"invisible\">?x=1</span>", "https://example.org/a?x=1")]
    [InlineData("", "")]
    public void Html_becomes_plain_text(string html, string expected) =>
        Assert.Equal(expected, HtmlText.ToPlainText(html));

    [Fact]
    public void Encoded_markup_stays_literal_text_and_is_not_parsed_again()
    {
        // &lt;script&gt; decodes to the characters "<script>" as text; decoding before stripping would have
        // turned it into a tag and dropped it, hiding what the author wrote.
        Assert.Equal("<script>alert(1)</script>", HtmlText.ToPlainText("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }

    [Fact]
    public void Unterminated_tag_does_not_leak_markup()
    {
        Assert.Equal("ok", HtmlText.ToPlainText("ok<a href=\"never closed"));
    }
}

public sealed class AckWatermarkTests
{
    [Fact]
    public void Advances_only_over_a_contiguous_run_of_settled_items()
    {
        var w = new AckWatermark();
        var a = w.Register(10);
        var b = w.Register(20);
        var c = w.Register(30);

        Assert.False(w.Settle(c));
        Assert.Equal(0, w.Committed);
        Assert.True(w.Settle(a));
        Assert.Equal(10, w.Committed);
        Assert.True(w.Settle(b));
        Assert.Equal(30, w.Committed);
        Assert.Equal(0, w.PendingCount);
    }

    [Fact]
    public void Items_without_a_position_hold_the_watermark_until_settled()
    {
        var w = new AckWatermark(5);
        var tombstone = w.Register(0);
        var post = w.Register(40);

        Assert.False(w.Settle(post));
        Assert.Equal(5, w.Committed);
        Assert.True(w.Settle(tombstone));
        Assert.Equal(40, w.Committed);
    }

    [Fact]
    public void Observed_positions_move_the_watermark_once_everything_before_is_settled()
    {
        var w = new AckWatermark();
        Assert.True(w.Observe(5));
        Assert.Equal(5, w.Committed);

        var pending = w.Register(7);
        Assert.False(w.Observe(9));
        Assert.Equal(5, w.Committed);
        Assert.True(w.Settle(pending));
        Assert.Equal(9, w.Committed);
    }

    [Fact]
    public void Settling_twice_or_an_unknown_token_changes_nothing()
    {
        var w = new AckWatermark();
        var a = w.Register(1);
        Assert.True(w.Settle(a));
        Assert.False(w.Settle(a));
        Assert.False(w.Settle(999));
        Assert.Equal(1, w.Committed);
    }

    [Fact]
    public void Reports_keys_of_items_leaving_the_window_in_order()
    {
        var w = new AckWatermark();
        var a = w.Register(1, "a");
        var b = w.Register(2, "b");
        var keys = new List<(long, string)>();
        w.Settle(b, keys);
        Assert.Empty(keys);
        w.Settle(a, keys);
        Assert.Equal([(1L, "a"), (2L, "b")], keys);
    }
}

public sealed class ExponentialBackoffTests
{
    [Fact]
    public void Doubles_from_the_minimum_and_caps_at_the_maximum()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), () => 1.0);
        var delays = Enumerable.Range(0, 6).Select(_ => backoff.Next().TotalSeconds).ToArray();
        Assert.Equal([1, 2, 4, 8, 10, 10], delays);
    }

    [Fact]
    public void Jitter_keeps_at_least_half_of_the_delay()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(60), () => 0.0);
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.Next());
        Assert.Equal(TimeSpan.FromSeconds(4), backoff.Next());
    }

    [Fact]
    public void Jitter_spreads_delays_between_half_and_full()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(8));
        var delays = Enumerable.Range(0, 200).Select(_ => backoff.Next()).ToArray();
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)));
        Assert.True(delays.Distinct().Count() > 10, "delays should be jittered");
    }

    [Fact]
    public void Reset_starts_again_from_the_minimum()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), () => 1.0);
        backoff.Next();
        backoff.Next();
        backoff.Reset();
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Next());
    }

    [Fact]
    public void Huge_attempt_counts_do_not_overflow()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), () => 1.0);
        for (var i = 0; i < 100; i++)
        {
            backoff.Next();
        }

        Assert.Equal(TimeSpan.FromMinutes(2), backoff.Next());
    }
}

public sealed class BoundedDedupTests
{
    [Fact]
    public void Detects_duplicates_and_forgets_the_oldest_beyond_capacity()
    {
        var dedup = new BoundedDedup(3);
        Assert.True(dedup.TryAdd("a"));
        Assert.False(dedup.TryAdd("a"));
        dedup.TryAdd("b");
        dedup.TryAdd("c");
        dedup.TryAdd("d");
        Assert.Equal(3, dedup.Count);
        Assert.False(dedup.Contains("a"));
        Assert.True(dedup.Contains("d"));
    }
}

public sealed class AtomicFileTests
{
    [Fact]
    public void Writes_replace_the_file_and_leave_no_temporary_file()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var path = dir.Combine("state", "s.json");
        AtomicFile.Write(path, "one"u8);
        AtomicFile.Write(path, "two"u8);
        Assert.Equal("two", File.ReadAllText(path));
        Assert.False(File.Exists(path + ".tmp"));
        Assert.Null(AtomicFile.TryRead(dir.Combine("missing.json")));
    }
}

public sealed class LivenessStreamTests
{
    [Fact]
    public async Task Every_read_with_data_reports_liveness_and_end_of_stream_does_not()
    {
        var calls = 0;
        using var inner = new MemoryStream(":thump\n"u8.ToArray());
        await using var stream = new LivenessStream(inner, () => calls++);
        var buffer = new byte[4];
        while (await stream.ReadAsync(buffer) > 0)
        {
        }

        Assert.Equal(2, calls);
    }
}
