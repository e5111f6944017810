using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Worker.Tests;

/// <summary>
/// The gcp profile (appsettings.gcp.json, selected by the environment name) by configuration only: ingest replays
/// the bundled sample → hash → redact → Pub/Sub; load pulls Pub/Sub → BigQuery; the dashboard reads BigQuery.
/// Both Google APIs are the strict doubles of the Gcp tests, reached in emulator mode (no credentials).
/// </summary>
public sealed partial class GcpProfileEndToEndTests
{
    private const string Project = "tweetstream-test";

    [Fact]
    public async Task Gcp_profile_ingests_to_PubSub_loads_into_BigQuery_and_the_dashboard_reads_it_back()
    {
        await using var pubsub = await PubSubTestServer.StartAsync();
        await using var bigquery = await BigQueryTestServer.StartAsync();
        using var dir = TestPaths.CreateTempDirectory();
        var port = FreePort();
        await using var worker = ServedWorker.Start(dir.Path, new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "gcp",
            ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["TweetStream__PubSub__ProjectId"] = Project,
            ["TweetStream__PubSub__EmulatorHost"] = pubsub.HostPort,
            ["TweetStream__BigQuery__ProjectId"] = Project,
            ["TweetStream__BigQuery__EmulatorHost"] = bigquery.BaseAddress.Authority,
            ["TweetStream__Replay__Speed"] = "1000000",
            ["TweetStream__Replay__Loop"] = "false",
            ["TweetStream__Dashboard__Password"] = "correct horse battery",
        });

        // 2,507 lines: 2,500 posts and 7 malformed lines, which ingest dead-letters before Pub/Sub.
        await worker.WaitForAsync(() => bigquery.Table(Project, "tweetstream", "posts") is { } t && t.Rows.Count >= 2500, "2,500 rows in the BigQuery double");
        var rows = bigquery.Rows(Project, "tweetstream", "posts");
        Assert.Equal(2500, rows.Select(r => (string)r["id"]!).Distinct().Count());
        Assert.All(rows, r => Assert.StartsWith("k1:", (string)r["author_hash"]!, StringComparison.Ordinal));
        Assert.Contains(rows, r => r["pii_types"] is System.Text.Json.Nodes.JsonArray { Count: > 0 });
        Assert.Equal(2500, pubsub.Published(Project, "london-posts").Count);

