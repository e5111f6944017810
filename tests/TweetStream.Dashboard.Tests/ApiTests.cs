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
    [InlineData("api/stats?tzOffset=900", "tzOffset must be")]
    [InlineData("api/stats?tzOffset=5.5", "tzOffset must be")]
    [InlineData("api/posts?after=garbage", "after is not a cursor")]
    [InlineData("api/posts?after=99999999999999999999.x", "after is not a cursor")]
    [InlineData("api/posts?q=a+b+c+d+e+f+g+h+i", "more than 8 words")]
    [InlineData("api/posts?source=%01", "source must be")]
    [InlineData("api/export.csv?from=2026-11-26T10:00:00Z&to=2026-11-25T10:00:00Z", "from must be earlier than to")]
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

    [Fact]
    public async Task Stats_for_a_range_at_the_end_of_year_9999_answer_200_not_an_overflow()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = await host.LoggedInClientAsync();

        using var response = await client.GetAsync("api/stats?from=9999-12-31T23:00:00Z&to=9999-12-31T23:59:59Z");
        using var kolkata = await client.GetAsync("api/stats?from=9999-12-31T20:00:00Z&to=9999-12-31T23:59:59Z&tzOffset=330");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, kolkata.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Single(doc.RootElement.GetProperty("postsPerHour").EnumerateArray());
    }

    [Fact]
    public async Task Stats_hours_start_on_the_viewers_half_hour_in_Kolkata()
    {
        await using var host = await DashboardHost.StartAsync();
        // 08:40 UTC is 14:10 in Kolkata (+05:30): its bar must be Kolkata's 14:00, i.e. 08:30 UTC.
        host.Store.Add(FakePostStore.Make("x:1", new DateTimeOffset(2026, 11, 26, 8, 40, 0, TimeSpan.Zero)));
        using var client = await host.LoggedInClientAsync();

        using var doc = JsonDocument.Parse(await client.GetStringAsync("api/stats?from=2026-11-26T06:30:00Z&to=2026-11-26T10:30:00Z&tzOffset=330"));

        var hours = doc.RootElement.GetProperty("postsPerHour").EnumerateArray()
            .Select(h => (h.GetProperty("hour").GetDateTimeOffset().ToOffset(TimeSpan.FromMinutes(330)).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), h.GetProperty("count").GetInt64()))
            .ToList();
        Assert.Equal([("12:00", 0L), ("13:00", 0L), ("14:00", 1L), ("15:00", 0L)], hours);
        Assert.Equal(TimeSpan.FromMinutes(330), Assert.Single(host.Store.StatisticsRequests).HourOffset);
    }

    [Fact]
    public async Task Paging_with_the_next_cursor_never_repeats_a_row_while_posts_arrive()
    {
        await using var host = await DashboardHost.StartAsync();
        var now = DashboardHost.Now;
        host.Store.Add([.. Enumerable.Range(0, 25).Select(i => FakePostStore.Make("x:" + i.ToString("00", System.Globalization.CultureInfo.InvariantCulture), now.AddMinutes(-10 - i)))]);
        using var client = await host.LoggedInClientAsync();

        // Page 1 with the UI's default "to" (now plus a minute); posts keep arriving inside it.
        var seen = new List<string>();
        var url = "api/posts?pageSize=10&to=" + Uri.EscapeDataString(now.AddMinutes(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        for (var round = 0; round < 5; round++)
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync(url));
            seen.AddRange(doc.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            host.Store.Add(FakePostStore.Make("new:" + round, now.AddSeconds(-round)));
            if (doc.RootElement.GetProperty("next").GetString() is not { } next)
            {
                break;
            }

            var root = doc.RootElement;
            url = "api/posts?pageSize=10&from=" + Uri.EscapeDataString(root.GetProperty("from").GetString()!) +
                "&to=" + Uri.EscapeDataString(root.GetProperty("to").GetString()!) + "&after=" + Uri.EscapeDataString(next);
        }

        Assert.Equal(Enumerable.Range(0, 25).Select(i => "x:" + i.ToString("00", System.Globalization.CultureInfo.InvariantCulture)), seen);
    }

    [Fact]
    public async Task Search_and_filters_reach_the_store_and_stats_report_sources_and_top_hashtags()
    {
        await using var host = await DashboardHost.StartAsync();
        host.Store.Add(
            FakePostStore.Make("x:1", DashboardHost.Now.AddHours(-1), "tea by the #london river", piiTypes: "EMAIL") with { Source = "mastodon" },
            FakePostStore.Make("x:2", DashboardHost.Now.AddHours(-2), "coffee #london"),
            FakePostStore.Make("x:3", DashboardHost.Now.AddHours(-3), "tea again"));
        using var client = await host.LoggedInClientAsync();

        using var posts = JsonDocument.Parse(await client.GetStringAsync("api/posts?q=TEA&source=mastodon&hashtag=%23London&pii=EMAIL"));
        using var stats = JsonDocument.Parse(await client.GetStringAsync("api/stats"));

        Assert.Equal(["x:1"], posts.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(new PostFilter("TEA", "mastodon", "London", "EMAIL"), Assert.Single(host.Store.Queries).Filter);
        Assert.Equal(
            [("x", 2L), ("mastodon", 1L)],
            stats.RootElement.GetProperty("postsBySource").EnumerateArray().Select(e => (e.GetProperty("name").GetString(), e.GetProperty("count").GetInt64())));
        Assert.Equal(
            [("london", 2L)],
            stats.RootElement.GetProperty("topHashtags").EnumerateArray().Select(e => (e.GetProperty("name").GetString(), e.GetProperty("count").GetInt64())));
    }

    [Fact]
    public async Task Csv_export_streams_the_filtered_range_neutralises_formulas_and_stops_at_the_bound()
    {
        await using var host = await DashboardHost.StartAsync(o =>
        {
            o.MaxExportRows = 7;
            o.MaxPageSize = 3;
            o.DefaultPageSize = 3;
        });
        host.Store.Add([.. Enumerable.Range(0, 10).Select(i => FakePostStore.Make("x:" + i, DashboardHost.Now.AddMinutes(-1 - i), i == 0 ? "=HYPERLINK(\"http://evil\",\"click\") \"quoted\"\nline" : "post " + i))]);
        host.Store.Add(FakePostStore.Make("y:1", DashboardHost.Now.AddSeconds(-90), "@SUM(A1) " + "x") with { Source = "bluesky" });

        using var anonymous = await host.Client.GetAsync("api/export.csv");
        using var client = await host.LoggedInClientAsync();
        using var response = await client.GetAsync("api/export.csv?source=x");
        using var filtered = await client.GetAsync("api/export.csv?source=bluesky");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("attachment", response.Content.Headers.ContentDisposition!.ToString(), StringComparison.Ordinal);
        Assert.Equal("true", response.Headers.GetValues("X-Export-Truncated").Single());
        Assert.Equal("10", response.Headers.GetValues("X-Total-Count").Single());
        var csv = await response.Content.ReadAsStringAsync();
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("created_at,id,source,author_hash,text,hashtags,matched_rules,redacted_types", lines[0]);
        Assert.Equal(8, lines.Length); // the header and exactly MaxExportRows rows, over three keyset pages
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\") \"\"quoted\"\"\nline\"", lines[1], StringComparison.Ordinal);
        Assert.Equal(["x:0", "x:1", "x:2", "x:3", "x:4", "x:5", "x:6"], lines.Skip(1).Select(l => l.Split(',')[1].Trim('"')));
        Assert.Equal(3, host.Store.Queries.Count(q => q.Filter?.Source == "x"));
        var bluesky = await filtered.Content.ReadAsStringAsync();
        Assert.Contains("\"'@SUM(A1) x\"", bluesky, StringComparison.Ordinal);
        Assert.Equal("false", filtered.Headers.GetValues("X-Export-Truncated").Single());
    }
}
