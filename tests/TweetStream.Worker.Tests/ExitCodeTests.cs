using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TweetStream.Tests.Support;

namespace TweetStream.Worker.Tests;

/// <summary>The process tells the truth about failure: exit codes and one clear line, never a crash dump.</summary>
public sealed class ExitCodeTests
{
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
