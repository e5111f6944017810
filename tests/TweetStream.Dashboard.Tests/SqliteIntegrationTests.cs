using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TweetStream.Dashboard.Tests.Support;
using TweetStream.Pipeline;
using TweetStream.Tests.Support;

namespace TweetStream.Dashboard.Tests;

/// <summary>The embedded default end to end: source → HashHandles → SQLite store → dashboard API.</summary>
public sealed class SqliteIntegrationTests
{
    [Fact]
    public async Task Posts_written_by_the_pipeline_show_through_the_api_with_hashed_authors_only()
    {
        using var data = new TempDirectory();
        var source = new InMemorySource();
        for (var i = 0; i < 120; i++)
        {
            source.Add(Posts.Make(i, handle: "alice_raw_handle") with { Text = i == 55 ? "<img src=x onerror=alert(1)>" : "post " + i + " #london" }, i);
        }

        source.Complete();
        await using var host = await DashboardHost.StartAsync(configureServices: services => services.AddTweetStream(p => p
            .SetSource(_ => source)
            .AddHashHandles(o => o.Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)))
            .AddSqliteStore(o => o.Path = data.Combine("tweetstream.db"))));
        await host.Services.GetRequiredService<ITweetStreamStatus>().Completion.WithinSafetyNet("the pipeline to finish");
        using var client = await host.LoggedInClientAsync();

        var body = await client.GetStringAsync("api/posts?from=2026-11-26T10:00:00Z&to=2026-11-26T10:01:00Z&pageSize=50&page=1");
        var stats = await client.GetStringAsync("api/stats?from=2026-11-26T09:00:00Z&to=2026-11-26T12:00:00Z");

        using var doc = JsonDocument.Parse(body);
        // Creation times are 10:00:00 + i seconds: the first minute holds posts 0…59, newest first.
        Assert.Equal(60, doc.RootElement.GetProperty("total").GetInt64());
        var items = doc.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(50, items.Count);
        Assert.Equal("x:59", items[0].GetProperty("id").GetString());
        Assert.All(items, i => Assert.StartsWith("k1:", i.GetProperty("author").GetString(), StringComparison.Ordinal));
        Assert.Equal("<img src=x onerror=alert(1)>", items.Single(i => i.GetProperty("id").GetString() == "x:55").GetProperty("text").GetString());
        Assert.DoesNotContain("alice_raw_handle", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Some User", body, StringComparison.Ordinal);
        using var statsDoc = JsonDocument.Parse(stats);
        Assert.Equal([0L, 120L, 0L], statsDoc.RootElement.GetProperty("postsPerHour").EnumerateArray().Select(h => h.GetProperty("count").GetInt64()));
    }
}
