using System.Text;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Tests.Support;
using static TweetStream.Gcp.Tests.Support.PubSubTestKit;

namespace TweetStream.Gcp.Tests.PubSub;

public sealed class PubSubSourceTests
{
    private const string Sub = "posts-sub";

    [Fact]
    public async Task Pulled_posts_are_acked_after_a_slow_sink_commits_with_the_lease_extended_meanwhile()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));
        await using var server = await PubSubTestServer.StartAsync(time);
        server.CreateSubscription(Project, Sub, "posts", ackDeadlineSeconds: 10);
        Publish(server, 20);
        var source = Source(server, SourceOptions(), time);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sink = new CollectingSink
        {
            OnWrite = async (_, _, ct) =>
            {
                started.TrySetResult();
                await release.Task.WaitAsync(ct);
            },
        };
        using var stop = new CancellationTokenSource();
        var run = CreatePipeline(source, sink).RunAsync(stop.Token);
        await started.Task.WithinSafetyNet("the first batch at the sink");

        // 30 s on the server's clock: three times the subscription's 10 s deadline, extended every 5 s.
        for (var tick = 0; tick < 6; tick++)
        {
            var before = Extensions(server);
            time.Advance(TimeSpan.FromSeconds(5));
            await server.WaitUntilAsync(() => Extensions(server) > before, what: "lease extension " + tick);
        }

        Assert.Equal(1, server.MaxDeliveries(Project, Sub));
        Assert.Equal(0, server.AckedCount(Project, Sub));
        release.SetResult();
        await server.WaitUntilAsync(() => server.AckedCount(Project, Sub) == 20, what: "acks");
        await stop.CancelAsync();
        await run;

        Assert.Equal(20, CountIds(sink.Committed).Count);
        Assert.Equal(1, server.MaxDeliveries(Project, Sub));
        Assert.Equal(0, server.Unacked(Project, Sub));
        Assert.True(server.Count("acknowledge") < 20, "acks are batched");
        await source.Completion.WithinSafetyNet("the lease and ack loops to stop once drained");
    }

    [Fact]
    public async Task A_crash_mid_batch_leads_to_redelivery_and_every_post_reaches_the_sink_with_bounded_duplicates()
    {
        const int total = 200;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));
        await using var server = await PubSubTestServer.StartAsync(time);
        server.CreateSubscription(Project, Sub, "posts", ackDeadlineSeconds: 10);
        Publish(server, total);
        var options = new PipelineOptions { BatchSize = 50, BatchMaxDelay = TimeSpan.FromMilliseconds(5), RetryBaseDelay = TimeSpan.Zero, RetryMaxDelay = TimeSpan.Zero, DrainTimeout = TimeSpan.Zero };
        var sink = new CollectingSink
        {
            // Run 1: the first batch commits, every later one hangs until the crash.
            OnWrite = async (_, call, ct) =>
            {
                if (call > 1)
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
            },
        };
        var first = Source(server, SourceOptions(), time);
        using (var crash = new CancellationTokenSource())
        {
            var run1 = CreatePipeline(first, sink, options: options).RunAsync(crash.Token);
            await server.WaitUntilAsync(() => sink.Calls >= 2, what: "second batch in flight");
            await first.DisposeAsync();
            await crash.CancelAsync();
            await run1;
        }

        var committedBeforeCrash = sink.Committed.Count;
        Assert.InRange(committedBeforeCrash, 1, 50);
        Assert.True(server.Unacked(Project, Sub) >= total - committedBeforeCrash);

        // Nobody extends the leases any more: they expire and Pub/Sub redelivers. A pull the crashed client abandoned
        // may still lease messages on the server; let those finish first so their leases expire too.
        await server.WaitUntilAsync(() => server.ActivePulls == 0, what: "abandoned pulls finished");
        time.Advance(TimeSpan.FromSeconds(11));
        sink.OnWrite = null;
        var second = Source(server, SourceOptions(), time);
        using (var stop = new CancellationTokenSource())
        {
            var run2 = CreatePipeline(second, sink, options: new PipelineOptions { BatchSize = 50, BatchMaxDelay = TimeSpan.FromMilliseconds(5), RetryBaseDelay = TimeSpan.Zero, RetryMaxDelay = TimeSpan.Zero, DrainTimeout = TimeSpan.FromSeconds(10) }).RunAsync(stop.Token);
            await server.WaitUntilAsync(() => server.Unacked(Project, Sub) == 0, what: "all acked");
            await stop.CancelAsync();
            await run2;
        }

        var counts = CountIds(sink.Committed);
        Assert.Equal(total, counts.Count);
        Assert.InRange(sink.Committed.Count - total, 0, committedBeforeCrash);
        Assert.Equal(2, server.MaxDeliveries(Project, Sub));
    }

    [Fact]
    public async Task Undecodable_messages_are_dead_lettered_then_acked()
    {
        await using var server = await PubSubTestServer.StartAsync();
        server.CreateSubscription(Project, Sub, "posts");
        Publish(server, 3);
        server.PublishRaw(Project, "posts", "%%% not base64 %%%");
        server.PublishRaw(Project, "posts", Convert.ToBase64String("not json at all"u8));
        server.PublishRaw(Project, "posts", Convert.ToBase64String("{\"id\":\"x:9\"}"u8));
        server.PublishRaw(Project, "posts", null, new Dictionary<string, string> { ["post_id"] = "x:10" });
        var deadLetters = new CollectingDeadLetterSink();
        var sink = new CollectingSink();
        using var stop = new CancellationTokenSource();
        var run = CreatePipeline(Source(server), sink, deadLetters).RunAsync(stop.Token);

        await server.WaitUntilAsync(() => server.AckedCount(Project, Sub) == 7, what: "7 acks");
        await stop.CancelAsync();
        await run;

        Assert.Equal(3, sink.Committed.Count);
        Assert.Equal(4, deadLetters.Items.Count);
        Assert.All(deadLetters.Items, d => Assert.Equal("source:pubsub", d.Stage));
        Assert.All(deadLetters.Items, d => Assert.Equal(DeadLetterPayloadKind.Raw, d.PayloadKind));
        var reasons = deadLetters.Items.Select(d => d.Reason).Order().ToList();
        Assert.Contains(reasons, r => r.Contains("not base64", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("no data", StringComparison.Ordinal));
        Assert.Equal(2, reasons.Count(r => r.Contains("not a post", StringComparison.Ordinal)));
        Assert.Contains(deadLetters.Items, d => Encoding.UTF8.GetString(d.Payload.Span) == "not json at all");
        Assert.Equal(0, server.Unacked(Project, Sub));
    }

    [Theory]
    [InlineData(429, "RESOURCE_EXHAUSTED")]
    [InlineData(500, "INTERNAL")]
    [InlineData(503, "UNAVAILABLE")]
    public async Task Acknowledgements_are_retried_on_transient_statuses_so_nothing_is_redelivered(int status, string statusName)
    {
        await using var server = await PubSubTestServer.StartAsync();
        server.CreateSubscription(Project, Sub, "posts", ackDeadlineSeconds: 600);
        Publish(server, 10);
        server.InjectFault("acknowledge", Fault.Http(status, statusName, "burst"), times: 3);
        var sink = new CollectingSink();
        using var stop = new CancellationTokenSource();
        var run = CreatePipeline(Source(server), sink).RunAsync(stop.Token);

        await server.WaitUntilAsync(() => server.AckedCount(Project, Sub) == 10, what: "10 acks despite the faults");
        await stop.CancelAsync();
        await run;

        Assert.Equal(10, CountIds(sink.Committed).Count);
        Assert.True(server.Count("acknowledge") >= 4, "the failed ack requests were repeated");
        Assert.Equal(1, server.MaxDeliveries(Project, Sub));
    }

    [Fact]
    public async Task A_subscription_deleted_under_a_running_source_is_recreated_with_CreateIfMissing_and_reading_goes_on()
    {
        await using var server = await PubSubTestServer.StartAsync();
        server.CreateSubscription(Project, Sub, "posts", ackDeadlineSeconds: 600);
        Publish(server, 5);
        var options = SourceOptions();
        options.CreateIfMissing = true;
        options.TopicId = "posts";
        var sink = new CollectingSink();
        using var stop = new CancellationTokenSource();
        var run = CreatePipeline(Source(server, options), sink).RunAsync(stop.Token);
        await server.WaitUntilAsync(() => server.AckedCount(Project, Sub) == 5, what: "the first 5 acks");

        server.DeleteSubscription(Project, Sub);
        await server.WaitUntilAsync(() => server.Count("createSubscription") >= 2, what: "the subscription recreated");
        Publish(server, 3, first: 100);
        await server.WaitUntilAsync(() => sink.Committed.Count == 8, what: "posts published after the recreation");
        await stop.CancelAsync();
        await run;

        Assert.Equal(8, CountIds(sink.Committed).Count);
    }

    [Fact]
    public async Task A_subscription_deleted_under_a_running_source_without_CreateIfMissing_fails_the_pipeline_with_a_clear_message()
    {
        await using var server = await PubSubTestServer.StartAsync();
        server.CreateSubscription(Project, Sub, "posts", ackDeadlineSeconds: 600);
        Publish(server, 2);
        var sink = new CollectingSink();
        var run = CreatePipeline(Source(server), sink).RunAsync(CancellationToken.None);
        await server.WaitUntilAsync(() => server.AckedCount(Project, Sub) == 2, what: "the first acks");

        server.DeleteSubscription(Project, Sub);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => run);

        Assert.Contains("does not exist", failure.Message, StringComparison.Ordinal);
        Assert.Contains("CreateIfMissing", failure.Message, StringComparison.Ordinal);
        Assert.Equal(2, sink.Committed.Count);
    }

    [Fact]
    public async Task A_rejected_item_is_nacked_and_redelivered_at_once()
    {
        await using var server = await PubSubTestServer.StartAsync();
        server.CreateSubscription(Project, Sub, "posts", ackDeadlineSeconds: 600);
        Publish(server, 1);
        await using var source = Source(server);
        using var stop = new CancellationTokenSource();
        await using var items = source.ReadAsync(stop.Token).GetAsyncEnumerator(stop.Token);

        Assert.True(await items.MoveNextAsync().WithinSafetyNet("the first delivery"));
        var firstId = items.Current.Post!.Id;
        await items.Current.Acknowledgement.RejectAsync(CancellationToken.None);
        Assert.True(await items.MoveNextAsync().WithinSafetyNet("the redelivery"));

        Assert.Equal(firstId, items.Current.Post!.Id);
        Assert.Equal(2, server.MaxDeliveries(Project, Sub));
        Assert.Contains(server.Requests, r => r.Operation == "modifyAckDeadline" && r.Body!.Value.GetProperty("ackDeadlineSeconds").GetInt32() == 0);
        await items.Current.Acknowledgement.AcknowledgeAsync(CancellationToken.None);
        await server.WaitUntilAsync(() => server.AckedCount(Project, Sub) == 1, what: "ack");
    }

    [Fact]
    public async Task Flow_control_bounds_outstanding_messages_across_parallel_pulls()
    {
        await using var server = await PubSubTestServer.StartAsync();
        server.CreateSubscription(Project, Sub, "posts", ackDeadlineSeconds: 600);
        Publish(server, 60);
        var options = SourceOptions();
        options.MaxOutstandingMessages = 10;
        options.MaxConcurrentPulls = 4;
        await using var source = Source(server, options);
        using var stop = new CancellationTokenSource();
        var seen = new HashSet<string>();
        var held = new List<SourceItem>();

        await ReadAllSixty().WithinSafetyNet("all 60 messages");

        Assert.Equal(60, seen.Count);
        // The server may still count acked messages as leased until the batched ack arrives; the bound is the client's.
        Assert.All(server.Requests.Where(r => r.Operation == "pull"), r => Assert.InRange(r.Body!.Value.GetProperty("maxMessages").GetInt32(), 1, 10));

        async Task ReadAllSixty()
        {
            await foreach (var item in source.ReadAsync(stop.Token))
            {
                seen.Add(item.Post!.Id);
                held.Add(item);
                Assert.InRange(source.Outstanding, 1, 10);
                if (held.Count == 10 || seen.Count == 60)
                {
                    foreach (var h in held)
                    {
                        await h.Acknowledgement.AcknowledgeAsync(CancellationToken.None);
                    }

                    held.Clear();
                }

                if (seen.Count == 60)
                {
                    break;
                }
            }
        }
    }

    [Fact]
    public async Task CreateIfMissing_provisions_topic_and_subscription_with_a_dead_letter_policy_idempotently()
    {
        await using var server = await PubSubTestServer.StartAsync();
        var options = SourceOptions("new-sub");
        options.TopicId = "new-topic";
        options.CreateIfMissing = true;
        options.DeadLetterTopicId = "new-topic-dead";
        options.MaxDeliveryAttempts = 7;

        for (var run = 0; run < 2; run++)
        {
            var pullsBefore = server.Count("pull");
            await using var source = Source(server, options);
            using var stop = new CancellationTokenSource();
            await using var items = source.ReadAsync(stop.Token).GetAsyncEnumerator(stop.Token);
            var next = items.MoveNextAsync().AsTask();
            await server.WaitUntilAsync(() => server.Count("createSubscription") > run && server.Count("pull") > pullsBefore, what: "pull after provisioning");
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
        }

        var creates = server.Requests.Where(r => r.Operation == "createSubscription").ToList();
        Assert.Equal([200, 409], creates.Select(r => r.StatusCode));
        var policy = creates[0].Body!.Value.GetProperty("deadLetterPolicy");
        Assert.Equal($"projects/{Project}/topics/new-topic-dead", policy.GetProperty("deadLetterTopic").GetString());
        Assert.Equal(7, policy.GetProperty("maxDeliveryAttempts").GetInt32());
        Assert.Equal(10, creates[0].Body!.Value.GetProperty("ackDeadlineSeconds").GetInt32());
        Assert.Equal(4, server.Requests.Count(r => r.Operation == "createTopic"));
    }

    private static void Publish(PubSubTestServer server, int count, int first = 0)
    {
        for (var i = first; i < first + count; i++)
        {
            server.PublishRaw(Project, "posts", Convert.ToBase64String(Encode(Posts.Make(i))), new Dictionary<string, string> { ["post_id"] = "x:" + i });
        }
    }

    private static int Extensions(PubSubTestServer server) =>
        server.Requests.Count(r => r.Operation == "modifyAckDeadline" && r.StatusCode == 200 && r.Body!.Value.GetProperty("ackDeadlineSeconds").GetInt32() == 10);
}

