using System.Net;
using TweetStream.Gcp.PubSub;
using TweetStream.Gcp.Rest;
using TweetStream.Gcp.Tests.Support;
using static TweetStream.Gcp.Tests.Support.PubSubTestKit;

namespace TweetStream.Gcp.Tests.PubSub;

public sealed class GoogleRestTransportTests : IAsyncLifetime
{
    private PubSubTestServer _server = null!;

    public async Task InitializeAsync() => _server = await PubSubTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Error_body_is_parsed_into_GoogleApiException()
    {
        _server.InjectFault("createTopic", Fault.Http(403, "PERMISSION_DENIED", "forbidden"));
        var api = Api(_server, SinkOptions());

        var ex = await Assert.ThrowsAsync<GoogleApiException>(() => api.EnsureTopicAsync(PubSubApi.TopicPath(Project, "posts"), CancellationToken.None));

        Assert.Equal(HttpStatusCode.Forbidden, ex.HttpStatus);
        Assert.Equal("PERMISSION_DENIED", ex.Status);
        Assert.Equal("forbidden", ex.Reason);
        Assert.Equal("injected fault", ex.ApiMessage);
        Assert.Equal(PubSubRetryPolicy.CreateTopic, ex.Operation);
        Assert.Equal(1, _server.Count("createTopic"));
    }

    [Fact]
    public async Task Existing_topic_counts_as_created_but_409_ABORTED_does_not()
    {
        var api = Api(_server, SinkOptions());
        var topic = PubSubApi.TopicPath(Project, "posts");

        await api.EnsureTopicAsync(topic, CancellationToken.None);
        await api.EnsureTopicAsync(topic, CancellationToken.None);
        Assert.Contains(_server.Requests, r => r.Operation == "createTopic" && r.StatusCode == 409);

        _server.InjectFault("createTopic", Fault.Http(409, "ABORTED"));
        var ex = await Assert.ThrowsAsync<GoogleApiException>(() => api.EnsureTopicAsync(topic, CancellationToken.None));
        Assert.Equal("ABORTED", ex.Status);
    }

    [Fact]
    public async Task Bearer_token_quota_project_and_gzip_bodies_are_sent()
    {
        _server.CreateTopic(Project, "posts");
        var options = SinkOptions();
        options.QuotaProjectId = "billing-project";
        var tokens = new FakeTokenSource("secret-token");
        var sink = Sink(_server, options, tokens);
        var batch = new SinkBatch([.. Enumerable.Range(0, 20).Select(i => TweetStream.Tests.Support.Posts.Make(i))]);

        await sink.WriteAsync(batch, CancellationToken.None);

        Assert.False(batch.HasFailures);
        var publish = Assert.Single(_server.Requests, r => r.Operation == "publish");
        Assert.Equal("Bearer secret-token", publish.Authorization);
        Assert.Equal("billing-project", publish.QuotaProject);
        Assert.Equal("gzip", publish.ContentEncoding);
        Assert.Equal(200, publish.StatusCode);
        Assert.Equal(20, _server.Published(Project, "posts").Count);
    }

