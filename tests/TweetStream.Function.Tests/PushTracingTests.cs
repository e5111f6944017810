using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using TweetStream.Function.Tests.Support;

namespace TweetStream.Function.Tests;

// A trace listener is process-wide: run alone, so other tests' pipelines neither slow down nor carry trace attributes.
[Collection(TracingCollection.Name)]
public sealed class PushTracingTests : IAsyncLifetime
{
    private GoogleKeysDouble _keys = null!;
    private FunctionHost _host = null!;

    public async Task InitializeAsync()
    {
        _keys = await GoogleKeysDouble.StartAsync();
        _host = await FunctionHost.StartAsync(_keys);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _keys.DisposeAsync();
    }

    [Fact]
    public async Task A_pushed_message_continues_the_publishers_trace_from_its_attributes()
    {
        var publisher = ActivityTraceId.CreateRandom();
        var publishSpan = ActivitySpanId.CreateRandom();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == TweetStreamTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.TraceId == publisher)
                {
                    spans.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var body = PushBodies.Wrapped(PushBodies.Post(7)).Replace(
            "\"post_id\":\"x:1\"",
            $"\"post_id\":\"x:1\",\"googclient_traceparent\":\"00-{publisher}-{publishSpan}-01\"",
            StringComparison.Ordinal);

        var response = await _host.PushAsync(body, _host.Token());

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var batch = Assert.Single(spans, s => s.DisplayName == "tweetstream.batch");
        Assert.Equal(publishSpan, batch.ParentSpanId);
        Assert.Contains(spans, s => s.DisplayName == "tweetstream.sink.write" && s.ParentSpanId == batch.SpanId);
        Assert.Contains(spans, s => s.DisplayName == "tweetstream.ack" && s.ParentSpanId == batch.SpanId);
    }

    [Fact]
    public async Task The_readme_curl_body_is_accepted_and_stored_with_the_handle_hashed()
    {
        // The body samples/TweetStream.Function/README.md shows, as its shell builds it.
        var post = """{"id":"x:1","source":"x","created_at":"2026-11-26T10:00:00.000Z","text":"Hello #london","author":{"id":"1","handle":"someone"},"hashtags":["london"]}""";
        var data = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(post));
        var body = "{\"message\":{\"data\":\"" + data + "\",\"messageId\":\"1\",\"publishTime\":\"2026-11-26T10:00:01Z\",\"attributes\":{\"post_id\":\"x:1\"}},\"subscription\":\"projects/my-project/subscriptions/london-posts-push\"}";

        var response = await _host.PushAsync(body, _host.Token());

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var stored = Assert.Single(await _host.StoredAsync());
        Assert.Equal("x:1", stored.Id);
        Assert.StartsWith("k1:", stored.Author.Handle, StringComparison.Ordinal);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingCollection
{
    public const string Name = "tracing";
}