public sealed class PubSubSourceSettlementTests
{
    [Fact]
    public async Task Thousands_of_acks_are_split_within_the_ack_request_limits()
    {
        const int total = 3000;
        await using var server = await PubSubTestServer.StartAsync();
        server.CreateSubscription(Project, "posts-sub", "posts", ackDeadlineSeconds: 600);
        for (var i = 0; i < total; i++)
        {
            server.PublishRaw(Project, "posts", Convert.ToBase64String(Encode(Posts.Make(i))));
        }

        var options = SourceOptions();
        options.MaxOutstandingMessages = 5000;
        await using var source = Source(server, options);
        using var stop = new CancellationTokenSource();
        var held = new List<SourceItem>();
        await HoldAll().WithinSafetyNet($"all {total} messages");

        foreach (var item in held)
        {
            await item.Acknowledgement.AcknowledgeAsync(CancellationToken.None);
        }

        await server.WaitUntilAsync(() => server.AckedCount(Project, "posts-sub") == total, what: "all acked");
        var acks = server.Requests.Where(r => r.Operation == "acknowledge").ToList();
        Assert.All(acks, r => Assert.Equal(200, r.StatusCode));
        Assert.All(acks, r => Assert.InRange(r.Body!.Value.GetProperty("ackIds").GetArrayLength(), 1, 2500));
        Assert.All(acks, r => Assert.InRange(r.BodyBytes, 1, PubSubTestServer.MaxAckRequestBytes));
        Assert.True(acks.Count >= 2);

        async Task HoldAll()
        {
            await foreach (var item in source.ReadAsync(stop.Token))
            {
                held.Add(item);
                if (held.Count == total)
                {
                    break;
                }
            }
        }
    }

