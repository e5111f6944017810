using TweetStream.Sinks;
using TweetStream.Tests.Sinks.Support;

namespace TweetStream.Tests.Sinks;

public sealed class ConsoleSinkTests
{
    [Fact]
    public async Task Json_format_writes_each_post_as_one_PostJson_line()
    {
        var output = new StringWriter();
        var sink = new ConsoleSink(new ConsoleSinkOptions { Format = ConsoleSinkFormat.Json }, output);
        var withName = SinkPosts.Hashed(2) with { Author = SinkPosts.Hashed(2).Author with { DisplayName = "Alice Example" } };

        await sink.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(1), withName, Post.Tombstone("x:9", "x", SinkPosts.T0)), default);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        var posts = lines.Select(l => PostJson.Deserialize(System.Text.Encoding.UTF8.GetBytes(l))).ToList();
        Assert.Equal(["x:1", "x:2", "x:9"], posts.Select(p => p.Id));
        Assert.Equal("post 1 #london", posts[0].Text);
        Assert.Equal("k1:handle2", posts[1].Author.Handle);
        Assert.True(posts[2].IsTombstone);
        Assert.DoesNotContain("Alice Example", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_format_prints_time_source_hashed_author_and_text_on_one_safe_line()
    {
        var output = new StringWriter();
        var sink = new ConsoleSink(new ConsoleSinkOptions { Format = ConsoleSinkFormat.Text }, output);
        var post = SinkPosts.Hashed(1) with { Text = "line one\nline two \u001b[31mred" };

        await sink.WriteAsync(SinkPosts.Batch(post), default);

        var text = output.ToString();
        Assert.Equal("2026-11-26T10:00:01.000Z x k1:handle1 line one line two \uFFFD[31mred\n", text);
    }

    [Fact]
    public async Task Refuses_a_post_whose_author_is_not_hashed()
    {
        var output = new StringWriter();
        var sink = new ConsoleSink(new ConsoleSinkOptions(), output);
        var raw = SinkPosts.Hashed(1) with { Author = new PostAuthor("42", "alice_raw") };
        var batch = SinkPosts.Batch(raw, SinkPosts.Hashed(2));

        await sink.WriteAsync(batch, default);

        Assert.Equal(SinkGuards.UnhashedAuthor, batch.GetFailure(0)?.Reason);
        Assert.False(batch.GetFailure(0)!.Retryable);
        Assert.Null(batch.GetFailure(1));
        Assert.DoesNotContain("alice_raw", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("k1:handle2", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_batches_never_interleave_within_a_line()
    {
        var output = new StringWriter();
        var sink = new ConsoleSink(new ConsoleSinkOptions { Format = ConsoleSinkFormat.Json }, output);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var b = 0; b < 20; b++)
            {
                await sink.WriteAsync(SinkPosts.Batch([.. Enumerable.Range(0, 10).Select(i => SinkPosts.Hashed((t * 1000) + (b * 10) + i))]), default);
            }
        })));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1600, lines.Length);
        Assert.Equal(1600, lines.Select(l => PostJson.Deserialize(System.Text.Encoding.UTF8.GetBytes(l)).Id).Distinct().Count());
    }
}
