using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using TweetStream.Tests.Support;

namespace TweetStream.Worker.Tests;

public sealed class ServeTests
{
    [Fact]
    public async Task Without_once_the_worker_serves_health_and_a_login_protected_dashboard_with_live_posts()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dir.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerProcess.WorkerDll);
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["TweetStream__Replay__Speed"] = "100000";
        using var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitFor(() => output.Any(l => l.Contains($"TweetStream dashboard: http://localhost:{port}/", StringComparison.Ordinal)), process, output);

            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/posts")).StatusCode);
            var page = await http.GetAsync("/");
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Contains("/login", page.Headers.Location!.ToString(), StringComparison.Ordinal);
            // Metrics are for machines, not behind the login: a loopback scraper (a sidecar) needs no cookie or token.
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/metrics")).StatusCode);

            // The login form's anti-forgery token needs a data-protection key: kept under data/ so sessions survive restarts.
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/login")).StatusCode);
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir.Path, "data", "keys"), "key-*.xml"));

            // The replay keeps running (looped, rebased to now) into the store the dashboard reads.
            Assert.True(File.Exists(Path.Combine(dir.Path, "data", "dashboard-password.hash")));
            Assert.Contains(output, l => l.Contains("generated a login password", StringComparison.Ordinal));
            await WaitFor(() => File.Exists(Path.Combine(dir.Path, "data", "tweetstream.db")), process, output);

            // The demo fills the dashboard's default view at once: the first pass is spread over the last 24 hours,
            // and later passes add posts under fresh ids instead of moving the earlier ones.
            var db = Path.Combine(dir.Path, "data", "tweetstream.db");
            await WaitFor(() => TryRead(() => OnceTests.Span(db).PassIds > 0), process, output);
            var (first, last, _) = OnceTests.Span(db);
            var now = TimeProvider.System.GetUtcNow().UtcDateTime;
            Assert.InRange(first, now.AddHours(-24.5), now.AddHours(-23));
            Assert.InRange(last, now.AddMinutes(-5), now.AddMinutes(1));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static Task WaitFor(Func<bool> condition, Process process, IEnumerable<string> output, [CallerArgumentExpression(nameof(condition))] string what = "") =>
        Patience.UntilAsync(
            () =>
            {
                Assert.False(process.HasExited, "worker exited: " + string.Join('\n', output));
                return condition();
            },
            what,
            details: () => "output: " + string.Join('\n', output));

    // The store is written while it is read: a read that meets the file mid-creation counts as "not yet".
    private static bool TryRead(Func<bool> read)
    {
        try
        {
            return read();
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
