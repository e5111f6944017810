using System.Net;
using System.Text;
using TweetStream.Gcp.Tests.Support;

namespace TweetStream.Gcp.Tests.PubSub;

/// <summary>The double must reject what the real API rejects, or the client tests prove nothing.</summary>
public sealed class PubSubTestServerTests : IAsyncLifetime
{
    private PubSubTestServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await PubSubTestServer.StartAsync();
        _server.CreateSubscription("p1", "sub", "topic");
        _http = new HttpClient { BaseAddress = _server.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData("{\"messages\":[{\"data\":\"eA==\",\"colour\":\"red\"}]}", "Unknown name")]
    [InlineData("{\"messages\":[{\"data\":42}]}", "TYPE_STRING")]
    [InlineData("{\"messages\":[{\"data\":\"not base64!\"}]}", "byte")]
    [InlineData("{\"messages\":[{\"attributes\":{\"a\":1}}]}", "TYPE_STRING")]
    [InlineData("{}", "required")]
    [InlineData("{\"messages\":[{}]}", "empty")]
    [InlineData("{\"messages\":[{\"data\":\"eA==\",\"orderingKey\":\"a\"},{\"data\":\"eA==\",\"orderingKey\":\"b\"}]}", "ordering key")]
    [InlineData("{\"messages\":[{\"data\":\"eA==\",\"messageId\":\"1\"}]}", "set by the server")]
    public async Task Publish_bodies_that_break_the_schema_are_rejected_with_400(string body, string expected)
    {
        var response = await Post("v1/projects/p1/topics/topic:publish", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(_server.Published("p1", "topic"));
    }

    [Fact]
    public async Task Publish_limits_are_enforced()
    {
        var tooMany = "{\"messages\":[" + string.Join(',', Enumerable.Repeat("{\"data\":\"eA==\"}", 1001)) + "]}";
        Assert.Equal(HttpStatusCode.BadRequest, (await Post("v1/projects/p1/topics/topic:publish", tooMany)).StatusCode);

        var tooBig = "{\"messages\":[{\"data\":\"" + new string('A', 10_000_000) + "\"}]}";
        Assert.Equal(HttpStatusCode.BadRequest, (await Post("v1/projects/p1/topics/topic:publish", tooBig)).StatusCode);

        var atLimit = "{\"messages\":[" + string.Join(',', Enumerable.Repeat("{\"data\":\"eA==\"}", 1000)) + "]}";
        Assert.Equal(HttpStatusCode.OK, (await Post("v1/projects/p1/topics/topic:publish", atLimit)).StatusCode);
    }

    [Fact]
    public async Task Ack_requests_over_512_KiB_and_bad_deadlines_are_rejected()
    {
        var ids = string.Join(',', Enumerable.Range(0, 4000).Select(i => $"\"projects/p1/subscriptions/sub/{i}/1/{new string('x', 120)}\""));
        Assert.Equal(HttpStatusCode.BadRequest, (await Post("v1/projects/p1/subscriptions/sub:acknowledge", "{\"ackIds\":[" + ids + "]}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post("v1/projects/p1/subscriptions/sub:modifyAckDeadline", "{\"ackIds\":[\"projects/p1/subscriptions/sub/1/1/x\"],\"ackDeadlineSeconds\":601}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post("v1/projects/p1/subscriptions/sub:modifyAckDeadline", "{\"ackIds\":[\"projects/p1/subscriptions/sub/1/1/x\"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post("v1/projects/p1/subscriptions/sub:pull", "{\"maxMessages\":\"ten\"}")).StatusCode);
    }

    [Fact]
    public async Task Leases_expire_on_the_server_clock_and_dead_letter_policy_counts_attempts()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var server = await PubSubTestServer.StartAsync(time);
        server.CreateSubscription("p1", "dl-sub", "topic", ackDeadlineSeconds: 10, deadLetterTopic: "dead", maxDeliveryAttempts: 5);
        server.EmptyPullWait = TimeSpan.Zero;
        server.PublishRaw("p1", "topic", "eA==");
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var attempts = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var response = await (await http.PostAsync("v1/projects/p1/subscriptions/dl-sub:pull", Json("{\"maxMessages\":5}"))).Content.ReadAsStringAsync();
            attempts.Add(response);
            time.Advance(TimeSpan.FromSeconds(11));
        }

        Assert.Contains("\"deliveryAttempt\":1", attempts[0], StringComparison.Ordinal);
        Assert.Contains("\"deliveryAttempt\":5", attempts[4], StringComparison.Ordinal);
        Assert.Equal("{}", attempts[5]);
        Assert.Single(server.Published("p1", "dead"));
    }

    private Task<HttpResponseMessage> Post(string path, string body) => _http.PostAsync(path, Json(body));

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
