using System.Net;
using System.Text.Json;
using TweetStream.Dashboard.Tests.Support;

namespace TweetStream.Dashboard.Tests;

public sealed class ApiTests
{
    [Fact]
    public async Task Date_filter_passes_exactly_the_requested_utc_range_and_page_to_the_store()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = await host.LoggedInClientAsync();

        using var response = await client.GetAsync("api/posts?from=2026-11-25T08:30:00%2B02:00&to=2026-11-26T06:00:00.250Z&page=3&pageSize=20");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var query = Assert.Single(host.Store.Queries);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 6, 30, 0, TimeSpan.Zero), query.From);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 6, 0, 0, 250, TimeSpan.Zero), query.To);
        Assert.Equal(TimeSpan.Zero, query.From.Offset);
        Assert.Equal(3, query.Page);
        Assert.Equal(20, query.PageSize);
    }

    [Fact]
    public async Task Without_a_range_the_last_24_hours_are_queried()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = await host.LoggedInClientAsync();

        using var response = await client.GetAsync("api/posts");
        using var stats = await client.GetAsync("api/stats");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var query = Assert.Single(host.Store.Queries);
        Assert.Equal(host.Time.GetUtcNow() - TimeSpan.FromHours(24), query.From);
        Assert.Equal(host.Time.GetUtcNow(), query.To);
        Assert.Equal((1, 50), (query.Page, query.PageSize));
        Assert.Equal((query.From, query.To), Assert.Single(host.Store.StatisticsQueries));
    }

    [Theory]
    [InlineData("api/posts?from=2026-11-26T10:00:00Z&to=2026-11-26T09:00:00Z", "from must be earlier than to")]
    [InlineData("api/posts?from=2026-11-26T10:00:00Z&to=2026-11-26T10:00:00Z", "from must be earlier than to")]
    [InlineData("api/posts?from=2026-10-01T00:00:00Z&to=2026-11-26T00:00:00Z", "longer than the 31 days")]
    [InlineData("api/posts?from=yesterday&to=2026-11-26T00:00:00Z", "from is not an ISO 8601")]
    [InlineData("api/posts?from=2026-11-25T00:00:00Z&to=26/11/2026", "to is not an ISO 8601")]
    [InlineData("api/posts?page=0", "page must be")]
    [InlineData("api/posts?page=-1", "page must be")]
    [InlineData("api/posts?page=two", "page must be")]
    [InlineData("api/posts?pageSize=201", "pageSize must be")]
    [InlineData("api/posts?pageSize=0", "pageSize must be")]
    [InlineData("api/posts?page=2147483647&pageSize=200", "beyond the last possible page")]
    [InlineData("api/stats?from=2026-11-26T10:00:00Z&to=2026-11-25T10:00:00Z", "from must be earlier than to")]
    [InlineData("api/stats?from=2025-11-26T10:00:00Z&to=2026-11-25T10:00:00Z", "longer than the 31 days")]
    [InlineData("api/stats?to=not-a-date", "to is not an ISO 8601")]
    public async Task Bad_parameters_get_400_problem_details_and_never_reach_the_store(string path, string message)
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = await host.LoggedInClientAsync();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains(message, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(host.Store.Queries);
        Assert.Empty(host.Store.StatisticsQueries);
        SecurityAssert.HasSecurityHeaders(response);
    }

    [Fact]
    public async Task Range_and_page_size_limits_follow_the_options()
    {
        await using var host = await DashboardHost.StartAsync(o =>
        {
            o.MaxRange = TimeSpan.FromDays(2);
            o.MaxPageSize = 10;
            o.DefaultPageSize = 5;
        });
        using var client = await host.LoggedInClientAsync();

        using var tooLong = await client.GetAsync("api/posts?from=2026-11-23T00:00:00Z&to=2026-11-26T00:00:00Z");
        using var tooBig = await client.GetAsync("api/posts?pageSize=11");
        using var fine = await client.GetAsync("api/posts?from=2026-11-24T00:00:00Z&to=2026-11-26T00:00:00Z&pageSize=10");
        using var defaults = await client.GetAsync("api/posts");

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
        Assert.Equal([10, 5], host.Store.Queries.Select(q => q.PageSize));
    }

    [Fact]
    public async Task Posts_come_back_newest_first_with_the_documented_shape()
    {
        await using var host = await DashboardHost.StartAsync();
        host.Store.Add(
            FakePostStore.Make("x:1", DashboardHost.Now.AddHours(-3), "first", piiTypes: "EMAIL"),
            FakePostStore.Make("x:2", DashboardHost.Now.AddHours(-2), "second"),
            FakePostStore.Make("x:3", DashboardHost.Now.AddHours(-30), "outside the range"));
        using var client = await host.LoggedInClientAsync();

        using var doc = JsonDocument.Parse(await client.GetStringAsync("api/posts?pageSize=1&page=2"));

        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("total").GetInt64());
        Assert.Equal(2, root.GetProperty("page").GetInt32());
        Assert.Equal(1, root.GetProperty("pageSize").GetInt32());
        var item = Assert.Single(root.GetProperty("items").EnumerateArray());
        Assert.Equal("x:1", item.GetProperty("id").GetString());
        Assert.Equal(DashboardHost.Now.AddHours(-3), item.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal("x", item.GetProperty("source").GetString());
        Assert.Equal("k1:abc123", item.GetProperty("author").GetString());
        Assert.Equal("first", item.GetProperty("text").GetString());
        Assert.Equal(["london"], item.GetProperty("matchedRules").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["EMAIL"], item.GetProperty("piiTypes").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task A_handle_that_was_never_hashed_is_not_shown()
    {
        await using var host = await DashboardHost.StartAsync();
        host.Store.Add(FakePostStore.Make("x:1", DashboardHost.Now.AddHours(-1), handle: "RealPerson", hashed: false));
        using var client = await host.LoggedInClientAsync();

        var body = await client.GetStringAsync("api/posts");

        Assert.DoesNotContain("RealPerson", body, StringComparison.Ordinal);
        Assert.Contains("[not hashed]", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("\"});alert(1);//</script><svg onload=alert(1)>")]
    public async Task Hostile_post_text_comes_back_json_escaped_and_intact(string text)
    {
        await using var host = await DashboardHost.StartAsync();
        host.Store.Add(FakePostStore.Make("x:1", DashboardHost.Now.AddHours(-1), text));
        using var client = await host.LoggedInClientAsync();

        using var response = await client.GetAsync("api/posts");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.DoesNotContain("<", body, StringComparison.Ordinal);
        Assert.DoesNotContain(">", body, StringComparison.Ordinal);
        Assert.Contains("\\u003C", body, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal(text, doc.RootElement.GetProperty("items")[0].GetProperty("text").GetString());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
    }

    [Fact]
    public async Task Stats_fill_every_hour_of_the_range_and_count_redactions_by_type()
    {
        await using var host = await DashboardHost.StartAsync();
        var from = new DateTimeOffset(2026, 11, 26, 6, 30, 0, TimeSpan.Zero);
        host.Store.Add(
            FakePostStore.Make("x:1", from.AddMinutes(10), piiTypes: ["EMAIL", "PHONE"]),
            FakePostStore.Make("x:2", from.AddMinutes(20), piiTypes: "EMAIL"),
            FakePostStore.Make("x:3", from.AddHours(2)));
        using var client = await host.LoggedInClientAsync();

        using var doc = JsonDocument.Parse(await client.GetStringAsync("api/stats?from=2026-11-26T06:30:00Z&to=2026-11-26T10:00:00Z"));

        var root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("total").GetInt64());
        var hours = root.GetProperty("postsPerHour").EnumerateArray()
            .Select(h => (h.GetProperty("hour").GetDateTimeOffset().Hour, h.GetProperty("count").GetInt64()))
            .ToList();
        Assert.Equal([(6, 2L), (7, 0L), (8, 1L), (9, 0L)], hours);
        var types = root.GetProperty("redactionsByType").EnumerateArray()
            .Select(t => (t.GetProperty("type").GetString(), t.GetProperty("count").GetInt64()))
            .ToList();
        Assert.Equal([("EMAIL", 2L), ("PHONE", 1L)], types);
    }
}
