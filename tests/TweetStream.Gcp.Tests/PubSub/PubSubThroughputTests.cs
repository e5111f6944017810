using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Tests.Support;
using Xunit.Abstractions;
using static TweetStream.Gcp.Tests.Support.PubSubTestKit;

namespace TweetStream.Gcp.Tests.PubSub;

/// <summary>
/// A pipeline run through the strict double: every publish request is filled to the limit under load, and the
/// messages/s figure goes to the test output (reported, not asserted: timing depends on the machine).
/// </summary>
public sealed class PubSubThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Under_load_publish_requests_are_full_and_pull_drains_everything()
    {
        const int total = 20_000;
        await using var server = await PubSubTestServer.StartAsync();
        server.CreateTopic(Project, "posts");
        server.CreateSubscription(Project, "posts-sub", "posts", ackDeadlineSeconds: 60);
        var source = new InMemorySource();
        for (var i = 0; i < total; i++)
        {
            source.Add(Posts.Make(i) with { Author = new PostAuthor("k1:a" + (i % 977), "k1:h" + (i % 977)) { IsHashed = true } }, i);
        }

        source.Complete();
        var publish = CreatePipeline(source, Sink(server), options: new PipelineOptions
        {
            BatchSize = 1000,
            BatchMaxDelay = TimeSpan.FromMilliseconds(50),
            MaxParallelBatches = 4,
            RetryBaseDelay = TimeSpan.Zero,
        },
        time: new FakeTimeProvider()); // a still clock: batches close at 1,000 messages, never on a busy machine's delay

        var clock = Stopwatch.StartNew();
        var published = await publish.RunAsync(CancellationToken.None);
        var publishSeconds = clock.Elapsed.TotalSeconds;

        Assert.Equal(total, published.Written);
        Assert.Equal(total, server.Published(Project, "posts").Count);
        Assert.Equal(total / 1000, server.Count("publish")); // every request at the 1,000-message limit

        var sink = new CollectingSink();
        var pull = CreatePipeline(Source(server, SourceOptions()), sink, options: new PipelineOptions { BatchSize = 1000, BatchMaxDelay = TimeSpan.FromMilliseconds(50) });
        using var stop = new CancellationTokenSource();
        clock.Restart();
        var run = pull.RunAsync(stop.Token);
        await server.WaitUntilAsync(() => server.AckedCount(Project, "posts-sub") == total, "all acked");
        var pullSeconds = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await run;

        Assert.Equal(total, CountIds(sink.Committed).Count);
        var pulls = server.Count("pull");
        output.WriteLine($"publish: {total / publishSeconds:F0} messages/s in {server.Count("publish")} requests ({total / server.Count("publish")} per request)");
        output.WriteLine($"pull → pipeline → ack: {total / pullSeconds:F0} messages/s, {pulls} pulls, {server.Count("acknowledge")} ack requests");
    }
}
