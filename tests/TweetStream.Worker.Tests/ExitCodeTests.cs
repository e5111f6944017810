using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Worker.Tests;

/// <summary>The process tells the truth about failure: exit codes and one clear line, never a crash dump.</summary>
public sealed class ExitCodeTests
{
#pragma warning disable SYSLIB1054 // a plain P/Invoke keeps the test project free of unsafe code
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
#pragma warning restore SYSLIB1054

    [Fact]
    public async Task X_rejecting_the_bearer_token_stops_the_served_worker_with_exit_1_and_one_clear_line()
    {
        await using var api = await XApiDouble.StartAsync();
        using var dir = TestPaths.CreateTempDirectory();
        const string wrongToken = "AAAAwrong-token-that-must-never-be-logged";

        var (exitCode, stdout, stderr) = await WorkerProcess.RunAsync(dir.Path, new Dictionary<string, string>
        {
            ["TweetStream__Source"] = "x",
            ["TweetStream__X__BearerToken"] = wrongToken,
            ["TweetStream__X__BaseAddress"] = "http://127.0.0.1:" + api.BaseAddress.Port.ToString(CultureInfo.InvariantCulture),
            ["TweetStream__Store"] = "none",
            ["TweetStream__Sinks"] = "jsonl",
        });

        Assert.Equal(1, exitCode);
        var line = Assert.Single(stderr.Split('\n'), l => l.StartsWith("tweetstream: ", StringComparison.Ordinal));
        Assert.Contains("401", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongToken, stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dlp_redaction_without_usable_credentials_fails_at_start_instead_of_dead_lettering_every_post()
    {
        using var dir = TestPaths.CreateTempDirectory();

        var (exitCode, stdout, stderr) = await WorkerProcess.RunAsync(dir.Path, new Dictionary<string, string>
        {
            ["TweetStream__Redaction"] = "dlp",
            ["TweetStream__Dlp__ProjectId"] = "tweetstream-test",
            // Points Application Default Credentials at a missing file: discovery fails at once, offline.
            ["GOOGLE_APPLICATION_CREDENTIALS"] = Path.Combine(dir.Path, "missing-credentials.json"),
        }, "--once");

        Assert.Equal(1, exitCode);
        Assert.Contains("No usable Google credentials", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stdout + stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "data", "deadletters")) &&
                     Directory.EnumerateFiles(Path.Combine(dir.Path, "data", "deadletters"), "*", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 0),
            "no post was dead-lettered");
    }

    [Fact]
    public async Task An_interrupted_once_run_prints_its_partial_summary_and_exits_non_zero()
    {
        // SIGTERM, not SIGINT: a process started from a background job of a non-interactive shell (CI, this test host)
        // inherits SIGINT as ignored, and .NET keeps it ignored as shells do, so SIGINT would test the launcher. Ctrl-C
        // in a terminal reaches a foreground worker, whose host stops on SIGINT and SIGTERM alike.
        // A Pub/Sub source never ends by itself, so --once runs until the interrupt.
        await using var pubsub = await PubSubTestServer.StartAsync();
        pubsub.CreateSubscription("tweetstream-test", "london-posts-load", "london-posts", ackDeadlineSeconds: 60);
        using var dir = TestPaths.CreateTempDirectory();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dir.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerProcess.WorkerDll);
        start.ArgumentList.Add("--once");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        start.Environment["TweetStream__Source"] = "pubsub";
        start.Environment["TweetStream__Sinks"] = "jsonl";
        start.Environment["TweetStream__Store"] = "none";
        start.Environment["TweetStream__PubSub__ProjectId"] = "tweetstream-test";
        start.Environment["TweetStream__PubSub__SubscriptionId"] = "london-posts-load";
        start.Environment["TweetStream__PubSub__EmulatorHost"] = pubsub.HostPort;
        using var process = Process.Start(start)!;
        var stdout = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            stdout.Enqueue(e.Data);

            // The generic host says so once its Ctrl-C handling is in place; an interrupt before that is not this test.
            if (e.Data.Contains("Application started", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        };
        process.BeginOutputReadLine();
        var stderr = process.StandardError.ReadToEndAsync();

        try
        {
            await Task.WhenAny(started.Task, process.WaitForExitAsync()).WithinSafetyNet("the worker to start");
            if (process.HasExited)
            {
                // Only now: stderr ends when the worker does, so awaiting it any earlier would wait for the exit itself.
                Assert.Fail("the worker ended before the interrupt: " + await stderr);
            }

            await pubsub.WaitUntilAsync(() => pubsub.Count("pull") >= 5, "the worker pulling steadily");
            Assert.Equal(0, SendSignal(process.Id, 15)); // SIGTERM, as a platform or `kill` sends
            await process.WaitForExitAsync().WithinSafetyNet("the worker to stop after SIGTERM");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("interrupted", await stderr, StringComparison.Ordinal);
        Assert.StartsWith("received=0 written=0", stdout.Last(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Store_none_without_a_configured_port_opens_no_port()
    {
        // Hold 8080 (the default): a worker that still bound it would fail to start. If something else holds it
        // already, the premise is the same.
        using var blocker = new TcpListener(IPAddress.Any, 8080);
        try
        {
            blocker.Start();
        }
        catch (SocketException)
        {
            // In use by another process: a worker binding it would fail just the same.
        }

        using var dir = TestPaths.CreateTempDirectory();
        var (exitCode, stdout, stderr) = await WorkerProcess.RunAsync(dir.Path, new Dictionary<string, string>
        {
            ["TweetStream__Store"] = "none",
            ["TweetStream__Sinks"] = "jsonl",
            ["TweetStream__Replay__Loop"] = "false",
            ["TweetStream__Replay__Speed"] = "1000000",
            ["TweetStream__Pipeline__DrainTimeout"] = "00:00:01",
            ["PORT"] = string.Empty,
        }, "--TweetStream:Replay:Pace=false");

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("address already in use", stdout + stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("TweetStream dashboard:", stdout, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir.Path, "data", "posts"), "*.jsonl"));
    }
}
