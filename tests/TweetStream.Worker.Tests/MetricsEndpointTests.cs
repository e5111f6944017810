using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using TweetStream.Tests.Support;

namespace TweetStream.Worker.Tests;

public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Prometheus_scrapes_the_pipeline_counters_without_a_login_cookie_on_the_management_port_or_with_the_bearer_token()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var port = FreePort();
        var metricsPort = FreePort();
        await using var worker = ServedWorker.Start(dir.Path, new Dictionary<string, string>
        {
            ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["TweetStream__Telemetry__MetricsPort"] = metricsPort.ToString(CultureInfo.InvariantCulture),
            ["TweetStream__Telemetry__MetricsBearerToken"] = "scrape-secret",
            ["TweetStream__Replay__Speed"] = "100000",
        });
        await worker.WaitForAsync(() => worker.Output.Contains($"TweetStream dashboard: http://localhost:{port}/", StringComparison.Ordinal), "the listening line");
        await worker.WaitForAsync(() => worker.Posts().Count > 0, "posts in the store");

        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });

        // The public port: no cookie, no token → 401 (never the login redirect); the token → the scrape.
        var anonymous = await http.GetAsync($"http://127.0.0.1:{port}/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/metrics"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "guess");
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "scrape-secret");
        var withToken = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
        AssertPipelineCounters(await withToken.Content.ReadAsStringAsync());

        // The management port: anonymous.
        var management = await http.GetAsync($"http://127.0.0.1:{metricsPort}/metrics");
        Assert.Equal(HttpStatusCode.OK, management.StatusCode);
        var text = await management.Content.ReadAsStringAsync();
        AssertPipelineCounters(text);

        // The names the Grafana dashboard test derives from the instruments are the exporter's names.
        Assert.Contains("tweetstream_latency_milliseconds_bucket{", text, StringComparison.Ordinal);
        Assert.Contains("tweetstream_batch_size_bucket{", text, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"(?m)^(process_runtime_)?dotnet_gc_collections"), text); // runtime instrumentation
    }

    private static void AssertPipelineCounters(string text)
    {
        Assert.Matches(new Regex(@"(?m)^tweetstream_items_received_total\{[^}]*pipeline=""default""[^}]*\} [1-9]\d*"), text);
        Assert.Matches(new Regex(@"(?m)^tweetstream_items_written_total\{[^}]*pipeline=""default""[^}]*\} [1-9]\d*"), text);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
