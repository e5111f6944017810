using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Sources.Replay;
using TweetStream.Sources.X;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sources.Replay;

public sealed class ReplaySourceTests : IDisposable
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "replay", "london-small.ndjson");

    private readonly TempDirectory _dir = TestPaths.CreateTempDirectory();

    public void Dispose() => _dir.Dispose();

    private static async Task<List<SourceItem>> ReadAllAsync(ReplaySource source, int max = int.MaxValue)
    {
        var items = new List<SourceItem>();
        await foreach (var item in source.ReadAsync(CancellationToken.None))
        {
            items.Add(item);
            if (items.Count >= max)
            {
                break;
            }
        }

        return items;
    }

    private static ReplaySource Create(string path, string? checkpoint = null, TimeProvider? time = null, bool loop = false) =>
        new(new ReplayOptions { Path = path, CheckpointPath = checkpoint, Loop = loop }, time ?? new FakeTimeProvider());

    private string Gzip(string source, string name)
    {
        var path = _dir.Combine(name);
        using var input = File.OpenRead(source);
        using var output = new GZipStream(File.Create(path), CompressionLevel.Optimal);
        input.CopyTo(output);
        return path;
    }

    private string WriteLines(string name, params byte[][] lines)
    {
        var path = _dir.Combine(name);
        using var file = File.Create(path);
        foreach (var line in lines)
        {
            file.Write(line);
            file.Write("\r\n"u8);
        }

        return path;
    }

    private static byte[] GoodLine(int n) => Encoding.UTF8.GetBytes(
        $"{{\"data\":{{\"id\":\"{n}\",\"text\":\"post {n} #london\",\"author_id\":\"7\",\"created_at\":\"2026-11-20T09:00:{n % 60:00}.000Z\"}},\"includes\":{{\"users\":[{{\"id\":\"7\",\"username\":\"u7\"}}]}},\"matching_rules\":[{{\"id\":\"1\",\"tag\":\"london\"}}]}}");

    [Fact]
    public async Task Reads_every_post_and_tombstone_of_a_plain_fixture_and_skips_keep_alives()
    {
        using var source = Create(Fixture);
        var items = await ReadAllAsync(source);

        Assert.Equal(6, items.Count);
        Assert.All(items, i => Assert.Null(i.Error));
        Assert.Equal(5, items.Count(i => !i.Post!.IsTombstone));
        Assert.Equal("x:1860000000000000100", Assert.Single(items, i => i.Post!.IsTombstone).Post!.Id);
        Assert.All(items, i => Assert.Equal("replay", i.Post!.Source));
        Assert.Equal(new PostAuthor("2244994945", "jowalker_ldn", "Jo Walker"), items[0].Post!.Author);

        // Tokens are line end offsets, strictly increasing, the last one at the end of the file.
        var tokens = items.Select(i => i.Acknowledgement.Token).ToList();
        Assert.Equal(tokens.Order(), tokens);
        Assert.Equal(new FileInfo(Fixture).Length, tokens[^1]);
    }

    [Theory]
    [InlineData("london.ndjson.gz")]
    [InlineData("london.bin")] // gzip recognised by its magic bytes
    public async Task Gzip_files_read_like_plain_ones(string name)
    {
        var gz = Gzip(Fixture, name);
        using var plain = Create(Fixture);
        using var zipped = Create(gz);
        var expected = (await ReadAllAsync(plain)).Select(i => (i.Post!.Id, i.Post.Text, i.Acknowledgement.Token)).ToList();
        var actual = (await ReadAllAsync(zipped)).Select(i => (i.Post!.Id, i.Post.Text, i.Acknowledgement.Token)).ToList();
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Resumes_after_a_crash_from_the_first_unacknowledged_line_without_losing_any(bool gzip)
    {
        var lines = Enumerable.Range(1, 40).Select(GoodLine).ToArray();
        var plain = WriteLines("posts.ndjson", lines);
        var path = gzip ? Gzip(plain, "posts.ndjson.gz") : plain;
        var checkpoint = _dir.Combine("replay.checkpoint");

        List<SourceItem> first;
        using (var source = Create(path, checkpoint))
        {
            first = await ReadAllAsync(source, max: 30);

            // Lines 1-10 and 15-20 settle; 11-14 are still in flight when the process dies.
            foreach (var item in first.Take(10).Concat(first.Skip(14).Take(6)))
            {
                await item.Acknowledgement.AcknowledgeAsync(CancellationToken.None);
            }
        } // dispose = last persist, as on a graceful crash path; the file is what a restart sees

        Assert.Equal(first[9].Acknowledgement.Token, ReplayCheckpoint.Parse(File.ReadAllBytes(checkpoint)));

        using var resumed = Create(path, checkpoint);
        var second = await ReadAllAsync(resumed);

        Assert.Equal("x:11", second[0].Post!.Id);
        var acked = first.Take(10).Concat(first.Skip(14).Take(6)).Select(i => i.Post!.Id);
        var union = acked.Concat(second.Select(i => i.Post!.Id)).ToHashSet();
        Assert.Equal(Enumerable.Range(1, 40).Select(n => "x:" + n).ToHashSet(), union);
    }

    [Fact]
    public async Task Out_of_order_acks_advance_the_checkpoint_only_over_a_gapless_prefix()
    {
        using var source = Create(Fixture);
        var items = await ReadAllAsync(source);

        for (var i = items.Count - 1; i >= 1; i--)
        {
            await items[i].Acknowledgement.AcknowledgeAsync(CancellationToken.None);
            Assert.Equal(0, source.Checkpoint.Watermark);
        }

        await items[0].Acknowledgement.AcknowledgeAsync(CancellationToken.None);
        Assert.Equal(new FileInfo(Fixture).Length, source.Checkpoint.Watermark);
    }

    [Fact]
    public async Task Concurrent_acks_in_random_order_reach_the_end()
    {
        var path = WriteLines("many.ndjson", [.. Enumerable.Range(1, 2000).Select(GoodLine)]);
        using var source = Create(path);
        var items = await ReadAllAsync(source);
        var shuffled = items.OrderBy(_ => Random.Shared.Next()).ToArray();

        await Parallel.ForEachAsync(shuffled, async (item, ct) => await item.Acknowledgement.AcknowledgeAsync(ct));

        Assert.Equal(new FileInfo(path).Length, source.Checkpoint.Watermark);
    }

    [Fact]
    public async Task A_rejected_line_holds_the_checkpoint_before_it()
    {
        using var source = Create(Fixture);
        var items = await ReadAllAsync(source);
        await items[2].Acknowledgement.RejectAsync(CancellationToken.None);
        foreach (var item in items.Where((_, i) => i != 2))
        {
            await item.Acknowledgement.AcknowledgeAsync(CancellationToken.None);
        }

        // The fixture has a keep-alive ("\r\n") after the second post: consumed by the source, so the
        // checkpoint stops at the start of the rejected line, after it.
        Assert.Equal(items[1].Acknowledgement.Token + 2, source.Checkpoint.Watermark);
    }

    [Fact]
    public async Task Every_kind_of_bad_input_is_malformed_with_its_reason_and_reading_goes_on()
    {
        var invalidUtf8 = GoodLine(3);
        invalidUtf8[Array.IndexOf(invalidUtf8, (byte)'p')] = 0xFF;
        var overlong = Encoding.UTF8.GetBytes("{\"data\":{\"id\":\"9\",\"text\":\"" + new string('a', ReplaySource.MaxLineBytes + 10) + "\"}}");
        var veryLong = Encoding.UTF8.GetBytes("{\"data\":{\"id\":\"9\",\"text\":\"" + new string('b', (3 * ReplaySource.MaxLineBytes) + 5) + "\"}}");
        var path = WriteLines(
            "bad.ndjson",
            GoodLine(1),
            "{\"data\":{\"id\":\"2\",\"text\""u8.ToArray(),
            invalidUtf8,
            "{\"data\":{\"text\":\"no id\"}}"u8.ToArray(),
            "{\"data\":{\"id\":\"5\",\"text\":\"t\",\"author_id\":\"404\"},\"includes\":{\"users\":[]}}"u8.ToArray(),
            overlong,
            veryLong,
            GoodLine(8));

        using var source = Create(path);
        var items = await ReadAllAsync(source);

        Assert.Equal(
            [null, XStreamReasons.MalformedJson, XStreamReasons.InvalidUtf8, XStreamReasons.MissingId, XStreamReasons.UnknownAuthor,
             XStreamReasons.LineTooLong, XStreamReasons.LineTooLong, null],
            items.Select(i => i.Error));
        Assert.Equal("x:8", items[^1].Post!.Id);
        Assert.Equal(ReplaySource.OverlongPrefixBytes, items[5].RawPayload.Length);
        Assert.Equal(ReplaySource.OverlongPrefixBytes, items[6].RawPayload.Length);
        Assert.Equal("{\"data\":{\"text\":\"no id\"}}"u8.ToArray(), items[3].RawPayload.ToArray());

        // Offsets stay exact across the skipped over-long lines: the last token is the file's end.
        Assert.Equal(new FileInfo(path).Length, items[^1].Acknowledgement.Token);
        foreach (var item in items)
        {
            await item.Acknowledgement.AcknowledgeAsync(CancellationToken.None);
        }

        Assert.Equal(new FileInfo(path).Length, source.Checkpoint.Watermark);
    }

    [Fact]
    public async Task A_last_line_without_a_line_break_is_read()
    {
        var path = _dir.Combine("nobreak.ndjson");
        await File.WriteAllBytesAsync(path, [.. GoodLine(1), .. "\r\n"u8, .. GoodLine(2)]);
        using var source = Create(path);
        var items = await ReadAllAsync(source);
        Assert.Equal(["x:1", "x:2"], items.Select(i => i.Post!.Id));
        Assert.Equal(new FileInfo(path).Length, items[^1].Acknowledgement.Token);
    }

    [Fact]
    public async Task Pacing_waits_the_created_at_gaps_divided_by_speed_and_capped()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));
        var lines = new[] { "09:00:00", "09:00:02", "09:10:00" }.Select((t, n) => Encoding.UTF8.GetBytes(
            $"{{\"data\":{{\"id\":\"{n}\",\"text\":\"t\",\"created_at\":\"2026-11-20T{t}.000Z\"}}}}")).ToArray();
        var path = WriteLines("paced.ndjson", lines);
        using var source = new ReplaySource(new ReplayOptions { Path = path, Pace = true, Speed = 2 }, time);
        await using var e = source.ReadAsync(CancellationToken.None).GetAsyncEnumerator();

        Assert.True(await e.MoveNextAsync());

        // 2 s apart at speed 2: one second.
        var next = e.MoveNextAsync().AsTask();
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await next);

        // 10 minutes apart: capped.
        next = e.MoveNextAsync().AsTask();
        time.Advance(ReplaySource.MaxPaceGap - TimeSpan.FromMilliseconds(1));
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await next);
        Assert.Equal("x:2", e.Current.Post!.Id);
    }

    [Fact]
    public async Task Rebased_timestamps_make_a_recording_look_live()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var path = WriteLines("rebased.ndjson", GoodLine(1), GoodLine(2));
        using var source = new ReplaySource(new ReplayOptions { Path = path, RebaseTimestamps = true }, time);
        await using var e = source.ReadAsync(CancellationToken.None).GetAsyncEnumerator();

        Assert.True(await e.MoveNextAsync());
        Assert.Equal(time.GetUtcNow(), e.Current.Post!.CreatedAt);
        time.Advance(TimeSpan.FromMinutes(3));
        Assert.True(await e.MoveNextAsync());
        Assert.Equal(time.GetUtcNow(), e.Current.Post!.CreatedAt);
        Assert.Equal("x:2", e.Current.Post.Id);
    }

    [Fact]
    public async Task Backfill_spreads_the_first_pass_over_the_window_ending_now_without_waiting()
    {
        var start = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        // Recorded 09:00:01, 09:00:31 and 09:00:59; paced at speed 1 this would take a minute of (fake) time.
        var path = WriteLines("backfill.ndjson", GoodLine(1), GoodLine(31), GoodLine(59));
        using var source = new ReplaySource(
            new ReplayOptions { Path = path, RebaseTimestamps = true, Pace = true, Backfill = TimeSpan.FromSeconds(40) }, time);

        var items = await ReadAllAsync(source);

        // The first post opens the window, the others keep their offsets, and none lands after now.
        Assert.Equal([start.AddSeconds(-40), start.AddSeconds(-10), start], items.Select(i => i.Post!.CreatedAt));
        Assert.All(items, i => Assert.Equal(start, i.Post!.ReceivedAt)); // received now, or the backfill reads as backlog
        Assert.Equal(["x:1", "x:31", "x:59"], items.Select(i => i.Post!.Id));
        Assert.Equal(start, time.GetUtcNow());
    }

    [Fact]
    public async Task A_rebased_loop_gives_every_later_pass_fresh_ids_and_the_first_pass_keeps_its_own()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var path = WriteLines("loop.ndjson", GoodLine(1), GoodLine(2));
        using var source = new ReplaySource(new ReplayOptions { Path = path, RebaseTimestamps = true, Loop = true, Backfill = TimeSpan.FromHours(24) }, time);

        var items = await ReadAllAsync(source, max: 6);

        var seconds = time.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal(
            ["x:1", "x:2", $"x:1-r1.{seconds}", $"x:2-r1.{seconds}", $"x:1-r2.{seconds}", $"x:2-r2.{seconds}"],
            items.Select(i => i.Post!.Id));
        Assert.Equal(6, items.Select(i => i.Post!.Id).Distinct().Count());
        // Passes after the backfill are rebased to now.
        Assert.All(items.Skip(2), i => Assert.Equal(time.GetUtcNow(), i.Post!.CreatedAt));
    }

    [Fact]
    public async Task Without_rebasing_a_loop_keeps_recorded_ids_and_timestamps()
    {
        var path = WriteLines("plain-loop.ndjson", GoodLine(1), GoodLine(2));
        using var source = new ReplaySource(new ReplayOptions { Path = path, Loop = true, Backfill = TimeSpan.FromHours(24) }, new FakeTimeProvider());

        var items = await ReadAllAsync(source, max: 4);

        Assert.Equal(["x:1", "x:2", "x:1", "x:2"], items.Select(i => i.Post!.Id));
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 9, 0, 1, TimeSpan.Zero), items[2].Post!.CreatedAt);
    }

    [Fact]
    public async Task Loop_starts_again_at_the_end_and_checkpoints_stay_file_offsets()
    {
        var path = WriteLines("two.ndjson", GoodLine(1), GoodLine(2));
        var checkpoint = _dir.Combine("loop.checkpoint");
        using var source = Create(path, checkpoint, loop: true);
        var items = await ReadAllAsync(source, max: 5);
        Assert.Equal(["x:1", "x:2", "x:1", "x:2", "x:1"], items.Select(i => i.Post!.Id));

        foreach (var item in items.Take(3))
        {
            await item.Acknowledgement.AcknowledgeAsync(CancellationToken.None);
        }

        source.Checkpoint.Persist();
        Assert.Equal(GoodLine(1).Length + 2, ReplayCheckpoint.Parse(File.ReadAllBytes(checkpoint)));
    }

    [Fact]
    public async Task Checkpoint_writes_are_throttled_and_flushed_by_the_timer()
    {
        var time = new FakeTimeProvider();
        var checkpoint = _dir.Combine("throttle.checkpoint");
        var path = WriteLines("three.ndjson", GoodLine(1), GoodLine(2), GoodLine(3));
        using var source = Create(path, checkpoint, time);
        var items = new List<SourceItem>();
        await using (var e = source.ReadAsync(CancellationToken.None).GetAsyncEnumerator())
        {
            for (var i = 0; i < 2 && await e.MoveNextAsync(); i++)
            {
                items.Add(e.Current);
            }

            await items[0].Acknowledgement.AcknowledgeAsync(CancellationToken.None);
            Assert.False(File.Exists(checkpoint));

            time.Advance(ReplayCheckpoint.PersistInterval);
            Assert.Equal(items[0].Acknowledgement.Token, ReplayCheckpoint.Parse(File.ReadAllBytes(checkpoint)));

            // Past the interval an ack persists on the spot.
            time.Advance(ReplayCheckpoint.PersistInterval);
            await items[1].Acknowledgement.AcknowledgeAsync(CancellationToken.None);
            Assert.Equal(items[1].Acknowledgement.Token, ReplayCheckpoint.Parse(File.ReadAllBytes(checkpoint)));
            Assert.False(File.Exists(checkpoint + ".tmp"));
        }
    }

    [Fact]
    public async Task A_finished_file_resumes_to_nothing()
    {
        var checkpoint = _dir.Combine("state", "done.checkpoint"); // the folder does not exist yet
        using (var source = Create(Fixture, checkpoint))
        {
            foreach (var item in await ReadAllAsync(source))
            {
                await item.Acknowledgement.AcknowledgeAsync(CancellationToken.None);
            }

            // Completion persists at once, without waiting for the timer or disposal.
            Assert.Equal(new FileInfo(Fixture).Length, ReplayCheckpoint.Parse(File.ReadAllBytes(checkpoint)));
        }

        using var again = Create(Fixture, checkpoint);
        Assert.Empty(await ReadAllAsync(again));
    }

    [Fact]
    public async Task Unreadable_checkpoint_starts_from_the_beginning()
    {
        var checkpoint = _dir.Combine("corrupt.checkpoint");
        await File.WriteAllTextAsync(checkpoint, "{not json");
        using var source = Create(Fixture, checkpoint);
        Assert.Equal(6, (await ReadAllAsync(source)).Count);
    }

    [Fact]
    public void Registration_binds_configuration_and_validates_the_path_on_start()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Replay:Path"] = Fixture,
            ["Replay:Pace"] = "true",
            ["Replay:Speed"] = "4",
        }).Build();
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.AddReplaySource(config.GetSection("Replay")));
        using var sp = services.BuildServiceProvider();

        var options = sp.GetRequiredService<IOptionsMonitor<ReplayOptions>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName);
        Assert.Equal(Fixture, options.Path);
        Assert.True(options.Pace);
        Assert.Equal(4, options.Speed);
        var components = sp.GetRequiredService<IOptionsMonitor<PipelineComponents>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName);
        var source = components.Source!(sp);
        Assert.IsType<ReplaySource>(source);
        Assert.Equal("replay", source.Name);

        var missing = new ServiceCollection();
        missing.AddTweetStream(p => p.AddReplaySource(o => o.Speed = 0));
        using var bad = missing.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() =>
            bad.GetRequiredService<IOptionsMonitor<ReplayOptions>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName));
        Assert.Contains(ex.Failures, f => f.Contains("Path", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("Speed", StringComparison.Ordinal));
    }
}
