using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sources.X;

public sealed class XRuleSyncTests
{
    [Fact]
    public async Task Missing_rules_are_validated_with_a_dry_run_then_added_with_the_ownership_prefix()
    {
        await using var h = await XStreamHarness.CreateAsync();
        h.Start();
        await h.Events.NextAsync("connected");

        var rule = Assert.Single(h.Api.Rules);
        Assert.Equal("#london -is:retweet", rule.Value);
        Assert.Equal("tweetstream:london", rule.Tag);
        var writes = h.Api.RuleWrites.ToArray();
        Assert.Equal(2, writes.Length);
        Assert.StartsWith("?dry_run=true {\"add\":[{\"value\":\"#london -is:retweet\",\"tag\":\"tweetstream:london\"}]}", writes[0], StringComparison.Ordinal);
        Assert.StartsWith(" {\"add\":", writes[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rules_already_in_place_are_kept_without_any_write()
    {
        await using var h = await XStreamHarness.CreateAsync(arrange: api => api.AddRule("#london -is:retweet", "tweetstream:london"));
        var id = h.Api.Rules[0].Id;
        h.Start();
        await h.Events.NextAsync("connected");

        Assert.Empty(h.Api.RuleWrites);
        Assert.Equal(id, Assert.Single(h.Api.Rules).Id);
    }

    [Fact]
    public async Task Stale_owned_rules_are_deleted_and_foreign_rules_left_alone()
    {
        await using var h = await XStreamHarness.CreateAsync(arrange: api =>
        {
            api.AddRule("#london -is:retweet", "tweetstream:london");
            api.AddRule("#paris", "tweetstream:paris");
            api.AddRule("#berlin", "other-team");
            api.AddRule("#rome", null);
        });
        h.Start();
        await h.Events.NextAsync("connected");

        Assert.Equal(["#london -is:retweet", "#berlin", "#rome"], h.Api.Rules.Select(r => r.Value));
        var write = Assert.Single(h.Api.RuleWrites);
        Assert.Contains("\"delete\":{\"ids\":[", write, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Foreign_rules_are_deleted_too_when_the_app_is_dedicated()
    {
        await using var h = await XStreamHarness.CreateAsync(
            o => o.DeleteForeignRules = true,
            api =>
            {
                api.AddRule("#berlin", "other-team");
                api.AddRule("#rome", null);
            });
        h.Start();
        await h.Events.NextAsync("connected");

        Assert.Equal(["#london -is:retweet"], h.Api.Rules.Select(r => r.Value));
    }

    [Fact]
    public async Task A_changed_tag_replaces_the_rule()
    {
        await using var h = await XStreamHarness.CreateAsync(arrange: api => api.AddRule("#london -is:retweet", "tweetstream:ldn"));
        h.Start();
        await h.Events.NextAsync("connected");

        var rule = Assert.Single(h.Api.Rules);
        Assert.Equal("tweetstream:london", rule.Tag);
    }

    [Fact]
    public async Task Every_page_of_rules_is_read()
    {
        await using var h = await XStreamHarness.CreateAsync(arrange: api =>
        {
            api.RulesPageSize = 2;
            for (var i = 0; i < 5; i++)
            {
                api.AddRule("#stale" + i, "tweetstream:stale" + i);
            }
        });
        h.Start();
        await h.Events.NextAsync("connected");

        Assert.Equal(["#london -is:retweet"], h.Api.Rules.Select(r => r.Value));
        Assert.Equal(3, h.Api.Requests.Count(r => r.StartsWith("GET /2/tweets/search/stream/rules", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_rule_X_rejects_in_the_dry_run_fails_start_up_with_X_text_and_changes_nothing()
    {
        await using var h = await XStreamHarness.CreateAsync(
            o => o.Rules.Add(new() { Value = "#london bogus:op", Tag = "bad" }),
            api =>
            {
                api.InvalidRules["#london bogus:op"] = "Reference to invalid operator 'bogus'. Operator is not available in current product or product packaging.";
                api.AddRule("#paris", "tweetstream:paris");
            });
        h.Start();

        var ex = Assert.IsType<InvalidOperationException>(await h.FailureAsync());
        Assert.Contains("dry run", ex.Message, StringComparison.Ordinal);
        Assert.Contains("#london bogus:op", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Reference to invalid operator 'bogus'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(XApiDouble.Token, ex.Message, StringComparison.Ordinal);

        // Nothing changed: the stale rule is still there (validation runs before any delete), no stream was opened.
        Assert.Equal(["#paris"], h.Api.Rules.Select(r => r.Value));
        Assert.Single(h.Api.RuleWrites);
        Assert.Equal(0, h.Api.StreamRequests);
    }

    [Fact]
    public async Task Rule_sync_can_be_turned_off()
    {
        await using var h = await XStreamHarness.CreateAsync(o => o.SyncRules = false);
        h.Start();
        await h.Events.NextAsync("connected");

        Assert.Empty(h.Api.Rules);
        Assert.DoesNotContain(h.Api.Requests, r => r.Contains("/rules", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_transient_rules_API_failure_is_retried_with_the_HTTP_backoff_not_fatal()
    {
        await using var h = await XStreamHarness.CreateAsync(arrange: api =>
        {
            api.RulesLookupFaults.Enqueue((503, XLines.ServiceUnavailable));
            api.RulesLookupFaults.Enqueue((429, XLines.RateLimited));
        });
        h.Start();

        var first = await h.Events.NextAsync("backoff");
        Assert.Equal((TweetStream.Sources.X.XFailureClass.Http, TimeSpan.FromSeconds(5)), (first.Failure!.Value, first.Delay!.Value));
        h.Time.Advance(first.Delay.Value);
        var second = await h.Events.NextAsync("backoff");
        Assert.Equal((TweetStream.Sources.X.XFailureClass.RateLimit, TimeSpan.FromSeconds(60)), (second.Failure!.Value, second.Delay!.Value));
        h.Time.Advance(second.Delay.Value);

        await h.Events.NextAsync("connected");
        Assert.Single(h.Api.Rules);
    }
}