    [Fact]
    public async Task A_missing_subscription_stops_the_pipeline_with_the_api_error()
    {
        await using var server = await PubSubTestServer.StartAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => CreatePipeline(Source(server), new CollectingSink()).RunAsync(CancellationToken.None));

        Assert.Contains("NOT_FOUND", ex.Message, StringComparison.Ordinal);
    }
}

public sealed class PubSubSourceFaultTests
{
    [Fact]
    public async Task Pull_outages_are_ridden_out_and_every_post_still_arrives()
    {
        await using var server = await PubSubTestServer.StartAsync();
        server.CreateSubscription(Project, "posts-sub", "posts");
        for (var i = 0; i < 100; i++)
        {
            server.PublishRaw(Project, "posts", Convert.ToBase64String(Encode(Posts.Make(i))));
        }

        server.InjectFault("pull", Fault.Http(429, "RESOURCE_EXHAUSTED"), times: 3);
        server.InjectFault("pull", Fault.ConnectionReset, times: 2);
        server.InjectFault("pull", Fault.Http(500, "INTERNAL"), times: 2);
        server.InjectFault("acknowledge", Fault.Http(503, "UNAVAILABLE"));
        var sink = new CollectingSink();
        using var stop = new CancellationTokenSource();
        var run = CreatePipeline(Source(server), sink).RunAsync(stop.Token);

        await server.WaitUntilAsync(() => server.AckedCount(Project, "posts-sub") == 100, what: "all acked");
        await stop.CancelAsync();
        await run;

        Assert.Equal(100, CountIds(sink.Committed).Count);
        Assert.True(server.Requests.Count(r => r.Operation == "pull" && r.StatusCode != 200) >= 5);
    }

