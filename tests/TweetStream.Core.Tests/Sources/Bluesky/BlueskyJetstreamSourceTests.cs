using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Sources.Bluesky;
using TweetStream.Tests.Sources.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sources.Bluesky;

public sealed class BlueskyJetstreamSourceTests
{
    private static readonly string[] Mixed = File.ReadAllLines(Fixtures.Path("bluesky", "jetstream-mixed.jsonl"));
    private static readonly string[] Resume = File.ReadAllLines(Fixtures.Path("bluesky", "jetstream-resume.jsonl"));

    [Fact]
    public async Task Keeps_tagged_posts_and_deletions_of_kept_posts_and_drops_everything_else()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var sentinel = Resume[7];
        await using var server = await FakeJetstreamServer.StartAsync([.. Mixed, sentinel]);
        var source = Create([server.Endpoint], o => o.StateFile = dir.Combine("jetstream.json"));
        await using var reader = Read(source);

        var items = await reader.TakeAsync(4);

        Assert.Equal(
            ["bluesky:did:plc:testauthoraaaaaaaaaaaaaa:3mzzpost0001", "bluesky:did:plc:testauthorcccccccccccccc:3mzzpost0003", "bluesky:did:plc:testauthoraaaaaaaaaaaaaa:3mzzpost0001", "bluesky:did:plc:testresume00000000000008:3mzzres00008"],
            items.Select(i => i.Post!.Id));
        Assert.False(items[0].Post!.IsTombstone);
        Assert.True(items[2].Post!.IsTombstone);
        Assert.All(items, i => Assert.Equal("bluesky", i.Post!.Source));
        Assert.Equal("?wantedCollections=app.bsky.feed.post", Assert.Single(server.Queries));
        Assert.Equal(SourceDelivery.Push, source.Delivery);
    }

    [Fact]
    public async Task Can_forward_every_post_deletion()
    {
        await using var server = await FakeJetstreamServer.StartAsync(Mixed);
        var source = Create([server.Endpoint], o => o.ForwardAllDeletes = true);
        await using var reader = Read(source);

        var items = await reader.TakeAsync(4);

        Assert.Equal("bluesky:did:plc:testauthoreeeeeeeeeeeeee:3mzzunknown1", items[3].Post!.Id);
        Assert.True(items[3].Post!.IsTombstone);
    }

    [Fact]
    public async Task Decodes_double_encoded_frames_from_the_socket()
    {
        var doubleEncoded = JsonSerializer.Serialize(Mixed[1]);
        await using var server = await FakeJetstreamServer.StartAsync([doubleEncoded]);
        var source = Create([server.Endpoint]);
        await using var reader = Read(source);

        var item = await reader.NextAsync();

        Assert.Equal("bluesky:did:plc:testauthoraaaaaaaaaaaaaa:3mzzpost0001", item.Post!.Id);
        Assert.Equal("Foggy morning #London", item.Post.Text);
    }

    [Fact]
    public async Task Malformed_frames_are_dead_lettered_by_the_pipeline_and_the_stream_goes_on()
    {
        await using var server = await FakeJetstreamServer.StartAsync(["{\"did\":", Mixed[1], "[1,2,3]"]);
        var source = Create([server.Endpoint]);
        var sink = new CollectingSink();
        var deadLetters = new CollectingDeadLetterSink();
        var pipeline = TweetStream.Tests.Support.PipelineHarness.Create(source, [sink], deadLetters);
        using var stop = new CancellationTokenSource();

        var run = pipeline.RunAsync(stop.Token);
        await Eventually.TrueAsync(() => sink.Committed.Count == 1 && deadLetters.Items.Count == 2, "one post written, two dead letters");
        await stop.CancelAsync();
        await run;

        Assert.All(deadLetters.Items, d => Assert.Equal("jetstream: frame is not valid JSON of the expected shape", d.Reason));
        Assert.Contains(deadLetters.Items, d => d.Payload.ToArray().SequenceEqual("{\"did\":"u8.ToArray()));
        Assert.Equal("bluesky:did:plc:testauthoraaaaaaaaaaaaaa:3mzzpost0001", sink.Committed.Single().Id);
    }

    [Fact]
    public async Task Persists_the_acknowledged_cursor_and_resumes_after_a_crash_without_redelivering_acknowledged_posts()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var stateFile = dir.Combine("jetstream.json");
        await using var server = await FakeJetstreamServer.StartAsync(Resume);
        server.Script = n => n == 1 ? new JetstreamScript(MaxFrames: 6) : new JetstreamScript();
        var t = Resume.Select(FakeJetstreamServer.TimeOf).ToArray();

        var first = Create([server.Endpoint], o => o.StateFile = stateFile);
        await using (var reader = Read(first))
        {
            var items = await reader.TakeAsync(6);

            // Out of order, with 4 and 6 never acknowledged: the process dies with them in flight.
            foreach (var i in new[] { 4, 0, 2, 1 })
            {
                await items[i].Acknowledgement.AcknowledgeAsync(CancellationToken.None);
            }

            var saved = ReadState(stateFile);
            Assert.Equal(t[2], saved.Cursor);
            Assert.Equal(3, saved.Recent!.Count);
        }

        var second = Create([server.Endpoint], o => o.StateFile = stateFile);
        await using (var reader = Read(second))
        {
            var items = await reader.TakeAsync(5);

            // Resumed 5 s before the saved cursor; the replayed posts 1-3 were delivered before and are dropped.
            Assert.Equal("?wantedCollections=app.bsky.feed.post&cursor=" + (t[2] - 5_000_000).ToString(CultureInfo.InvariantCulture), server.Queries.Last());
            Assert.Equal(["00004", "00005", "00006", "00007", "00008"], items.Select(i => i.Post!.Id[^5..]));
        }
    }

    [Fact]
    public async Task Fails_over_to_the_next_endpoint_when_one_is_down()
    {
        await using var dead = await FakeJetstreamServer.StartAsync([]);
        dead.Script = _ => new JetstreamScript(RejectUpgrade: true);
        await using var live = await FakeJetstreamServer.StartAsync([Mixed[1]]);
        var source = Create([dead.Endpoint, live.Endpoint]);
        await using var reader = Read(source);

        var item = await reader.NextAsync();

        Assert.Equal("bluesky:did:plc:testauthoraaaaaaaaaaaaaa:3mzzpost0001", item.Post!.Id);
        Assert.Equal(1, dead.Connections);
        Assert.Equal(1, live.Connections);
    }

    [Fact]
    public async Task A_silent_connection_is_replaced_and_resumes_from_the_last_event_seen_minus_the_margin()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));
        await using var server = await FakeJetstreamServer.StartAsync(Resume);
        server.Script = n => n == 1 ? new JetstreamScript(MaxFrames: 2) : new JetstreamScript();
        var source = Create([server.Endpoint], o => o.StallTimeout = TimeSpan.FromSeconds(30), time);
        await using var reader = Read(source);
        var firstTwo = await reader.TakeAsync(2);
        var next = reader.NextAsync();

        // The clock moves once, by the stall timeout: the silent first connection stalls, and the second one's own
        // stall timeout can never come due while it connects, however slow the machine.
        time.Advance(TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(() => server.Connections == 2, "reconnect after a stall");

        // The replayed overlap (posts 1 and 2) is dropped by the in-memory dedup; delivery goes on at post 3.
        Assert.EndsWith("&cursor=" + (FakeJetstreamServer.TimeOf(Resume[1]) - 5_000_000).ToString(CultureInfo.InvariantCulture), server.Queries.Last(), StringComparison.Ordinal);
        Assert.Equal("00003", (await next).Post!.Id[^5..]);
        Assert.Equal(["00001", "00002"], firstTwo.Select(i => i.Post!.Id[^5..]));
    }

    [Fact]
    public async Task The_cursor_moves_past_dropped_events_once_earlier_items_are_settled()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var stateFile = dir.Combine("jetstream.json");
        await using var server = await FakeJetstreamServer.StartAsync([.. Mixed, Resume[7]]);
        var source = Create([server.Endpoint], o => o.StateFile = stateFile);
        await using var reader = Read(source);
        var items = await reader.TakeAsync(4);

        foreach (var item in items.Take(3))
        {
            await item.Acknowledgement.AcknowledgeAsync(CancellationToken.None);
        }

        // Everything up to the dropped unknown-post delete (time of Mixed[8]) is settled; the sentinel is not.
        Assert.Equal(FakeJetstreamServer.TimeOf(Mixed[8]), ReadState(stateFile).Cursor);
    }

    [Fact]
    public async Task A_throttled_cursor_is_written_when_the_interval_ends_and_on_dispose()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var stateFile = dir.Combine("jetstream.json");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));
        await using var server = await FakeJetstreamServer.StartAsync(Resume);
        var source = Create([server.Endpoint], o => { o.StateFile = stateFile; o.StateFlushInterval = TimeSpan.FromSeconds(1); }, time);
        await using var reader = Read(source);
        var items = await reader.TakeAsync(3);

        await items[0].Acknowledgement.AcknowledgeAsync(CancellationToken.None);
        Assert.Equal(FakeJetstreamServer.TimeOf(Resume[0]), ReadState(stateFile).Cursor);

        // Within the interval: held back, then written by the timer although no further event arrives.
        await items[1].Acknowledgement.AcknowledgeAsync(CancellationToken.None);
        Assert.Equal(FakeJetstreamServer.TimeOf(Resume[0]), ReadState(stateFile).Cursor);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(FakeJetstreamServer.TimeOf(Resume[1]), ReadState(stateFile).Cursor);

        // The last acknowledgement before the pipeline ends is written when it disposes the source.
        await items[2].Acknowledgement.AcknowledgeAsync(CancellationToken.None);
        source.Dispose();
        Assert.Equal(FakeJetstreamServer.TimeOf(Resume[2]), ReadState(stateFile).Cursor);
    }

    [Fact]
    public async Task A_shed_item_counts_as_settled_so_the_cursor_keeps_moving()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var stateFile = dir.Combine("jetstream.json");
        await using var server = await FakeJetstreamServer.StartAsync(Resume);
        var source = Create([server.Endpoint], o => o.StateFile = stateFile);
        await using var reader = Read(source);
        var items = await reader.TakeAsync(2);

        await items[0].Acknowledgement.RejectAsync(CancellationToken.None);
        await items[1].Acknowledgement.AcknowledgeAsync(CancellationToken.None);

        Assert.Equal(FakeJetstreamServer.TimeOf(Resume[1]), ReadState(stateFile).Cursor);
    }

    private static BlueskyJetstreamSource Create(IList<Uri> endpoints, Action<BlueskyJetstreamSourceOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new BlueskyJetstreamSourceOptions
        {
            Endpoints = endpoints,
            Hashtags = ["london"],
            StateFile = string.Empty,
            ReconnectMinDelay = TimeSpan.Zero,
            ReconnectMaxDelay = TimeSpan.Zero,
            StateFlushInterval = TimeSpan.Zero,
        };
        configure?.Invoke(options);
        return new BlueskyJetstreamSource(options, time ?? TimeProvider.System, NullLogger.Instance);
    }

    private static ItemReader Read(BlueskyJetstreamSource source)
    {
        var stop = new CancellationTokenSource();
        return new ItemReader(source.ReadAsync(stop.Token), stop);
    }

    private static JetstreamState ReadState(string path) =>
        JsonSerializer.Deserialize(File.ReadAllBytes(path), JetstreamJsonContext.Default.JetstreamState)!;
}
