using TweetStream.Gcp.Tests.Support;
using TweetStream.Tests.Support;
using static TweetStream.Gcp.Tests.Support.PubSubTestKit;

namespace TweetStream.Gcp.Tests.PubSub;

public sealed class PubSubSinkTests : IAsyncLifetime
{
    private PubSubTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await PubSubTestServer.StartAsync();
        _server.CreateTopic(Project, "posts");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Publish_failures_are_retried_by_the_pipeline_and_then_succeed_without_loss()
    {
        _server.InjectFault("publish", Fault.Http(429, "RESOURCE_EXHAUSTED", "rateLimitExceeded"), times: 2);
        _server.InjectFault("publish", Fault.ConnectionReset);
        _server.InjectFault("publish", Fault.Http(500, "INTERNAL"));
        var source = new InMemorySource();
        for (var i = 0; i < 300; i++)
        {
            source.Add(Posts.Make(i), i);
        }

        source.Complete();
        var sink = Sink(_server);

        var stats = await CreatePipeline(source, sink).RunAsync(CancellationToken.None);

        Assert.Equal(300, stats.Written);
        Assert.True(stats.Retries >= 4, "the pipeline retried");
        Assert.Equal(4, _server.Requests.Count(r => r.Operation == "publish" && r.StatusCode != 200));
        var published = CountIds(DecodePosts(_server.Published(Project, "posts")));
        Assert.Equal(300, published.Count);
        Assert.All(published.Values, n => Assert.Equal(1, n)); // failed requests were all-or-nothing
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), source.Acks.Acked.Order());
    }

    [Fact]
    public async Task A_rejected_request_fails_only_its_own_items_with_the_api_message()
    {
        var options = SinkOptions();
        options.MaxMessagesPerRequest = 100;
        options.MaxConcurrentRequests = 1;
        var sink = Sink(_server, options);
        _server.InjectFault("publish", Fault.Http(400, "INVALID_ARGUMENT"));
        _server.InjectFault("publish", Fault.Http(503, "UNAVAILABLE"), times: 2);
        var batch = new SinkBatch([.. Enumerable.Range(0, 300).Select(i => Posts.Make(i))]);

        await sink.WriteAsync(batch, CancellationToken.None);

        for (var i = 0; i < 300; i++)
        {
            var failure = batch.GetFailure(i);
            switch (i)
            {
                case < 100:
                    Assert.False(failure!.Retryable);
                    Assert.Contains("INVALID_ARGUMENT", failure.Reason, StringComparison.Ordinal);
                    Assert.Contains("injected fault", failure.Reason, StringComparison.Ordinal);
                    break;
                case < 200:
                    Assert.True(failure!.Retryable);
                    Assert.Contains("UNAVAILABLE", failure.Reason, StringComparison.Ordinal);
                    break;
                default:
                    Assert.Null(failure);
                    break;
            }
        }

        Assert.Equal(100, _server.Published(Project, "posts").Count);
    }

    [Fact]
    public async Task Hard_limits_hold_for_large_posts_against_the_strict_server()
    {
        var options = SinkOptions();
        options.MaxRequestBytes = 10_000_000;
        var sink = Sink(_server, options);
        var posts = Enumerable.Range(0, 1500).Select(i => Posts.Make(i)).ToList();
        for (var i = 0; i < 6; i++)
        {
            posts.Insert(i * 200, Posts.Make(10_000 + i) with { Text = new string('z', 2_900_000) });
        }

        var batch = new SinkBatch(posts);

        await sink.WriteAsync(batch, CancellationToken.None);

        Assert.False(batch.HasFailures);
        Assert.All(_server.Requests, r => Assert.Equal(200, r.StatusCode));
        Assert.True(_server.Count("publish") >= 3); // 6 × 3.9 MB of base64: two per 10 MB request at most
        Assert.Equal(1506, CountIds(DecodePosts(_server.Published(Project, "posts"))).Count);
    }

    [Fact]
    public async Task Ordering_key_requests_carry_one_key_and_keep_order()
    {
        var options = SinkOptions();
        options.OrderingKey = "london";
        options.MaxMessagesPerRequest = 100;
        var sink = Sink(_server, options);

        await sink.WriteAsync(new SinkBatch([.. Enumerable.Range(0, 250).Select(i => Posts.Make(i))]), CancellationToken.None);

        var published = _server.Published(Project, "posts");
        Assert.Equal(3, _server.Count("publish"));
        Assert.All(published, m => Assert.Equal("london", m.OrderingKey));
        Assert.Equal(Enumerable.Range(0, 250).Select(i => "x:" + i), DecodePosts(published).Select(p => p.Id));
    }

    [Fact]
    public async Task With_an_ordering_key_a_failure_holds_back_the_later_requests()
    {
        var options = SinkOptions();
        options.OrderingKey = "london";
        options.MaxMessagesPerRequest = 100;
        var sink = Sink(_server, options);
        _server.InjectFault("publish", Fault.Http(429, "RESOURCE_EXHAUSTED"));
        var batch = new SinkBatch([.. Enumerable.Range(0, 250).Select(i => Posts.Make(i))]);

        await sink.WriteAsync(batch, CancellationToken.None);

        Assert.Equal(1, _server.Count("publish"));
        Assert.All(Enumerable.Range(0, 250), i => Assert.True(batch.GetFailure(i)!.Retryable));
    }

    [Fact]
    public async Task CreateIfMissing_creates_the_topic_once_then_publishes()
    {
        var options = SinkOptions("fresh-topic");
        options.CreateIfMissing = true;
        var sink = Sink(_server, options);

        await sink.WriteAsync(new SinkBatch([Posts.Make(1)]), CancellationToken.None);
        await sink.WriteAsync(new SinkBatch([Posts.Make(2)]), CancellationToken.None);

        Assert.Equal(1, _server.Count("createTopic"));
        Assert.Equal(2, _server.Published(Project, "fresh-topic").Count);
    }
}
