using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Pipeline;
using TweetStream.Tests.Support;

namespace TweetStream.Worker.Tests;

public sealed class ProgressTests
{
    [Fact]
    public async Task A_long_once_run_writes_a_progress_line_each_interval_with_rate_percent_and_eta_then_a_closing_line()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        var source = new InMemorySource(); // every item is 200 bytes as received
        var lines = Channel.CreateUnbounded<string>();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddTweetStream(p => p
            .SetSource(_ => source)
            .AddSink(_ => new CollectingSink())
            .SetDeadLetterSink(_ => new CollectingDeadLetterSink())
            .ConfigurePipeline(o => o.BatchSize = 100));
        builder.Services.StopHostWhenPipelinesComplete();

        // The input: 4,000 lines of 200 bytes and a line break each.
        builder.Services.AddHostedService(sp => new OnceProgress(sp.GetRequiredService<ITweetStreamStatus>(), time, l => lines.Writer.TryWrite(l), () => 4000 * 201)
        {
            Interval = TimeSpan.FromSeconds(5),
        });
        using var host = builder.Build();
        var status = host.Services.GetRequiredService<ITweetStreamStatus>();
        await host.StartAsync();

        await AddAndWait(source, status, from: 0, count: 1000);
        Assert.False(lines.Reader.TryRead(out _), "no line before the interval");
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("progress: 1,000 posts (written 1,000, dead-lettered 0), 200/s, 25%, ETA 00:00:15", await Next(lines));

        // Full batches only: a partial one would wait for BatchMaxDelay on the fake clock.
        for (var i = 1000; i < 1999; i++)
        {
            source.Add(Posts.Make(i), i);
        }

        source.AddMalformed("malformed JSON", new byte[200], 1999);
        await WaitUntil(() => status.Statistics["default"] is { Written: 1999, DeadLettered: 1 });
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("progress: 2,000 posts (written 1,999, dead-lettered 1), 200/s, 50%, ETA 00:00:10", await Next(lines));

        source.Complete();
        await host.WaitForShutdownAsync().WithinSafetyNet("the host to shut down");
        Assert.Equal("done: 2,000 posts in 10.0 s (200/s)", await Next(lines));
    }

    [Fact]
    public async Task Once_writes_progress_to_stderr_keeps_stdout_for_the_summary_and_quiet_turns_it_off()
    {
        using var dir = TestPaths.CreateTempDirectory();

        var (exitCode, stdout, stderr) = await WorkerProcess.RunAsync(dir.Path, null, "--once");
        Assert.True(exitCode == 0, stderr);
        Assert.Matches(@"(?m)^done: [\d,]+ posts in [\d.]+ s \([\d,]+/s\)$", stderr);
        Assert.DoesNotContain("done:", stdout, StringComparison.Ordinal);

        using var quietDir = TestPaths.CreateTempDirectory();
        var (quietExit, quietOut, quietErr) = await WorkerProcess.RunAsync(quietDir.Path, null, "--once", "--quiet");
        Assert.True(quietExit == 0, quietErr);
        Assert.DoesNotContain("done:", quietErr, StringComparison.Ordinal);
        Assert.DoesNotContain("progress:", quietErr, StringComparison.Ordinal);
        Assert.Matches(@"received=\d+ written=\d+", quietOut.TrimEnd().Split('\n')[^1]);
    }

    private static async Task AddAndWait(InMemorySource source, ITweetStreamStatus status, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            source.Add(Posts.Make(i), i);
        }

        await WaitUntil(() => status.Statistics.TryGetValue("default", out var s) && s.Written == from + count);
    }

    private static async Task<string> Next(Channel<string> lines) =>
        await lines.Reader.ReadAsync().AsTask().WithinSafetyNet("the next progress line");

    /// <summary>Waits for the pipeline (real threads) to get there; the ceiling only turns a hang into a failure.</summary>
    internal static Task WaitUntil(Func<bool> condition, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(condition))] string what = "") =>
        Patience.UntilAsync(condition, what);
}
