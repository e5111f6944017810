using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using TweetStream.Tests.Support;

namespace TweetStream.Deploy.Tests;

/// <summary>
/// What a container image holds is the publish output; base images cannot be pulled here, so these tests run that
/// output the way the image's entry point does: from a folder with no source tree beside it, on the port in PORT,
/// stopped with SIGTERM, which Cloud Run sends and follows with SIGKILL 10 s later.
/// </summary>
public sealed class PublishedHostTests
{
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(10);

    private static string Configuration => typeof(PublishedHostTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "HostConfiguration").Value!;

    [Fact]
    public async Task Framework_dependent_worker_runs_from_a_bare_folder_serves_healthz_and_exits_0_on_sigterm_within_the_grace_period()
    {
        using var root = TestPaths.CreateTempDirectory();
        var app = root.Combine("app");
        // --no-build: the build this test project depends on is what gets published, as in the release workflow.
        var (exitCode, output) = await DotNet.RunAsync("publish", "samples/TweetStream.Worker/TweetStream.Worker.csproj", "-c", Configuration, "--no-build", "-o", app);
        Assert.True(exitCode == 0, output);

        AssertBareWorkerOutput(app);
        await RunUntilReadyThenTerminateAsync(root, ["dotnet", Path.Combine(app, "TweetStream.Worker.dll")], worker: true);
    }

    [SkippableFact]
    public async Task Self_contained_worker_runs_from_a_bare_folder_without_a_shared_runtime_and_exits_0_on_sigterm()
    {
        using var root = TestPaths.CreateTempDirectory();
        var app = root.Combine("app");
        var rid = RuntimeInformation.RuntimeIdentifier;
        var (exitCode, output) = await DotNet.RunAsync("publish", "samples/TweetStream.Worker/TweetStream.Worker.csproj", "-c", Configuration, "-r", rid, "--self-contained", "-o", app);
        // The runtime pack comes from the package feed; without it (offline) there is nothing to test.
        Skip.If(exitCode != 0 && (output.Contains("NU1101", StringComparison.Ordinal) || output.Contains("NU1102", StringComparison.Ordinal) || output.Contains("NU1301", StringComparison.Ordinal)),
            $"the {rid} runtime pack could not be restored from the package feed:\n{output}");
        Assert.True(exitCode == 0, output);

        AssertBareWorkerOutput(app);
        Assert.True(File.Exists(Path.Combine(app, "libcoreclr.so")), "a self-contained publish carries the runtime");
        Assert.True(IsReadyToRun(Path.Combine(app, "TweetStream.Core.dll")), "a publish for a runtime is compiled ahead of time");
        await RunUntilReadyThenTerminateAsync(root, [Path.Combine(app, "TweetStream.Worker")], worker: true);
    }

    [Fact]
    public async Task Framework_dependent_function_runs_from_a_bare_folder_serves_healthz_and_exits_0_on_sigterm_within_the_grace_period()
    {
        using var root = TestPaths.CreateTempDirectory();
        var app = root.Combine("app");
        var (exitCode, output) = await DotNet.RunAsync("publish", "samples/TweetStream.Function/TweetStream.Function.csproj", "-c", Configuration, "--no-build", "-o", app);
        Assert.True(exitCode == 0, output);

        Assert.True(File.Exists(Path.Combine(app, "appsettings.json")), "the settings ship beside the binary");
        AssertThroughputSettings(Path.Combine(app, "TweetStream.Function.runtimeconfig.json"));
        await RunUntilReadyThenTerminateAsync(root, ["dotnet", Path.Combine(app, "TweetStream.Function.dll")], worker: false);
    }

    /// <summary>Whether the assembly carries ReadyToRun code: its CLI header points at a native (ReadyToRun) header.</summary>
    private static bool IsReadyToRun(string assembly)
    {
        using var stream = File.OpenRead(assembly);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        return pe.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }

    /// <summary>The runtime settings the throughput figures were measured with travel in the published host (docs/performance.md).</summary>
    private static void AssertThroughputSettings(string runtimeConfig)
    {
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(runtimeConfig));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.False(properties.GetProperty("System.Runtime.TieredPGO").GetBoolean(), "dynamic PGO is off in " + runtimeConfig);
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
        Assert.Equal(0, properties.GetProperty("System.Runtime.TieredCompilation.CallCountingDelayMs").GetInt32());
        Assert.Equal(300, properties.GetProperty("System.Runtime.TieredCompilation.CallCountThreshold").GetInt32());
    }

    private static void AssertBareWorkerOutput(string app)
    {
        AssertThroughputSettings(Path.Combine(app, "TweetStream.Worker.runtimeconfig.json"));
        // The embedded default replays the bundled sample from beside the binary, and the settings ship there too.
        Assert.True(File.Exists(Path.Combine(app, "sample", "london.ndjson.gz")), "the publish output lacks sample/london.ndjson.gz");
        Assert.True(File.Exists(Path.Combine(app, "appsettings.json")), "the publish output lacks appsettings.json");
        Assert.True(File.Exists(Path.Combine(app, "appsettings.gcp.json")), "the publish output lacks appsettings.gcp.json");
        Assert.Empty(Directory.EnumerateFiles(app, "*.cs", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(app, "*.csproj", SearchOption.AllDirectories));
    }

    private static async Task RunUntilReadyThenTerminateAsync(TempDirectory root, string[] command, bool worker)
    {
        // The working directory is empty and outside the repository: nothing of the source tree can be found from it.
        var work = root.Combine("work");
        Directory.CreateDirectory(work);
        var port = FreePort();
        var start = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_HTTP_PORTS");

        var output = new ConcurrentQueue<string>();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            await WaitForOkAsync(http, "/healthz", process, output);
            if (worker)
            {
                // Ready means the pipeline runs: the replay found the bundled sample in the publish folder.
                await WaitForOkAsync(http, "/readyz", process, output);
                Assert.True(File.Exists(Path.Combine(work, "data", "tweetstream.db")), "the store was not created under the working directory's data/");
            }

            var clock = Stopwatch.StartNew();
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
                Assert.Equal(0, kill.ExitCode);
            }

            using var grace = new CancellationTokenSource(GracePeriod);
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"still running {GracePeriod.TotalSeconds} s after SIGTERM (Cloud Run would SIGKILL it); output:\n{string.Join('\n', output)}");
            }

            process.WaitForExit(); // flushes the redirected output
            var log = string.Join('\n', output);
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode} after SIGTERM ({clock.Elapsed.TotalSeconds:F1} s); output:\n{log}");
            Assert.DoesNotContain("Unhandled exception", log, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
    }

    private static async Task WaitForOkAsync(HttpClient http, string path, Process process, IEnumerable<string> output)
    {
        // A generous safety net for a loaded machine; the verdict is the answer, not the time it took.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(process.HasExited, $"exited with {(process.HasExited ? process.ExitCode : 0)} before {path} answered; output:\n{string.Join('\n', output)}");
            try
            {
                using var response = await http.GetAsync(path);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow first answer on a loaded machine; ask again.
            }

            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), $"{path} did not answer 200; output:\n{string.Join('\n', output)}");
            await Task.Delay(100);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