    [Fact]
    public async Task Emulator_mode_sends_no_Authorization_header_and_no_gzip()
    {
        _server.CreateSubscription(Project, "posts-sub", "posts");
        var tokens = new FakeTokenSource();
        var sinkOptions = SinkOptions();
        sinkOptions.EmulatorHost = _server.HostPort;
        sinkOptions.BaseAddress = new Uri("https://must-not-be-used.invalid/");
        var sink = new PubSubSink(Api(_server, sinkOptions, tokens), sinkOptions, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        await sink.WriteAsync(new SinkBatch([.. Enumerable.Range(0, 50).Select(i => TweetStream.Tests.Support.Posts.Make(i))]), CancellationToken.None);
        var sourceOptions = SourceOptions();
        sourceOptions.EmulatorHost = _server.HostPort;
        var api = Api(_server, sourceOptions, tokens);
        var pulled = await api.PullAsync(PubSubApi.SubscriptionPath(Project, "posts-sub"), 10, CancellationToken.None);

        Assert.Equal(10, pulled.ReceivedMessages!.Count);
        Assert.Equal(50, _server.Published(Project, "posts").Count);
        Assert.All(_server.Requests, r => Assert.Null(r.Authorization));
        Assert.All(_server.Requests, r => Assert.Null(r.ContentEncoding));
        Assert.Equal(0, tokens.Calls);
    }

    [Fact]
    public async Task Pull_is_retried_by_the_transport_on_503_and_connection_reset()
    {
        _server.CreateSubscription(Project, "posts-sub", "posts");
        _server.PublishRaw(Project, "posts", Convert.ToBase64String(Encode(TweetStream.Tests.Support.Posts.Make(1))));
        _server.InjectFault("pull", Fault.Http(503, "UNAVAILABLE"));
        _server.InjectFault("pull", Fault.ConnectionReset);
        var api = Api(_server, SourceOptions());

        var pulled = await api.PullAsync(PubSubApi.SubscriptionPath(Project, "posts-sub"), 10, CancellationToken.None);

        Assert.Single(pulled.ReceivedMessages!);
        Assert.Equal(3, _server.Count("pull"));
    }

    [Fact]
    public async Task Publish_is_retried_by_the_transport_only_on_UNAVAILABLE_and_only_once()
    {
        _server.CreateTopic(Project, "posts");
        var api = Api(_server, SinkOptions());
        var body = "{\"messages\":[{\"data\":\"eA==\"}]}"u8.ToArray();

        _server.InjectFault("publish", Fault.Http(503, "UNAVAILABLE"), times: 2);
        var unavailable = await Assert.ThrowsAsync<GoogleApiException>(() => api.PublishAsync(PubSubApi.TopicPath(Project, "posts"), body, CancellationToken.None));
        Assert.Equal("UNAVAILABLE", unavailable.Status);
        Assert.Equal(2, _server.Count("publish"));

        _server.InjectFault("publish", Fault.Http(429, "RESOURCE_EXHAUSTED"));
        await Assert.ThrowsAsync<GoogleApiException>(() => api.PublishAsync(PubSubApi.TopicPath(Project, "posts"), body, CancellationToken.None));
        Assert.Equal(3, _server.Count("publish"));

        _server.InjectFault("publish", Fault.Http(503, "UNAVAILABLE"));
        var ids = await api.PublishAsync(PubSubApi.TopicPath(Project, "posts"), body, CancellationToken.None);
        Assert.Single(ids.MessageIds!);
        Assert.Equal(5, _server.Count("publish"));
    }

    [Fact]
    public async Task Transport_gives_up_after_the_policy_attempts_and_surfaces_the_last_error()
    {
        _server.CreateSubscription(Project, "posts-sub", "posts");
        _server.InjectFault("pull", Fault.Http(503, "UNAVAILABLE"), times: 10);
        var api = Api(_server, SourceOptions());

        var ex = await Assert.ThrowsAsync<GoogleApiException>(() => api.PullAsync(PubSubApi.SubscriptionPath(Project, "posts-sub"), 10, CancellationToken.None));

        Assert.Equal("UNAVAILABLE", ex.Status);
        Assert.Equal(PubSubRetryPolicy.Instance.GetSettings(PubSubRetryPolicy.Pull).MaxAttempts, _server.Count("pull"));
    }

    [Fact]
    public async Task A_slow_response_is_abandoned_at_the_total_deadline_on_the_injected_clock()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        _server.CreateSubscription(Project, "posts-sub", "posts");
        _server.InjectFault("pull", new Fault(Delay: TimeSpan.FromMinutes(5)));
        var api = Api(_server, SourceOptions(), time: time);

        var call = api.PullAsync(PubSubApi.SubscriptionPath(Project, "posts-sub"), 10, CancellationToken.None);
        await _server.WaitUntilAsync(() => _server.InFlight == 1, what: "request in flight");
        time.Advance(PubSubRetryPolicy.Instance.GetSettings(PubSubRetryPolicy.Pull).TotalTimeout);

        await Assert.ThrowsAsync<Polly.Timeout.TimeoutRejectedException>(() => call);
    }

