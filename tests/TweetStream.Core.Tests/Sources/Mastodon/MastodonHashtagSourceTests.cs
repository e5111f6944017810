using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Sources.Common;
using TweetStream.Sources.Mastodon;
using TweetStream.Tests.Sources.Support;
using TweetStream.Tests.Support;
using static TweetStream.Tests.Sources.Mastodon.MastodonTestSupport;

namespace TweetStream.Tests.Sources.Mastodon;

public sealed class MastodonHashtagSourceTests
{
    [Fact]
    public async Task Streams_updates_edits_and_deletes_over_SSE_with_the_token_in_the_header_only()
    {
        await using var server = await FakeMastodonServer.StartAsync();
        server.Enqueue(new StreamScript(
        [
            Fixtures.Text("mastodon", "sse-heartbeat.sse.txt"),
            Fixtures.Text("mastodon", "sse-update.sse.txt"),
            Fixtures.Text("mastodon", "sse-status-update.sse.txt"),
            Fixtures.Text("mastodon", "sse-delete.sse.txt"),
        ], Close: false));
        var source = Create(server);
        await using var reader = Read(source);

        var items = await reader.TakeAsync(3);

        Assert.Equal("mastodon:" + server.Authority + ":113000000000000001", items[0].Post!.Id);
        Assert.Equal("alice@example.social", items[0].Post!.Author.Handle);
        Assert.Equal("mastodon:" + server.Authority + ":113000000000000002", items[1].Post!.Id);
        Assert.Equal(["LONDON", "weather"], items[1].Post!.Hashtags);
        Assert.Equal("de", items[1].Post!.Language);
        Assert.True(items[2].Post!.IsTombstone);
        Assert.Equal("mastodon:" + server.Authority + ":113000000000000001", items[2].Post!.Id);
        Assert.Equal("mastodon", items[2].Post!.Source);
        Assert.Contains("/api/v1/streaming/hashtag?tag=london", server.Requests);
        Assert.All(server.AuthorizationHeaders, h => Assert.Equal("Bearer " + server.Token, h));
        Assert.DoesNotContain(server.Requests, r => r.Contains(server.Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Streams_over_WebSocket_decoding_double_encoded_payloads()
    {
        await using var server = await FakeMastodonServer.StartAsync();
        server.Enqueue(new StreamScript(
        [
            Fixtures.Text("mastodon", "ws-update.json"),
            Fixtures.Text("mastodon", "ws-delete.json"),
        ], Close: false));
        var source = Create(server, o => o.Transport = MastodonStreamingTransport.WebSocket);
        await using var reader = Read(source);

        var items = await reader.TakeAsync(2);

        Assert.Equal("Rain again in #London & fog\nSecond line\nthird <b>not bold</b> https://example.org/a?x=1&y=2", items[0].Post!.Text);
        Assert.Equal(new PostAuthor("9001", "alice@example.social", "Alice Example"), items[0].Post!.Author);
        Assert.True(items[1].Post!.IsTombstone);
        Assert.Contains("/api/v1/streaming?stream=hashtag&tag=london", server.Requests);
    }

    [Fact]
    public async Task Reads_the_streaming_host_from_the_instance_configuration()
    {
        await using var instance = await FakeMastodonServer.StartAsync();
        await using var streaming = await FakeMastodonServer.StartAsync();
        instance.StreamingUrl = () => "ws://" + streaming.Authority;
        streaming.Enqueue(new StreamScript([Fixtures.Text("mastodon", "sse-update.sse.txt")], Close: false));
        var source = Create(instance);
        await using var reader = Read(source);

        var item = await reader.NextAsync();

        // Ids and URLs name the instance the user configured, not the streaming host.
        Assert.Equal("mastodon:" + instance.Authority + ":113000000000000001", item.Post!.Id);
        Assert.Equal(1, streaming.StreamConnections);
        Assert.Equal(0, instance.StreamConnections);
        Assert.Contains("/api/v2/instance", instance.Requests);
    }

    [Fact]
    public async Task Falls_back_to_the_instance_host_without_a_streaming_url()
    {
        await using var server = await FakeMastodonServer.StartAsync();
        server.Enqueue(new StreamScript([Fixtures.Text("mastodon", "sse-update.sse.txt")], Close: false));
        var source = Create(server);
        await using var reader = Read(source);

        await reader.NextAsync();

        Assert.Equal(1, server.StreamConnections);
    }

    [Fact]
    public async Task Reconnects_and_fills_the_gap_from_the_timeline_without_duplicates()
    {
        await using var server = await FakeMastodonServer.StartAsync();
        server.AddToTimeline([.. Enumerable.Range(101, 6).Select(i => MastodonFrames.Status(i))]);

        // First connection: 101, 102, then the connection drops. 103 and 104 are posted meanwhile.
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(101)), MastodonFrames.Sse("update", MastodonFrames.Status(102))], Close: true));

