using System.Text;
using TweetStream.Sources.X;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sources.X;

public sealed class XFilteredStreamSourceTests
{
    [Fact]
    public async Task Connects_with_the_fields_and_expansions_that_carry_the_author_handle()
    {
        await using var h = await XStreamHarness.CreateAsync(o => o.BackfillMinutes = 2);
        h.Start();
        var stream = await h.Api.NextStreamAsync();

        Assert.Equal("?expansions=author_id&tweet.fields=created_at%2Clang%2Centities%2Cauthor_id&user.fields=username&backfill_minutes=2", stream.Query);
    }

    [Fact]
    public async Task A_post_line_becomes_a_post_with_its_author_and_unprefixed_rule_tags()
    {
        await using var h = await XStreamHarness.CreateAsync();
        h.Start();
        var stream = await h.Api.NextStreamAsync();
        await stream.SendLineAsync(XLines.Post(1860000000000000001));

        var item = await h.NextItemAsync();
        Assert.Null(item.Error);
        var post = item.Post!;
        Assert.Equal("x:1860000000000000001", post.Id);
        Assert.Equal("jowalker_ldn", post.Author.Handle);
        Assert.Equal("2244994945", post.Author.Id);
        Assert.Equal(["london"], post.MatchedRules);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 9, 15, 2, TimeSpan.Zero), post.CreatedAt);
        Assert.Equal(h.Time.GetUtcNow(), post.ReceivedAt);
        Assert.Equal("en", post.Language);
        Assert.Equal(["london"], post.Hashtags);
    }

    [Fact]
    public async Task The_source_is_a_push_source()
    {
        await using var h = await XStreamHarness.CreateAsync();
        var source = new XFilteredStreamSource(h.Options, new HttpClient(), h.Time);
        Assert.Equal(SourceDelivery.Push, ((ITweetSource)source).Delivery);
        Assert.Equal("x", source.Name);
    }

    [Fact]
    public async Task Delete_events_become_tombstones()
    {
        await using var h = await XStreamHarness.CreateAsync();
        h.Start();
        var stream = await h.Api.NextStreamAsync();
        await stream.SendLineAsync("""{"data":{"delete":{"tweet":{"id":"1860000000000000004","author_id":"2244994945"},"event_at":"2026-11-20T10:00:00.000Z"}}}""");

        var post = (await h.NextItemAsync()).Post!;
        Assert.True(post.IsTombstone);
        Assert.Equal("x:1860000000000000004", post.Id);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero), post.DeletedAt);
    }

    [Fact]
    public async Task Malformed_lines_become_malformed_items_and_the_stream_goes_on()
    {
        await using var h = await XStreamHarness.CreateAsync();
        h.Start();
        var stream = await h.Api.NextStreamAsync();
        await stream.SendLineAsync("{not json");
        await stream.SendLineAsync("""{"data":{"id":"5","text":"t","author_id":"77"}}""");
        await stream.SendLineAsync(XLines.Post(6));

        var bad = await h.NextItemAsync();
        Assert.Equal(XStreamReasons.MalformedJson, bad.Error);
        Assert.Equal("{not json", Encoding.UTF8.GetString(bad.RawPayload.Span));
        Assert.Equal(XStreamReasons.UnknownAuthor, (await h.NextItemAsync()).Error);
        Assert.Equal("x:6", (await h.NextItemAsync()).Post!.Id);
        Assert.Equal(1, h.Api.StreamRequests);
    }

    [Fact]
    public async Task A_line_over_1_MiB_is_malformed_and_the_next_line_is_read()
    {
        await using var h = await XStreamHarness.CreateAsync();
        h.Start();
        var stream = await h.Api.NextStreamAsync();
        await stream.SendLineAsync("{\"data\":{\"id\":\"1\",\"text\":\"" + new string('a', 1024 * 1024) + "\"}}");
        await stream.SendLineAsync(XLines.Post(2));

        var bad = await h.NextItemAsync();
        Assert.Equal(XStreamReasons.LineTooLong, bad.Error);
        Assert.True(bad.RawPayload.Length <= 4096);
        Assert.Equal("x:2", (await h.NextItemAsync()).Post!.Id);
    }

    [Fact]
    public async Task Keep_alives_count_as_life_and_silence_past_the_stall_timeout_reconnects()
    {
        await using var h = await XStreamHarness.CreateAsync();
        h.Start();
        var stream = await h.Api.NextStreamAsync();
        await stream.SendLineAsync(XLines.Post(1));
        await h.NextItemAsync();

        // 15 s, keep-alive, 15 s: 30 s in all but never 21 s of silence.
        h.Time.Advance(TimeSpan.FromSeconds(15));
        await stream.SendKeepAliveAsync();
        await h.Events.NextAsync("keep-alive");
        h.Time.Advance(TimeSpan.FromSeconds(15));

        // The watchdog runs inside Advance, so its verdict is known when Advance returns.
        Assert.DoesNotContain(h.Events.All, e => e.Kind is "stall" or "disconnected");

        // 21 s since the keep-alive: stalled.
        h.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.Contains(h.Events.All, e => e.Kind == "stall");
        var dropped = await h.Events.NextAsync("disconnected");
        Assert.True(dropped.Stalled);
        Assert.Contains("stalled", dropped.Reason, StringComparison.Ordinal);

        // The connection carried data, so the first reconnect is immediate.
        var backoff = await h.Events.NextAsync("backoff");
        Assert.Equal(TimeSpan.Zero, backoff.Delay);
        await h.Api.NextStreamAsync();
        Assert.Equal(2, h.Api.StreamRequests);
    }

    [Fact]
    public async Task Stall_timeout_is_configurable()
    {
        await using var h = await XStreamHarness.CreateAsync(o => o.StallTimeout = TimeSpan.FromSeconds(90));
        h.Start();
        var stream = await h.Api.NextStreamAsync();
        await stream.SendKeepAliveAsync();
        await h.Events.NextAsync("keep-alive");
        h.Time.Advance(TimeSpan.FromSeconds(89));
        Assert.DoesNotContain(h.Events.All, e => e.Kind is "stall" or "disconnected");
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains(h.Events.All, e => e.Kind == "stall");
        Assert.True((await h.Events.NextAsync("disconnected")).Stalled);
    }

    [Fact]
    public async Task Network_errors_back_off_0_then_250ms_steps()
    {
        await using var h = await XStreamHarness.CreateAsync(arrange: api =>
        {
            for (var i = 0; i < 4; i++)
            {
                api.EnqueueReset();
            }
        });
        h.Start();
        for (var i = 0; i < 4; i++)
        {
            var backoff = await h.Events.NextAsync("backoff");
            Assert.Equal(XFailureClass.Network, backoff.Failure);
            h.Time.Advance(backoff.Delay!.Value);
        }

        await h.Api.NextStreamAsync();
        Assert.Equal([0, 250, 500, 750], h.Events.Delays.Select(d => d.TotalMilliseconds));
        Assert.Equal(5, h.Api.StreamRequests);
    }

    [Fact]
    public async Task Http_errors_back_off_5s_10s_20s()
    {
        await using var h = await XStreamHarness.CreateAsync(arrange: api =>
        {
            for (var i = 0; i < 3; i++)
            {
                api.EnqueueStatus(503, XLines.ServiceUnavailable);
            }
        });
        h.Start();
        for (var i = 0; i < 3; i++)
        {
            var backoff = await h.Events.NextAsync("backoff");
            Assert.Equal(XFailureClass.Http, backoff.Failure);
            Assert.Contains("503", backoff.Reason, StringComparison.Ordinal);

            // One tick short of the delay nothing happens; the reconnect waits for the full delay.
            h.Time.Advance(backoff.Delay!.Value - TimeSpan.FromMilliseconds(1));
            Assert.Equal(i + 1, h.Api.StreamRequests);
            h.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        await h.Api.NextStreamAsync();
        Assert.Equal([5, 10, 20], h.Events.Delays.Select(d => d.TotalSeconds));
    }

    [Fact]
    public async Task Rate_limits_back_off_60s_then_120s()
    {
        await using var h = await XStreamHarness.CreateAsync(arrange: api =>
        {
            api.EnqueueStatus(429, XLines.RateLimited);
            api.EnqueueStatus(429, XLines.RateLimited);
        });
        h.Start();
        for (var i = 0; i < 2; i++)
        {
            var backoff = await h.Events.NextAsync("backoff");
            Assert.Equal(XFailureClass.RateLimit, backoff.Failure);
            h.Time.Advance(backoff.Delay!.Value);
        }

        await h.Api.NextStreamAsync();
        Assert.Equal([60, 120], h.Events.Delays.Select(d => d.TotalSeconds));
        Assert.Equal(0, h.Api.ConnectionDeletes);
    }

    [Fact]
    public async Task Too_many_connections_waits_out_the_429_penalty_by_default()
    {
        await using var h = await XStreamHarness.CreateAsync(arrange: api => api.EnqueueStatus(429, XLines.TooManyConnections));
        h.Start();
        var backoff = await h.Events.NextAsync("backoff");
        Assert.Equal(TimeSpan.FromSeconds(60), backoff.Delay);
        Assert.Contains("TooManyConnections", backoff.Reason, StringComparison.Ordinal);
        h.Time.Advance(backoff.Delay!.Value);
        await h.Api.NextStreamAsync();
        Assert.Equal(0, h.Api.ConnectionDeletes);
    }

    [Fact]
    public async Task Too_many_connections_clears_stale_connections_once_when_enabled()
    {
        await using var h = await XStreamHarness.CreateAsync(
            o => o.ClearStaleConnections = true,
            api =>
            {
                api.EnqueueStatus(429, XLines.TooManyConnections);
                api.EnqueueStatus(429, XLines.TooManyConnections);
            });
        h.Start();

        // First 429: DELETE /2/connections/all and reconnect at once; the second 429 is waited out, not cleared again.
        var backoff = await h.Events.NextAsync("backoff");
        Assert.Equal(1, h.Api.ConnectionDeletes);
        Assert.Equal(TimeSpan.FromSeconds(60), backoff.Delay);
        Assert.Equal(2, h.Api.StreamRequests);
        h.Time.Advance(backoff.Delay!.Value);
        await h.Api.NextStreamAsync();
        Assert.Equal(1, h.Api.ConnectionDeletes);
    }

    [Fact]
    public async Task Operational_disconnect_drops_the_connection_and_reconnects_at_once()
    {
        await using var h = await XStreamHarness.CreateAsync();
        h.Start();
        var first = await h.Api.NextStreamAsync();
        await first.SendLineAsync(XLines.Post(1));
        await first.SendLineAsync(XLines.OperationalDisconnect);

        Assert.Equal("x:1", (await h.NextItemAsync()).Post!.Id);
        var dropped = await h.Events.NextAsync("disconnected");
        Assert.Contains("UpstreamOperationalDisconnect", dropped.Reason, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.Zero, (await h.Events.NextAsync("backoff")).Delay);

        var second = await h.Api.NextStreamAsync();
        await second.SendLineAsync(XLines.Post(2));
        Assert.Equal("x:2", (await h.NextItemAsync()).Post!.Id);
    }

    [Fact]
    public async Task A_connection_reset_mid_line_dead_letters_the_fragment_and_reconnects()
    {
        await using var h = await XStreamHarness.CreateAsync();
        h.Start();
        var first = await h.Api.NextStreamAsync();
        await first.SendLineAsync(XLines.Post(1));
        var fragment = XLines.Post(2)[..60];
        await first.SendRawAsync(Encoding.UTF8.GetBytes(fragment));
        Assert.Equal("x:1", (await h.NextItemAsync()).Post!.Id);
        first.Abort();

        var truncated = await h.NextItemAsync();
        Assert.StartsWith("truncated line", truncated.Error, StringComparison.Ordinal);
        Assert.Equal(fragment, Encoding.UTF8.GetString(truncated.RawPayload.Span));
        Assert.Contains("connection lost", (await h.Events.NextAsync("disconnected")).Reason, StringComparison.Ordinal);

        var second = await h.Api.NextStreamAsync();
        await second.SendLineAsync(XLines.Post(2));
        Assert.Equal("x:2", (await h.NextItemAsync()).Post!.Id);
    }

    [Fact]
    public async Task A_truncated_final_line_is_malformed_when_the_stream_ends()
    {
        await using var h = await XStreamHarness.CreateAsync();
        h.Start();
        var stream = await h.Api.NextStreamAsync();
        await stream.SendRawAsync(Encoding.UTF8.GetBytes("{\"data\":{\"id\":\"9\",\"te"));
        stream.End();

        var item = await h.NextItemAsync();
        Assert.StartsWith("truncated line", item.Error, StringComparison.Ordinal);
        Assert.Equal("stream ended mid-line", (await h.Events.NextAsync("disconnected")).Reason);
    }

    [Fact]
    public async Task A_complete_object_missing_only_its_crlf_at_the_end_is_still_a_post()
    {
        await using var h = await XStreamHarness.CreateAsync();
        h.Start();
        var stream = await h.Api.NextStreamAsync();
        await stream.SendRawAsync(Encoding.UTF8.GetBytes(XLines.Post(9)));
        stream.End();

        Assert.Equal("x:9", (await h.NextItemAsync()).Post!.Id);
    }

    [Fact]
    public async Task Duplicates_replayed_after_a_reconnect_are_dropped()
    {
        await using var h = await XStreamHarness.CreateAsync(o => o.BackfillMinutes = 1);
        h.Start();
        var first = await h.Api.NextStreamAsync();
        await first.SendLineAsync(XLines.Post(1));
        await first.SendLineAsync(XLines.Post(2));
        Assert.Equal("x:1", (await h.NextItemAsync()).Post!.Id);
        Assert.Equal("x:2", (await h.NextItemAsync()).Post!.Id);
        first.Abort();

        var second = await h.Api.NextStreamAsync();
        Assert.Contains("backfill_minutes=1", second.Query, StringComparison.Ordinal);
        await second.SendLineAsync(XLines.Post(1));
        await second.SendLineAsync(XLines.Post(2));
        await second.SendLineAsync(XLines.Post(3));

        Assert.Equal("x:3", (await h.NextItemAsync()).Post!.Id);
        Assert.Equal(["x:1", "x:2"], h.Events.All.Where(e => e.Kind == "duplicate").Select(e => e.Reason));
    }

    [Fact]
    public async Task A_rejected_token_fails_fast_after_exactly_one_request()
    {
        await using var h = await XStreamHarness.CreateAsync(o => o.BearerToken = "wrong-token");
        h.Start();

        var ex = Assert.IsType<InvalidOperationException>(await h.FailureAsync());
        Assert.Contains("401", ex.Message, StringComparison.Ordinal);
        Assert.Contains("BearerToken", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token", ex.Message, StringComparison.Ordinal);
        Assert.Single(h.Api.Requests);
        Assert.DoesNotContain(h.Events.All, e => e.Kind == "backoff");
    }

    [Fact]
    public async Task A_forbidden_stream_fails_fast_without_retrying()
    {
        await using var h = await XStreamHarness.CreateAsync(arrange: api =>
            api.EnqueueStatus(403, """{"title":"Client Forbidden","type":"https://api.x.com/2/problems/client-forbidden","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project.","reason":"client-not-enrolled"}"""));
        h.Start();

        var ex = Assert.IsType<InvalidOperationException>(await h.FailureAsync());
        Assert.Contains("403", ex.Message, StringComparison.Ordinal);
        Assert.Contains("attached to a Project", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, h.Api.StreamRequests);
        Assert.DoesNotContain(h.Events.All, e => e.Kind == "backoff");
    }

    [Fact]
    public async Task Fields_X_does_not_know_are_a_configuration_error_not_a_retry_loop()
    {
        await using var h = await XStreamHarness.CreateAsync(o => o.UserFields = "username,shoe_size");
        h.Start();

        var ex = Assert.IsType<InvalidOperationException>(await h.FailureAsync());
        Assert.Contains("user.fields", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, h.Api.StreamRequests);
    }

    [Fact]
    public async Task In_stream_errors_that_are_not_disconnects_keep_the_connection()
    {
        await using var h = await XStreamHarness.CreateAsync();
        h.Start();
        var stream = await h.Api.NextStreamAsync();
        await stream.SendLineAsync("""{"errors":[{"title":"Not Found Error","type":"https://api.x.com/2/problems/resource-not-found","detail":"Could not find user."}]}""");
        await stream.SendLineAsync(XLines.Post(4));

        Assert.Equal("x:4", (await h.NextItemAsync()).Post!.Id);
        Assert.DoesNotContain(h.Events.All, e => e.Kind == "disconnected");
    }

    [Fact]
    public async Task A_clean_end_of_stream_reconnects_at_once_when_the_connection_had_data()
    {
        await using var h = await XStreamHarness.CreateAsync();
        h.Start();
        var first = await h.Api.NextStreamAsync();
        await first.SendKeepAliveAsync();
        await h.Events.NextAsync("keep-alive");
        first.End();

        Assert.Equal("stream ended", (await h.Events.NextAsync("disconnected")).Reason);
        Assert.Equal(TimeSpan.Zero, (await h.Events.NextAsync("backoff")).Delay);
        await h.Api.NextStreamAsync();
    }

    [Theory]
    [InlineData("tweets")]
    [InlineData("posts")]
    public async Task Referenced_posts_in_includes_tweets_or_includes_posts_do_not_disturb_the_author_join(string key)
    {
        await using var h = await XStreamHarness.CreateAsync();
        h.Start();
        var stream = await h.Api.NextStreamAsync();
        await stream.SendLineAsync($$"""{"data":{"id":"70","text":"RT worth it #london","author_id":"1","referenced_tweets":[{"type":"quoted","id":"69"}]},"includes":{"{{key}}":[{"id":"69","text":"original","author_id":"2"}],"users":[{"id":"2","username":"quoted_author"},{"id":"1","username":"quoting_author"}]},"matching_rules":[{"id":"5","tag":"tweetstream:london"},{"id":"6","tag":""}]}""");

        var post = (await h.NextItemAsync()).Post!;
        Assert.Equal("x:70", post.Id);
        Assert.Equal("quoting_author", post.Author.Handle);
        Assert.Equal(["london", "6"], post.MatchedRules);
    }

    [Fact]
    public void The_user_agent_is_versioned() =>
        Assert.Matches("^TweetStream/[0-9]+\\.[0-9]+\\.[0-9]+", TweetStream.Sources.X.XApiClient.UserAgentValue);
}