    [Fact]
    public void Pub_Sub_policy_classifies_codes_as_the_official_client_does()
    {
        var policy = PubSubRetryPolicy.Instance;
        static GoogleApiException E(int code, string status) => new((HttpStatusCode)code, status, null, "m");

        foreach (var status in new[] { "ABORTED", "CANCELLED", "INTERNAL", "RESOURCE_EXHAUSTED", "UNKNOWN", "UNAVAILABLE", "DEADLINE_EXCEEDED" })
        {
            Assert.True(policy.IsTransient(PubSubRetryPolicy.Publish, E(500, status)), status);
        }

        Assert.False(policy.IsTransient(PubSubRetryPolicy.Publish, E(400, "INVALID_ARGUMENT")));
        Assert.False(policy.IsTransient(PubSubRetryPolicy.Publish, E(404, "NOT_FOUND")));
        Assert.True(policy.ShouldRetry(PubSubRetryPolicy.Pull, E(409, "ABORTED")));
        Assert.False(policy.ShouldRetry(PubSubRetryPolicy.Pull, E(429, "RESOURCE_EXHAUSTED")));
        Assert.True(policy.ShouldRetry(PubSubRetryPolicy.Acknowledge, E(503, "UNAVAILABLE")));
        Assert.True(policy.ShouldRetry(PubSubRetryPolicy.Acknowledge, E(500, "UNKNOWN")));
        Assert.True(policy.ShouldRetry(PubSubRetryPolicy.Acknowledge, E(429, "RESOURCE_EXHAUSTED")));
        Assert.True(policy.ShouldRetry(PubSubRetryPolicy.ModifyAckDeadline, E(429, "RESOURCE_EXHAUSTED")));
        Assert.False(policy.ShouldRetry(PubSubRetryPolicy.Acknowledge, E(400, "INVALID_ARGUMENT")));
        Assert.False(policy.ShouldRetry(PubSubRetryPolicy.Publish, new HttpRequestException("reset")));
        Assert.True(policy.ShouldRetry(PubSubRetryPolicy.Pull, new HttpRequestException("reset")));
    }
}

public sealed class PubSubEmulatorVariableTests
{
    [Fact]
    public async Task PUBSUB_EMULATOR_HOST_switches_to_plain_http_without_credentials()
    {
        await using var server = await PubSubTestServer.StartAsync();
        server.CreateTopic(Project, "posts");
        var tokens = new FakeTokenSource();
        var options = SinkOptions();
        options.BaseAddress = new Uri("https://must-not-be-used.invalid/");
        var api = PubSubClientFactory.Create(options, new HttpClient(), tokens, TimeProvider.System, name => name == "PUBSUB_EMULATOR_HOST" ? server.HostPort : null);

        await api.EnsureTopicAsync(PubSubApi.TopicPath(Project, "other"), CancellationToken.None);

        Assert.Equal(new Uri("http://" + server.HostPort + "/"), api.Client.BaseAddress);
        Assert.Null(Assert.Single(server.Requests).Authorization);
        Assert.Equal(0, tokens.Calls);
    }
}

public sealed class GoogleErrorMessageTests
{
    [Fact]
    public void A_body_that_is_not_Google_error_shape_keeps_its_own_words_in_the_message()
    {
        var error = GoogleErrors.Parse(HttpStatusCode.BadRequest, "{\"error\":\"invalid_grant\",\n\"error_description\":\"Invalid JWT signature.\"}"u8, "bigquery.tables.get");

        Assert.Contains("invalid_grant", error.Message, StringComparison.Ordinal);
        Assert.Contains("Invalid JWT signature.", error.Message, StringComparison.Ordinal);
        Assert.Equal("INVALID_ARGUMENT", error.Status);
    }

    [Fact]
    public void The_first_detail_message_is_used_when_the_error_has_no_top_level_message()
    {
        var error = GoogleErrors.Parse(HttpStatusCode.BadRequest, "{\"error\":{\"code\":400,\"errors\":[{\"reason\":\"invalid\",\"message\":\"Invalid dataset ID \\\"bad id\\\".\"}]}}"u8, "bigquery.datasets.get");

        Assert.Contains("Invalid dataset ID", error.Message, StringComparison.Ordinal);
        Assert.Equal("invalid", error.Reason);
    }

    [Fact]
    public void A_long_proxy_page_is_cut_to_a_bounded_single_line()
    {
        var page = "<html>\n<body>" + new string('x', 5000) + "</body></html>";
        var error = GoogleErrors.Parse(HttpStatusCode.BadGateway, System.Text.Encoding.UTF8.GetBytes(page), "pubsub.pull");

        Assert.DoesNotContain('\n', error.Message);
        Assert.InRange(error.ApiMessage!.Length, 10, 320);
    }
}