        // Second connection: the stream repeats 104 (already caught up) and goes on with 105.
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(104)), MastodonFrames.Sse("update", MastodonFrames.Status(105))], Close: false));
        var source = Create(server);
        await using var reader = Read(source);

        var items = await reader.TakeAsync(5);

        Assert.Equal(["101", "102", "103", "104", "105"], items.Select(StatusId));
        Assert.Contains("/api/v1/timelines/tag/london?min_id=102&limit=40", server.Requests);
        Assert.Equal(2, server.StreamConnections);
    }

    [Fact]
    public async Task Catch_up_pages_forward_through_a_long_gap()
    {
        await using var server = await FakeMastodonServer.StartAsync();
        server.AddToTimeline([.. Enumerable.Range(1, 12).Select(i => MastodonFrames.Status(1000 + i))]);
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(1001))], Close: true));
        server.Enqueue(new StreamScript([], Close: false));
        var source = Create(server, o => o.CatchUpPageSize = 5);
        await using var reader = Read(source);

        var items = await reader.TakeAsync(12);

        Assert.Equal(Enumerable.Range(1001, 12).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), items.Select(StatusId));
        Assert.Contains("/api/v1/timelines/tag/london?min_id=1001&limit=5", server.Requests);
        Assert.Contains("/api/v1/timelines/tag/london?min_id=1006&limit=5", server.Requests);
        Assert.Contains("/api/v1/timelines/tag/london?min_id=1011&limit=5", server.Requests);
    }

    [Fact]
    public async Task Incomplete_timeline_statuses_become_malformed_items_and_catch_up_goes_on()
    {
        await using var server = await FakeMastodonServer.StartAsync();
        server.AddToTimeline(MastodonFrames.Status(301), "{\"id\":\"302\",\"created_at\":\"2026-11-26T10:00:00Z\"}", MastodonFrames.Status(303));
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(301))], Close: true));
        server.Enqueue(new StreamScript([], Close: false));
        var source = Create(server);
        await using var reader = Read(source);

        var items = await reader.TakeAsync(3);

        Assert.Equal("301", StatusId(items[0]));
        Assert.Equal("mastodon: timeline status without id, created_at or account", items[1].Error);
        Assert.Equal("303", StatusId(items[2]));
    }

    [Fact]
    public async Task Persists_only_contiguously_acknowledged_ids_and_resumes_from_them_after_a_restart()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var stateFile = dir.Combine("mastodon.json");
        await using var server = await FakeMastodonServer.StartAsync();
        server.AddToTimeline([.. Enumerable.Range(101, 4).Select(i => MastodonFrames.Status(i))]);
        server.Enqueue(new StreamScript([.. Enumerable.Range(101, 3).Select(i => MastodonFrames.Sse("update", MastodonFrames.Status(i)))], Close: false));

        var first = Create(server, o => o.StateFile = stateFile);
        await using (var reader = Read(first))
        {
            var items = await reader.TakeAsync(3);

            // Acks arrive out of order: 103 before 101, 102 never (the process dies with it in flight).
            await items[2].Acknowledgement.AcknowledgeAsync(CancellationToken.None);
            Assert.False(File.Exists(stateFile), "103 alone must not advance the saved id past unacknowledged 101");
            await items[0].Acknowledgement.AcknowledgeAsync(CancellationToken.None);
            Assert.Equal("101", SavedId(stateFile, server));
        }

        // Restart: the timeline is read from the saved id before the stream, and 106 streams live.
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(106))], Close: false));
        var second = Create(server, o => o.StateFile = stateFile);
        await using (var reader = Read(second))
        {
            var items = await reader.TakeAsync(4);
            Assert.Equal(["102", "103", "104", "106"], items.Select(StatusId));
            Assert.Contains("/api/v1/timelines/tag/london?min_id=101&limit=40", server.Requests);

            foreach (var item in items)
            {
                await item.Acknowledgement.AcknowledgeAsync(CancellationToken.None);
            }

            Assert.Equal("106", SavedId(stateFile, server));
        }
    }

    [Fact]
    public async Task A_rejected_token_stops_the_source_and_never_appears_in_logs()
    {
        await using var server = await FakeMastodonServer.StartAsync();
        var logger = new CapturingLogger();
        var source = Create(server, o => o.AccessToken = "wrong-secret-token-value", logger: logger);
        await using var reader = Read(source);

        var error = await reader.FailureAsync<SourceConfigurationException>();

        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-token-value", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logger.Messages, m => m.Contains("wrong-secret-token-value", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Malformed_events_are_dead_lettered_by_the_pipeline_and_good_ones_written()
    {
        await using var server = await FakeMastodonServer.StartAsync();
        server.Enqueue(new StreamScript(
        [
            MastodonFrames.Sse("update", "{\"id\":\"5\""),
            MastodonFrames.Sse("delete", "{not an id}"),
            MastodonFrames.Sse("update", MastodonFrames.Status(7)),
        ], Close: false));
        var source = Create(server);
        var sink = new CollectingSink();
        var deadLetters = new CollectingDeadLetterSink();
        var pipeline = TweetStream.Tests.Support.PipelineHarness.Create(source, [sink], deadLetters);
        using var stop = new CancellationTokenSource();

        var run = pipeline.RunAsync(stop.Token);
        await Eventually.TrueAsync(() => sink.Committed.Count == 1 && deadLetters.Items.Count == 2, "one post written, two dead letters");
        await stop.CancelAsync();
        await run;

        Assert.Equal("mastodon:" + server.Authority + ":7", sink.Committed.Single().Id);
        Assert.Equal(
            ["mastodon: delete event without a status id", "mastodon: status is not valid JSON of the expected shape"],
            deadLetters.Items.Select(d => d.Reason).Order());
        Assert.All(deadLetters.Items, d => Assert.Equal(DeadLetterPayloadKind.Raw, d.PayloadKind));
    }

    [Fact]
    public async Task A_silent_stream_counts_as_stalled_and_is_replaced_using_the_time_provider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));
        await using var server = await FakeMastodonServer.StartAsync();
        server.Enqueue(new StreamScript([], Close: false));
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(9))], Close: false));
        var source = Create(server, o => o.StallTimeout = TimeSpan.FromSeconds(45), time: time);
        await using var reader = Read(source);

        var next = reader.NextAsync();
        await Eventually.TrueAsync(() => server.StreamConnections == 1, "first connection");

        // Only fake time passes: with a wall-clock timer the stall could not fire within the test. The clock moves
        // once, by the stall timeout, so the second connection's own stall timeout can never be reached here.
        time.Advance(TimeSpan.FromSeconds(45));
        await Eventually.TrueAsync(() => server.StreamConnections == 2, "reconnect after the stall");
        Assert.Equal("9", StatusId(await next));
    }

    [Fact]
    public async Task Reconnect_delay_is_waited_on_the_time_provider()
    {
        var time = new WatchedFakeTimeProvider(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));
        await using var server = await FakeMastodonServer.StartAsync();
        server.Enqueue(new StreamScript([], Close: true));
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(11))], Close: false));
        var source = Create(server, o =>
        {
            o.ReconnectMinDelay = TimeSpan.FromHours(1);
            o.ReconnectMaxDelay = TimeSpan.FromHours(1);
        }, time);
        await using var reader = Read(source);
        var next = reader.NextAsync();

        // The event: the closed stream's reconnect delay (half to all of the hour, jittered) waits on the clock.
        await Eventually.TrueAsync(
            () => time.TimerDueTimes.Any(d => d >= TimeSpan.FromMinutes(30) && d <= TimeSpan.FromHours(1)),
            "the reconnect delay on the clock");
        Assert.Equal(1, server.StreamConnections);

        // One move of the clock past the delay; the new connection's stall timeout then never comes due.
        time.Advance(TimeSpan.FromHours(1));
        await Eventually.TrueAsync(() => server.StreamConnections == 2, "reconnect after an hour of fake time");
        Assert.Equal("11", StatusId(await next));
    }

    [Fact]
    public async Task A_status_in_two_followed_tags_is_delivered_once()
    {
        await using var server = await FakeMastodonServer.StartAsync();
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(21))], Close: false));
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(21)), MastodonFrames.Sse("update", MastodonFrames.Status(22))], Close: false));
        var source = Create(server, o => o.Tags = ["london", "#uk"]);
        await using var reader = Read(source);

        var items = await reader.TakeAsync(2);

        Assert.Equal(["21", "22"], items.Select(StatusId).Order());
        Assert.Contains("/api/v1/streaming/hashtag?tag=uk", server.Requests);
    }

    [Fact]
    public async Task Local_only_uses_the_local_hashtag_stream_and_timeline()
    {
        await using var server = await FakeMastodonServer.StartAsync();
        server.AddToTimeline(MastodonFrames.Status(401), MastodonFrames.Status(402));
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(401))], Close: true));
        server.Enqueue(new StreamScript([], Close: false));
        var source = Create(server, o => o.LocalOnly = true);
        await using var reader = Read(source);

        var items = await reader.TakeAsync(2);

        Assert.Equal(["401", "402"], items.Select(StatusId));
        Assert.Contains("/api/v1/streaming/hashtag/local?tag=london", server.Requests);
        Assert.Contains("/api/v1/timelines/tag/london?min_id=401&limit=40&local=true", server.Requests);
    }

    [Fact]
    public async Task With_HashHandles_no_raw_handle_reaches_a_sink_through_author_or_url()
    {
        await using var server = await FakeMastodonServer.StartAsync();
        server.Enqueue(new StreamScript([Fixtures.Text("mastodon", "sse-update.sse.txt")], Close: false));
        var source = Create(server);
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.TweetStreamServiceCollectionExtensions.AddTweetStream(services, p =>
            Microsoft.Extensions.DependencyInjection.HashHandlesExtensions.AddHashHandles(p, o => o.Key = Convert.ToBase64String(new byte[32])));
        using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        var hashing = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<TweetStream.Transforms.Hashing.IHashingKeyProvider>(provider);
        var sink = new CollectingSink();
        var pipeline = TweetStream.Tests.Support.PipelineHarness.Create(source, [sink], transforms: [new TweetStream.Transforms.Hashing.HashHandles(hashing)]);
        using var stop = new CancellationTokenSource();

        var run = pipeline.RunAsync(stop.Token);
        await Eventually.TrueAsync(() => sink.Committed.Count == 1, "the post written");
        await stop.CancelAsync();
        await run;

        var post = sink.Committed.Single();
        var written = System.Text.Json.JsonSerializer.Serialize(new[] { post.Id, post.Url, post.Author.Id, post.Author.Handle, post.Author.DisplayName, post.Text });
        Assert.True(post.Author.IsHashed);
        Assert.DoesNotContain("alice", written, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Alice Example", written, StringComparison.Ordinal);
    }

    private static string? SavedId(string stateFile, FakeMastodonServer server)
    {
        var state = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(stateFile))!;
        return state.GetValueOrDefault(server.Authority + "|london");
    }
}