        // The profile batches ingest by the API's limit of 1,000 messages per publish request (the double rejects more);
        // with the library's default of 500, every request carried at most half of what one may.
        var perRequest = pubsub.Requests.Where(r => r.Operation == "publish" && r.StatusCode == 200 && r.Body is not null)
            .Select(r => r.Body!.Value.GetProperty("messages").GetArrayLength()).ToList();
        Assert.True(perRequest.Max() > 500, "messages per publish request: " + string.Join(",", perRequest));
        var table = bigquery.Table(Project, "tweetstream", "posts")!.Resource;
        Assert.Equal("DAY", (string)table["timePartitioning"]!["type"]!);
        Assert.Equal("created_at", (string)table["timePartitioning"]!["field"]!);
        Assert.All(pubsub.Requests.Where(r => r.Operation == "publish"), r => Assert.Null(r.Authorization));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir.Path, "data", "deadletters", "ingest"), "*.jsonl"));

        // The dashboard's API answers from BigQuery through the query store.
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
        };
        var login = await http.GetStringAsync("login");
        var token = WebUtility.HtmlDecode(TokenPattern().Match(login).Groups[1].Value);
        using (var posted = await http.PostAsync("login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["password"] = "correct horse battery",
        })))
        {
            Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        }

        // The replay backfills the last day from the moment it started: reach a little further back than a day from now.
        var from = TimeProvider.System.GetUtcNow().AddDays(-2).ToString("O", CultureInfo.InvariantCulture);
        var to = TimeProvider.System.GetUtcNow().AddHours(1).ToString("O", CultureInfo.InvariantCulture);
        using var page = JsonDocument.Parse(await http.GetStringAsync($"api/posts?from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}&page=2&pageSize=100"));
        Assert.Equal(2500, page.RootElement.GetProperty("total").GetInt64());
        var items = page.RootElement.GetProperty("items");
        Assert.Equal(100, items.GetArrayLength());
        Assert.All(items.EnumerateArray(), i => Assert.StartsWith("k1:", i.GetProperty("author").GetString(), StringComparison.Ordinal));
        Assert.True(bigquery.Count("query") > 0, "the dashboard read through jobs.query");

        // Readiness probes come every few seconds; each BigQuery query is billed, so the store check is reused.
        var queriesBefore = bigquery.Count("query");
        for (var i = 0; i < 3; i++)
        {
            using var ready = await http.GetAsync("readyz");
            Assert.True(ready.StatusCode == HttpStatusCode.OK, $"readyz answered {(int)ready.StatusCode} {await ready.Content.ReadAsStringAsync()}; worker output:\n{worker.Output}");
        }

        Assert.InRange(bigquery.Count("query") - queriesBefore, 0, 1);
    }

    [Fact]
    public async Task An_insertAll_outage_longer_than_the_retry_budget_ends_with_every_post_in_the_table_once_and_no_dead_letters()
    {
        await using var pubsub = await PubSubTestServer.StartAsync();
        await using var bigquery = await BigQueryTestServer.StartAsync();
        using var dir = TestPaths.CreateTempDirectory();
        var port = FreePort();

        // BigQuery answers 503 backendError until the test ends the outage: far past the load pipeline's retry budget
        // (2 attempts of a client call that itself tries 3 times), so the sink's circuit opens and probes every second.
        bigquery.InjectFault("insertAll", Fault.Http(503, "UNAVAILABLE", "backendError"), times: 1_000_000);
        await using var worker = ServedWorker.Start(dir.Path, new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "gcp",
            ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["TweetStream__PubSub__ProjectId"] = Project,
            ["TweetStream__PubSub__EmulatorHost"] = pubsub.HostPort,
            ["TweetStream__BigQuery__ProjectId"] = Project,
            ["TweetStream__BigQuery__EmulatorHost"] = bigquery.BaseAddress.Authority,
            ["TweetStream__Replay__Speed"] = "1000000",
            ["TweetStream__Replay__Loop"] = "false",
            ["TweetStream__Pipeline__MaxAttempts"] = "2",
            ["TweetStream__Pipeline__RetryBaseDelay"] = "00:00:00.100",
            ["TweetStream__Pipeline__CircuitBreakDuration"] = "00:00:01",
            ["TweetStream__Dashboard__Password"] = "correct horse battery",
        });

        await worker.WaitForAsync(() => worker.Output.Contains("paused sink:bigquery", StringComparison.Ordinal), "the load pipeline to pause its BigQuery sink");
        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("readyz")).StatusCode);
        }

        // The suite ends the outage once the pipeline has paused; TWEETSTREAM_OUTAGE_SECONDS holds it that long first,
        // to measure a long outage by hand (issue #12 asked for 100 s). It lengthens the run; it decides nothing.
        if (int.TryParse(Environment.GetEnvironmentVariable("TWEETSTREAM_OUTAGE_SECONDS"), CultureInfo.InvariantCulture, out var holdSeconds) && holdSeconds > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(holdSeconds));
        }

        var probesSeen = bigquery.Count("insertAll");
        bigquery.ClearFaults("insertAll");
        await worker.WaitForAsync(() => bigquery.Table(Project, "tweetstream", "posts") is { } t && t.Rows.Count >= 2500, "2,500 rows after the outage");
        await worker.WaitForAsync(() => pubsub.Unacked(Project, "london-posts-load") == 0, "every message acknowledged");

        var rows = bigquery.Rows(Project, "tweetstream", "posts");
        Assert.Equal(2500, rows.Count);
        Assert.Equal(2500, rows.Select(r => (string)r["id"]!).Distinct().Count());
        Assert.True(probesSeen > 0);
        var loadDeadLetters = Path.Combine(dir.Path, "data", "deadletters", "load");
        Assert.True(!Directory.Exists(loadDeadLetters) || Directory.GetFiles(loadDeadLetters).All(f => new FileInfo(f).Length == 0), "nothing was dead-lettered by load");
        Assert.Contains("resumed sink:bigquery", worker.Output, StringComparison.Ordinal);
        Console.WriteLine($"insertAll outage held {holdSeconds} s after the pause: {rows.Count} rows, {rows.Select(r => (string)r["id"]!).Distinct().Count()} distinct ids, {probesSeen} insertAll requests during the outage");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
