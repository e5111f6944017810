using System.Net;
using System.Security.Cryptography;
using System.Text;
using TweetStream.Function.Tests.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Function.Tests;

public sealed class PushEndpointTests : IAsyncLifetime
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
    public async Task Wrapped_push_with_a_valid_token_is_written_then_acknowledged()
    {
        var response = await _host.PushAsync(PushBodies.Wrapped(PushBodies.Post(1)), _host.Token());

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var stored = Assert.Single(await _host.StoredAsync());
        Assert.Equal("x:1", stored.Id);
        Assert.Equal("post 1 #london", stored.Text);
        Assert.Equal("x:1", Assert.Single(_host.Sink.Committed).Id);
        Assert.Empty(_host.DeadLetters.Items);
    }

    [Fact]
    public async Task The_push_path_accepts_the_same_bodies()
    {
        var response = await _host.PushAsync(PushBodies.Wrapped(PushBodies.Post(2)), _host.Token(), "/push");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(1, await _host.StoredCountAsync());
    }

    [Fact]
    public async Task CloudEvent_in_binary_mode_is_written()
    {
        var response = await _host.PostAsync(PushBodies.Binary(PushBodies.Message(PushBodies.Data(PushBodies.Post(3)))), _host.Token());

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("x:3", Assert.Single(await _host.StoredAsync()).Id);
        Assert.Empty(_host.DeadLetters.Items);
    }

    [Fact]
    public async Task CloudEvent_in_structured_mode_is_written()
    {
        var body = PushBodies.Structured(PushBodies.Message(PushBodies.Data(PushBodies.Post(4))));
        var content = new StringContent(body, Encoding.UTF8, "application/cloudevents+json");

        var response = await _host.PostAsync(content, _host.Token());

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("x:4", Assert.Single(await _host.StoredAsync()).Id);
        Assert.Empty(_host.DeadLetters.Items);
    }

    [Fact]
    public async Task Duplicate_delivery_of_one_message_leaves_one_row()
    {
        var body = PushBodies.Wrapped(PushBodies.Post(5));

        var first = await _host.PushAsync(body, _host.Token());
        var second = await _host.PushAsync(body, _host.Token());

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);
        Assert.Equal(2, _host.Sink.Committed.Count);
        Assert.Equal(1, await _host.StoredCountAsync());
    }

    [Fact]
    public async Task A_raw_handle_on_the_topic_is_hashed_before_any_sink()
    {
        var response = await _host.PushAsync(PushBodies.Wrapped(PushBodies.Post(6, hashed: false)), _host.Token());

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var stored = Assert.Single(await _host.StoredAsync());
        Assert.True(stored.Author.IsHashed);
        Assert.DoesNotContain("raw_handle_6", stored.Author.Handle, StringComparison.Ordinal);
        Assert.Null(stored.Author.DisplayName);
        Assert.DoesNotContain("raw_handle_6", Assert.Single(_host.Sink.Committed).Author.Handle, StringComparison.Ordinal);
    }

    public static TheoryData<string, HttpStatusCode> RejectedTokens => new()
    {
        { "wrong audience", HttpStatusCode.Unauthorized },
        { "wrong issuer", HttpStatusCode.Unauthorized },
        { "expired", HttpStatusCode.Unauthorized },
        { "bad signature", HttpStatusCode.Unauthorized },
        { "garbage", HttpStatusCode.Unauthorized },
        { "missing", HttpStatusCode.Unauthorized },
        { "wrong email", HttpStatusCode.Forbidden },
        { "email not verified", HttpStatusCode.Forbidden },
    };

    [Theory]
    [MemberData(nameof(RejectedTokens))]
    public async Task Rejected_tokens_write_nothing(string kind, HttpStatusCode expected)
    {
        using var stranger = RSA.Create(2048);
        var token = kind switch
        {
            "wrong audience" => _host.Token(c => c["aud"] = "https://someone-else.example.test/push"),
            "wrong issuer" => _host.Token(c => c["iss"] = "https://issuer.example.test"),
            "expired" => _host.Token(c =>
            {
                var now = _host.Time.GetUtcNow();
                c["iat"] = now.AddHours(-2).ToUnixTimeSeconds();
                c["exp"] = now.AddMinutes(-5).ToUnixTimeSeconds();
            }),
            "bad signature" => _host.Token(key: stranger),
            "garbage" => "not.a.jwt",
            "missing" => null,
            "wrong email" => _host.Token(c => c["email"] = "someone@example-project.iam.gserviceaccount.com"),
            "email not verified" => _host.Token(c => c["email_verified"] = false),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var response = await _host.PushAsync(PushBodies.Wrapped(PushBodies.Post(7)), token);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(0, _host.Statistics.Received);
        Assert.Empty(_host.Sink.Committed);
        Assert.Equal(0, await _host.StoredCountAsync());
        Assert.Empty(_host.DeadLetters.Items);
    }

    [Fact]
    public async Task Accepted_issuer_may_omit_the_scheme()
    {
        var response = await _host.PushAsync(PushBodies.Wrapped(PushBodies.Post(8)), _host.Token(c => c["iss"] = "accounts.google.com"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task A_token_is_judged_on_the_host_clock()
    {
        var token = _host.Token();
        _host.Time.Advance(TimeSpan.FromHours(2));

        var response = await _host.PushAsync(PushBodies.Wrapped(PushBodies.Post(9)), token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "not json", "body is not a Pub/Sub push message" },
        { "no message", "push body has no message" },
        { "no data", "message has no data" },
        { "invalid base64", "message data is not base64" },
        { "not a post", "message data is not a TweetStream post" },
        { "post without id", "message data is not a TweetStream post" },
        { "binary CloudEvent of another type", "CloudEvent type is not google.cloud.pubsub.topic.v1.messagePublished" },
        { "structured CloudEvent of another type", "CloudEvent type is not google.cloud.pubsub.topic.v1.messagePublished" },
        { "broken structured CloudEvent", "invalid structured CloudEvent" },
        { "binary CloudEvent without id", "invalid CloudEvents headers" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Undecodable_messages_are_dead_lettered_and_acknowledged(string kind, string reason)
    {
        HttpContent content = kind switch
        {
            "not json" => Json("{\"message\": nope"),
            "no message" => Json("{\"subscription\":\"" + PushBodies.Subscription + "\"}"),
            "no data" => Json(PushBodies.Message(null)),
            "invalid base64" => Json(PushBodies.Message("%%%not-base64%%%")),
            "not a post" => Json(PushBodies.Message(Convert.ToBase64String("hello, world"u8.ToArray()))),
            "post without id" => Json(PushBodies.Message(Convert.ToBase64String("{\"source\":\"x\",\"created_at\":\"2026-11-26T10:00:00.000Z\"}"u8.ToArray()))),
            "binary CloudEvent of another type" => PushBodies.Binary(PushBodies.Message(PushBodies.Data(PushBodies.Post(10))), "google.cloud.storage.object.v1.finalized"),
            "structured CloudEvent of another type" => new StringContent(
                PushBodies.Structured(PushBodies.Message(PushBodies.Data(PushBodies.Post(10))), "com.example.other"), Encoding.UTF8, "application/cloudevents+json"),
            "binary CloudEvent without id" => PushBodies.Binary(PushBodies.Message(PushBodies.Data(PushBodies.Post(10))), withId: false),
            "broken structured CloudEvent" => new StringContent("{\"specversion\":\"1.0\",\"data\":", Encoding.UTF8, "application/cloudevents+json"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var response = await _host.PostAsync(content, _host.Token());

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var deadLetter = Assert.Single(_host.DeadLetters.Items);
        Assert.Equal(reason, deadLetter.Reason);
        Assert.Equal("source:pubsub-push", deadLetter.Stage);
        Assert.Equal(DeadLetterPayloadKind.Raw, deadLetter.PayloadKind);
        Assert.False(deadLetter.Payload.IsEmpty);
        Assert.Empty(_host.Sink.Committed);
        Assert.Equal(0, await _host.StoredCountAsync());
    }

    [Fact]
    public async Task A_sink_outage_answers_503_without_acknowledging_and_the_redelivery_succeeds()
    {
        var outage = true;
        var firstCall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _host.Sink.OnWrite = (batch, call, ct) =>
        {
            firstCall.TrySetResult();
            return Volatile.Read(ref outage) ? throw new HttpRequestException("sink unavailable") : ValueTask.CompletedTask;
        };
        var body = PushBodies.Wrapped(PushBodies.Post(11));

        var pending = _host.PushAsync(body, _host.Token());
        await firstCall.Task.WithinSafetyNet("the first sink call");
        var response = await _host.AdvanceUntilAsync(pending, TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(0, _host.Statistics.Written);
        Assert.Equal(0, _host.Statistics.DeadLettered);
        Assert.Empty(_host.Sink.Committed);
        Assert.Empty(_host.DeadLetters.Items);

        Volatile.Write(ref outage, false);
        var redelivery = await _host.PushAsync(body, _host.Token());

        Assert.Equal(HttpStatusCode.NoContent, redelivery.StatusCode);
        Assert.Equal(1, await _host.StoredCountAsync());
        Assert.Equal("x:11", Assert.Single(_host.Sink.Committed).Id);
        Assert.Empty(_host.DeadLetters.Items);
    }

    [Fact]
    public async Task An_outage_past_the_retry_budget_answers_503_dead_letters_nothing_and_the_redelivery_commits()
    {
        await using var host = await FunctionHost.StartAsync(_keys, new Dictionary<string, string?>
        {
            ["TweetStream:Pipeline:MaxAttempts"] = "2",
            ["TweetStream:Pipeline:RetryBaseDelay"] = "00:00:00.100",
            ["TweetStream:Pipeline:RetryMaxDelay"] = "00:00:00.200",
            ["TweetStream:Pipeline:CircuitBreakDuration"] = "00:00:05",
        });
        var outage = true;
        host.Sink.OnWrite = (batch, call, ct) => Volatile.Read(ref outage) ? throw new HttpRequestException("sink unavailable") : ValueTask.CompletedTask;
        var body = PushBodies.Wrapped(PushBodies.Post(12));

        var first = await host.AdvanceUntilAsync(host.PushAsync(body, host.Token()), TimeSpan.FromMilliseconds(250));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode); // a nack: Pub/Sub keeps the message
        Assert.Empty(host.DeadLetters.Items);
        Assert.Empty(host.Sink.Committed);

        Volatile.Write(ref outage, false);
        var redelivery = await host.AdvanceUntilAsync(host.PushAsync(body, host.Token()), TimeSpan.FromMilliseconds(250));

        Assert.Equal(HttpStatusCode.NoContent, redelivery.StatusCode);
        Assert.Empty(host.DeadLetters.Items);
        Assert.All(host.Sink.Committed, p => Assert.Equal("x:12", p.Id)); // the held copy and the redelivery: one row
        Assert.Equal(1, await host.StoredCountAsync());
    }

    [Fact]
    public async Task A_permanent_sink_failure_is_dead_lettered_and_acknowledged()
    {
        _host.Sink.OnWrite = (batch, call, ct) =>
        {
            batch.MarkFailed(0, "rejected: invalid row");
            return ValueTask.CompletedTask;
        };

        var response = await _host.PushAsync(PushBodies.Wrapped(PushBodies.Post(13)), _host.Token());

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var deadLetter = Assert.Single(_host.DeadLetters.Items);
        Assert.Equal("rejected: invalid row", deadLetter.Reason);
        Assert.Equal("x:13", deadLetter.PostId);
        Assert.Equal(1, _host.Sink.Calls);
    }

    [Fact]
    public async Task Health_answers_without_a_token()
    {
        var response = await _host.Client.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_full_queue_answers_429_and_what_was_accepted_is_written()
    {
        await using var host = await FunctionHost.StartAsync(_keys, new Dictionary<string, string?>
        {
            ["TweetStream:Push:MaxPendingMessages"] = "1",
            ["TweetStream:Pipeline:BufferCapacity"] = "1",
            ["TweetStream:Pipeline:BatchSize"] = "1",
            ["TweetStream:Pipeline:MaxParallelBatches"] = "1",
        });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Sink.OnWrite = async (batch, call, ct) => await gate.Task.WaitAsync(ct);

        var requests = Enumerable.Range(100, 10).Select(n => host.PushAsync(PushBodies.Wrapped(PushBodies.Post(n), n.ToString(System.Globalization.CultureInfo.InvariantCulture)), host.Token())).ToList();
        var refused = 0;
        var waiting = requests.ToList();
        while (refused == 0)
        {
            var done = await Task.WhenAny(waiting).WithinSafetyNet("a refused push");
            waiting.Remove(done);
            Assert.Equal(HttpStatusCode.TooManyRequests, (await done).StatusCode);
            refused++;
        }

        gate.SetResult();
        var responses = await Task.WhenAll(requests).WithinSafetyNet("every push answered");

        var accepted = responses.Count(r => r.StatusCode == HttpStatusCode.NoContent);
        Assert.Equal(10, accepted + responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.InRange(accepted, 1, 9);
        Assert.Equal(accepted, await host.StoredCountAsync());
        Assert.Equal(accepted, host.Sink.Committed.Count);
    }

    [Fact]
    public async Task Verification_is_off_only_when_configured_so()
    {
        await using var host = await FunctionHost.StartAsync(_keys, new Dictionary<string, string?> { ["TweetStream:Push:VerifyToken"] = "false" });

        var response = await host.PushAsync(PushBodies.Wrapped(PushBodies.Post(15)), token: null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(1, await host.StoredCountAsync());
    }

    [Theory]
    [InlineData("TweetStream:Push:Audience", "Audience")]
    [InlineData("TweetStream:Push:ServiceAccountEmail", "ServiceAccountEmail")]
    public async Task Verification_without_audience_or_email_refuses_to_start(string key, string named)
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => FunctionHost.StartAsync(_keys, new Dictionary<string, string?> { [key] = "" }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
