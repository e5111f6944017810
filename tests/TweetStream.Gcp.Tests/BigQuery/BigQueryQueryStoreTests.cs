using Microsoft.Extensions.Time.Testing;
using TweetStream.Gcp.BigQuery;
using TweetStream.Gcp.Tests.Support;
using static TweetStream.Gcp.Tests.Support.BigQueryTestKit;

namespace TweetStream.Gcp.Tests.BigQuery;

public sealed class BigQueryQueryStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Day1 = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);
    private BigQueryTestServer _server = null!;

    public async Task InitializeAsync() => _server = await BigQueryTestServer.StartAsync(new FakeTimeProvider(Now));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>60 posts, one every 75 minutes from Day1 00:00 (three days).</summary>
    private async Task<Post[]> SeedAsync(BigQueryStreamingSinkOptions? options = null)
    {
        var posts = Enumerable.Range(0, 60).Select(i => Post(i, Day1.AddMinutes(75 * i), pii: i % 3 == 0 ? ["EMAIL", "PHONE"] : i % 3 == 1 ? ["EMAIL"] : [])).ToArray();
        var batch = new SinkBatch(posts);
        await StreamingSink(_server, options).WriteAsync(batch, CancellationToken.None);
        Assert.False(batch.HasFailures);
        return posts;
    }

    [Fact]
    public async Task Query_by_date_range_returns_exactly_the_posts_in_range_newest_first_with_paging()
    {
        var posts = await SeedAsync();
        _server.MaxRowsPerPage = 3;      // every page of 7 arrives over several getQueryResults pages
        _server.IncompleteQueryPolls = 2; // and the first job is not complete at once
        var store = Store(_server, maxResults: 5);
        var from = Day1.AddHours(10).AddMinutes(1);
        var to = Day1.AddDays(1).AddHours(13);
        var expected = posts.Where(p => p.CreatedAt >= from && p.CreatedAt < to).OrderByDescending(p => p.CreatedAt).Select(p => p.Id).ToList();

        var seen = new List<string>();
        for (var page = 1; ; page++)
        {
            var result = await store.QueryAsync(new PostQuery(from, to, page, 7), CancellationToken.None);
            Assert.Equal(expected.Count, result.TotalCount);
            if (result.Items.Count == 0)
            {
                break;
            }

            Assert.True(result.Items.Count <= 7);
            seen.AddRange(result.Items.Select(p => p.Id));
        }

        Assert.Equal(expected, seen);
        Assert.True(_server.Count("getQueryResults") >= 2, "incomplete jobs and page tokens were followed");

        var x = (await store.QueryAsync(new PostQuery(from, to, 1, 1), CancellationToken.None)).Items.Single();
        var original = posts.Single(p => p.Id == x.Id);
        Assert.Equal(original.CreatedAt, x.CreatedAt); // int64 µs timestamps round-trip
        Assert.Equal(original.ReceivedAt, x.ReceivedAt);
        Assert.Equal(original.Author.Handle, x.Author.Handle);
        Assert.True(x.Author.IsHashed);
        Assert.Equal(original.Hashtags, x.Hashtags);
        Assert.Equal(original.PiiTypes, x.PiiTypes);
        Assert.Equal(original.Language, x.Language);
        Assert.Equal(original.Url, x.Url);
    }

    [Fact]
    public async Task Queries_are_GoogleSQL_with_typed_named_parameters_and_no_values_in_the_text()
    {
        await SeedAsync();
        var store = Store(_server);

        await store.QueryAsync(new PostQuery(Day1, Day1.AddDays(1), 2, 10), CancellationToken.None);

        var body = _server.Requests.Last(r => r.Operation == "query").Body!.Value;
        Assert.Null(DiscoverySchemas.BigQuery.Validate("QueryRequest", body));
        Assert.False(body.GetProperty("useLegacySql").GetBoolean());
        Assert.Equal("NAMED", body.GetProperty("parameterMode").GetString());
        Assert.True(body.GetProperty("formatOptions").GetProperty("useInt64Timestamp").GetBoolean());
        var sql = body.GetProperty("query").GetString()!;
        Assert.DoesNotContain("2026", sql, StringComparison.Ordinal);
        Assert.EndsWith("LIMIT @limit OFFSET @offset", sql, StringComparison.Ordinal);
        var parameters = body.GetProperty("queryParameters").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => (Type: p.GetProperty("parameterType").GetProperty("type").GetString(), Value: p.GetProperty("parameterValue").TryGetProperty("value", out var v) ? v.GetString() : null));
        Assert.Equal(("TIMESTAMP", "2026-11-24T00:00:00.000000Z"), parameters["from"]);
        Assert.Equal(("TIMESTAMP", "2026-11-25T00:00:00.000000Z"), parameters["to"]);
        Assert.Equal(("INT64", "10"), parameters["limit"]);
        Assert.Equal(("INT64", "10"), parameters["offset"]);
        Assert.Equal(("STRING", string.Empty), parameters["source"]);
        // Without a search the text column is not named: its bytes are not billed.
        Assert.DoesNotContain("words", parameters.Keys);
        Assert.DoesNotContain("CONTAINS_SUBSTR", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("text", sql[..sql.IndexOf("SELECT id,", StringComparison.Ordinal)], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keyset_pages_neither_repeat_nor_skip_while_newer_posts_arrive()
    {
        var posts = await SeedAsync();
        var store = Store(_server);
        var (from, to) = (Day1, Day1.AddDays(4));
        var expected = posts.OrderByDescending(p => p.CreatedAt).Select(p => p.Id).ToList();

        var seen = new List<string>();
        PostCursor? after = null;
        for (var round = 0; round < 20; round++)
        {
            var page = await store.QueryAsync(new PostQuery(from, to, 1, 7) { After = after }, CancellationToken.None);
            seen.AddRange(page.Items.Select(p => p.Id));
            if (page.Next is null)
            {
                break;
            }

            after = page.Next;
            // A newer post lands inside the fixed range between two pages: offset paging would repeat a row.
            await StreamingSink(_server).WriteAsync(new SinkBatch([Post(1000 + round, to.AddMinutes(-1 - round))]), CancellationToken.None);
        }

        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task Search_and_filters_travel_as_parameters_and_narrow_pages_and_statistics()
    {
        var posts = Enumerable.Range(0, 12).Select(i => Post(i, Day1.AddMinutes(10 * i), text: i % 2 == 0 ? $"Tea at the Shard {i} '; DROP TABLE x; --" : $"rain again {i}", pii: i % 3 == 0 ? ["PHONE"] : []) with
        {
            Source = i % 4 == 0 ? "mastodon" : "x",
            Hashtags = i % 2 == 0 ? ["London", "Tea"] : ["london"],
        }).ToArray();
        await StreamingSink(_server).WriteAsync(new SinkBatch(posts), CancellationToken.None);
        var store = Store(_server);
        var filter = new PostFilter(Text: "shard DROP", Source: "mastodon", Hashtag: "#tea", RedactionType: "PHONE");

        var page = await store.QueryAsync(new PostQuery(Day1, Day1.AddDays(1)) { Filter = filter }, CancellationToken.None);
        var stats = await store.GetStatisticsAsync(new PostStatisticsQuery(Day1, Day1.AddDays(1)) { Filter = filter with { Source = null } }, CancellationToken.None);
        var all = await store.GetStatisticsAsync(new PostStatisticsQuery(Day1, Day1.AddDays(1)) { TopHashtags = 1 }, CancellationToken.None);

        // Even, a multiple of 4 and of 3: posts 0 and 0+12k; only post 0 here.
        Assert.Equal(["x:0"], page.Items.Select(p => p.Id));
        Assert.Equal(1, page.TotalCount);
        Assert.Equal(2, stats.PostsPerHour.Sum(h => h.Value)); // posts 0 and 6
        Assert.Equal(new Dictionary<string, long> { ["mastodon"] = 3, ["x"] = 9 }, all.PostsBySource);
        Assert.Equal([new KeyValuePair<string, long>("london", 12)], all.TopHashtags);
        var sql = _server.Requests.Where(r => r.Operation == "query").Select(r => r.Body!.Value.GetProperty("query").GetString()!).ToList();
        Assert.StartsWith("-- tweetstream:page-search", sql[0], StringComparison.Ordinal);
        Assert.StartsWith("-- tweetstream:stats-search", sql[1], StringComparison.Ordinal);
        Assert.StartsWith("-- tweetstream:stats\n", sql[2], StringComparison.Ordinal);
        Assert.All(sql, q => Assert.DoesNotContain("DROP", q, StringComparison.Ordinal));
        Assert.All(sql, q => Assert.DoesNotContain("mastodon", q, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Hours_can_start_on_the_half_hour_for_a_viewer_in_Kolkata()
    {
        await StreamingSink(_server).WriteAsync(new SinkBatch([Post(1, Day1.AddHours(8).AddMinutes(40))]), CancellationToken.None);

        var stats = await Store(_server).GetStatisticsAsync(
            new PostStatisticsQuery(Day1, Day1.AddDays(1)) { HourOffset = TimeSpan.FromMinutes(330) }, CancellationToken.None);

        // 08:40 UTC is 14:10 in Kolkata: the bar is Kolkata's 14:00, which is 08:30 UTC.
        Assert.Equal(Day1.AddHours(8).AddMinutes(30), Assert.Single(stats.PostsPerHour).Key);
    }

    [Fact]
    public async Task Every_scan_filters_the_partition_column_so_requirePartitionFilter_tables_accept_it()
    {
        await SeedAsync(Configure(new BigQueryStreamingSinkOptions { RequirePartitionFilter = true }, _server));
        var store = Store(_server);

        var page = await store.QueryAsync(new PostQuery(Day1, Day1.AddDays(4)), CancellationToken.None);
        var stats = await store.GetStatisticsAsync(new PostStatisticsQuery(Day1, Day1.AddDays(4)), CancellationToken.None);

        Assert.Equal(60, page.TotalCount);
        Assert.Equal(60, stats.PostsPerHour.Sum(h => h.Value));

        // The double's check can fail: a scan without the filter is rejected.
        var unfiltered = BigQuerySql.For(BigQuerySql.Page, $"`{Project}.{Dataset}.{TableName}`").Replace("WHERE created_at >= @from AND deleted IS TRUE", "WHERE deleted IS TRUE", StringComparison.Ordinal);
        using var http = new HttpClient();
        var request = $$"""{"query":{{System.Text.Json.JsonSerializer.Serialize(unfiltered)}},"useLegacySql":false,"parameterMode":"NAMED"}""";
        using var response = await http.PostAsync(new Uri(_server.BaseAddress, $"projects/{Project}/queries"), new StringContent(request, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)response.StatusCode);
    }

    [Fact]
    public async Task Statistics_count_posts_per_hour_and_posts_per_redacted_type()
    {
        var posts = await SeedAsync();
        var store = Store(_server);
        var from = Day1;
        var to = Day1.AddHours(10);

        var stats = await store.GetStatisticsAsync(new PostStatisticsQuery(from, to), CancellationToken.None);

        var inRange = posts.Where(p => p.CreatedAt >= from && p.CreatedAt < to).ToList();
        var expectedHours = inRange.GroupBy(p => new DateTimeOffset(p.CreatedAt.Year, p.CreatedAt.Month, p.CreatedAt.Day, p.CreatedAt.Hour, 0, 0, TimeSpan.Zero))
            .Select(g => new KeyValuePair<DateTimeOffset, long>(g.Key, g.Count())).OrderBy(kv => kv.Key);
        Assert.Equal(expectedHours, stats.PostsPerHour);
        Assert.Equal(inRange.Count(p => p.PiiTypes.Contains("EMAIL")), stats.RedactionsByType["EMAIL"]);
        Assert.Equal(inRange.Count(p => p.PiiTypes.Contains("PHONE")), stats.RedactionsByType["PHONE"]);
    }

    [Fact]
    public async Task Deleted_posts_and_duplicate_copies_do_not_appear()
    {
        var posts = await SeedAsync();
        var sink = StreamingSink(_server);
        await sink.WriteAsync(new SinkBatch([TweetStream.Post.Tombstone(posts[5].Id, "x", Now)]), CancellationToken.None);
        var store = Store(_server);

        var page = await store.QueryAsync(new PostQuery(Day1, Day1.AddDays(4), 1, 100), CancellationToken.None);

        Assert.Equal(59, page.TotalCount);
        Assert.DoesNotContain(page.Items, p => p.Id == posts[5].Id);
        Assert.Equal(page.Items.Count, page.Items.Select(p => p.Id).Distinct().Count());
    }

    [Fact]
    public async Task DML_deletion_mode_removes_every_copy_of_a_deleted_post()
    {
        var options = Configure(new BigQueryStreamingSinkOptions { Deletion = BigQueryDeletionMode.DmlDelete }, _server);
        var posts = await SeedAsync(options);
        var batch = new SinkBatch([TweetStream.Post.Tombstone(posts[7].Id, "x", Now)]);

        await StreamingSink(_server, options).WriteAsync(batch, CancellationToken.None);

        Assert.False(batch.HasFailures);
        Assert.Equal(59, _server.Rows(Project, Dataset, TableName).Count);
        Assert.DoesNotContain(_server.Rows(Project, Dataset, TableName), r => r["id"]!.GetValue<string>() == posts[7].Id);
        var delete = _server.Requests.Last(r => r.Operation == "query").Body!.Value;
        Assert.StartsWith("-- tweetstream:delete", delete.GetProperty("query").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_past_the_end_reports_the_total()
    {
        await SeedAsync();

        var page = await Store(_server).QueryAsync(new PostQuery(Day1, Day1.AddDays(1), 50, 10), CancellationToken.None);

        Assert.Empty(page.Items);
        Assert.Equal(20, page.TotalCount); // 24 h / 75 min → 20 posts on the first day
    }

    [Fact]
    public async Task Page_size_is_clamped_to_the_configured_maximum()
    {
        await SeedAsync();

        var page = await Store(_server, maxPageSize: 5).QueryAsync(new PostQuery(Day1, Day1.AddDays(1), 2, 50), CancellationToken.None);

        Assert.Equal(5, page.PageSize);
        Assert.Equal(5, page.Items.Count);
        Assert.Equal(20, page.TotalCount);
    }
}
