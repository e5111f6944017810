using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using TweetStream.Gcp.PubSub;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Tests.Support;
using static TweetStream.Gcp.Tests.Support.PubSubTestKit;

namespace TweetStream.Gcp.Tests.PubSub;

// A trace listener is process-wide: run alone, so other tests' pipelines neither slow down nor carry trace attributes.
[Collection(TracingCollection.Name)]
public sealed class PubSubTracingTests
{
    [Fact]
    public async Task Ingest_and_load_through_pub_sub_show_as_one_trace_with_a_span_per_stage_and_no_post_content()
    {
        // Other tests run pipelines in parallel; this one's spans are told apart by its unique component names.
        var id = Guid.NewGuid().ToString("N")[..8];
        var exported = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(TweetStreamTelemetry.ActivitySourceName)
            .AddInMemoryExporter(exported)
            .Build()!;

        await using var server = await PubSubTestServer.StartAsync();
        var topic = "traced-" + id;
        server.CreateTopic(Project, topic);
        server.CreateSubscription(Project, "traced-sub-" + id, topic);

        // ingest: memory source → a named transform → Pub/Sub sink (the double).
        var ingestSource = new InMemorySource();
        for (var i = 0; i < 30; i++)
        {
            ingestSource.Add(Posts.Make(i, handle: "secrethandle"), i);
        }

        ingestSource.Complete();
        var ingest = PipelineHarness.Create(ingestSource, [Sink(server, SinkOptions(topic))], transforms: [new Rename("mark-" + id)]);
        Assert.Equal(30, (await ingest.RunAsync(CancellationToken.None)).Written);

        var published = server.Published(Project, topic);
        Assert.All(published, m => Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", m.Attributes[PubSubTraceContext.TraceParentAttribute]));

        // load: Pub/Sub source (pulling the double) → a named sink.
        var loadSink = new CollectingSink("load-" + id);
        var load = CreatePipeline(Source(server, SourceOptions("traced-sub-" + id)), loadSink);
        using var stop = new CancellationTokenSource();
        var run = load.RunAsync(stop.Token);
        await server.WaitUntilAsync(() => server.AckedCount(Project, "traced-sub-" + id) == 30, what: "load acks");
        await stop.CancelAsync();
        await run;
        tracing.ForceFlush();

        Activity[] spans;
        lock (exported)
        {
            spans = [.. exported];
        }

        var transform = Assert.Single(spans, s => s.DisplayName == "tweetstream.transform" && (string?)s.GetTagItem("tweetstream.transform") == "mark-" + id);
        var loadWrites = spans.Where(s => s.DisplayName == "tweetstream.sink.write" && (string?)s.GetTagItem("tweetstream.sink") == loadSink.Name).ToList();
        Assert.NotEmpty(loadWrites);

        // One trace from the ingest batch to every load write.
        var traceId = transform.TraceId;
        Assert.All(loadWrites, w => Assert.Equal(traceId, w.TraceId));
        var trace = spans.Where(s => s.TraceId == traceId).ToList();
        var ingestBatch = Assert.Single(trace, s => s.DisplayName == "tweetstream.batch" && s.ParentSpanId == default);
        var publish = Assert.Single(trace, s => s.DisplayName == "tweetstream.sink.write" && (string?)s.GetTagItem("tweetstream.sink") == "pubsub");
        Assert.Equal(ingestBatch.SpanId, publish.ParentSpanId);
        Assert.Contains(trace, s => s.DisplayName == "tweetstream.source.read" && s.ParentSpanId == ingestBatch.SpanId);
        Assert.Contains(trace, s => s.DisplayName == "tweetstream.ack" && s.ParentSpanId == ingestBatch.SpanId);

        // The load batches continue the publish span (parent) and link what they carried.
        var loadBatches = trace.Where(s => s.DisplayName == "tweetstream.batch" && s.ParentSpanId == publish.SpanId).ToList();
        Assert.NotEmpty(loadBatches);
        Assert.All(loadBatches, b => Assert.Equal(ActivityKind.Consumer, b.Kind));
        Assert.All(loadBatches, b => Assert.Contains(b.Links, l => l.Context.SpanId == publish.SpanId));
        Assert.Equal(30, loadBatches.Sum(b => (int)b.GetTagItem("tweetstream.batch.size")!));
        Assert.All(loadWrites, w => Assert.Contains(loadBatches, b => b.SpanId == w.ParentSpanId));

        // No attribute carries post text, handles or ids.
        foreach (var span in trace)
        {
            foreach (var (key, value) in span.TagObjects)
            {
                var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                Assert.DoesNotContain("secrethandle", text, StringComparison.Ordinal);
                Assert.DoesNotContain("#london", text, StringComparison.Ordinal);
                Assert.DoesNotContain("x:1", text, StringComparison.Ordinal);
            }
        }
    }

    private sealed class Rename(string name) : ITransform
    {
        public string Name => name;

        public ValueTask ApplyAsync(TransformBatch batch, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingCollection
{
    public const string Name = "tracing";
}