    [Fact]
    public async Task A_lease_is_given_up_after_the_maximum_total_extension()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));
        await using var server = await PubSubTestServer.StartAsync(time);
        server.CreateSubscription(Project, "posts-sub", "posts", ackDeadlineSeconds: 10);
        server.PublishRaw(Project, "posts", Convert.ToBase64String(Encode(Posts.Make(1))));
        var options = SourceOptions();
        options.MaxTotalAckExtension = TimeSpan.FromSeconds(12);
        await using var source = Source(server, options, time);
        using var stop = new CancellationTokenSource();
        await using var items = source.ReadAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await items.MoveNextAsync().WithinSafetyNet("the delivery"));
        Assert.Equal(1, source.Outstanding);

        static int Extensions(PubSubTestServer s) => s.Requests.Count(r => r.Operation == "modifyAckDeadline" && r.Body!.Value.GetProperty("ackDeadlineSeconds").GetInt32() == 10);
        var before = Extensions(server);
        time.Advance(TimeSpan.FromSeconds(5));
        await server.WaitUntilAsync(() => Extensions(server) > before, what: "first extension");
        time.Advance(TimeSpan.FromSeconds(5));
        await server.WaitUntilAsync(() => Extensions(server) > before + 1, what: "second extension");
        Assert.Equal(1, source.Outstanding);

        time.Advance(TimeSpan.FromSeconds(5)); // 15 s > 12 s: the lease is released, no extension is sent
        await server.WaitUntilAsync(() => source.Outstanding == 0, what: "lease released");
        Assert.Equal(before + 2, Extensions(server));
    }
}
