using Microsoft.Extensions.Time.Testing;
using TweetStream.Benchmarks.Soak;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Benchmarks;

/// <summary>The soak command's core, on a fake clock: half a minute with two outages that outlast the retry budget.</summary>
public sealed class SoakRunTests
{
    [Fact]
    public async Task A_short_soak_through_two_outages_loses_nothing_and_writes_nothing_twice()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        var settings = new SoakSettings
        {
            Duration = TimeSpan.FromSeconds(30),
            Rate = 20,
            OutageEvery = TimeSpan.FromSeconds(10),
            OutageFor = TimeSpan.FromSeconds(6),
            WarmUp = TimeSpan.Zero,
            TemplateCount = 64,

            // A budget that runs out inside the 6 s outages (the defaults retry for about 6 s), so the circuit opens
            // and only probes bring the sink back.
            Pipeline = new PipelineOptions
            {
                MaxAttempts = 3,
                RetryBaseDelay = TimeSpan.FromMilliseconds(200),
                RetryMaxDelay = TimeSpan.FromSeconds(1),
                CircuitBreakDuration = TimeSpan.FromSeconds(2),
            },
        };
        using var progress = new StringWriter();

        var run = SoakRun.RunAsync(settings, time, progress, CancellationToken.None);
        await Patience.UntilAsync(() => run.IsCompleted, "the soak to finish", () => time.Advance(TimeSpan.FromMilliseconds(100)));
        var result = await run;

        Assert.Equal(600, result.Sent);
        Assert.Equal(600, result.Written);
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.Duplicates);
        Assert.Equal(0, result.DeadLettered);
        Assert.Equal(600, result.Acknowledged);
        // Outages at 10 s and 20 s; a third may start at 30 s while the last posts drain, and must be recovered too.
        Assert.InRange(result.Outages, 2, 3);
        Assert.Equal(result.Outages, result.Recoveries);
        Assert.True(result.Probes > 0, "the circuit opened and was probed");
        Assert.Empty(result.PausedAtEnd);
        Assert.True(result.Passed);
        Assert.Contains(" s] sent ", progress.ToString(), StringComparison.Ordinal);
        Assert.Contains("verdict: PASS", result.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_ledger_counts_each_sequence_once_and_reports_the_ones_never_written()
    {
        var ledger = new SoakLedger(130);
        foreach (var s in new long[] { 0, 1, 64, 129, 64, 200 })
        {
            ledger.MarkWritten(s);
        }

        Assert.Equal(4, ledger.Distinct);
        Assert.Equal(1, ledger.Duplicates);
        Assert.Equal(1, ledger.OutOfRange);
        Assert.Equal(130 - 4, ledger.CountMissing(130));
        Assert.Equal(0, ledger.CountMissing(2));
    }

    [Fact]
    public void The_working_set_slope_is_the_least_squares_fit_after_the_warm_up()
    {
        var trend = new WorkingSetTrend(TimeSpan.FromMinutes(1));
        trend.Add(TimeSpan.FromSeconds(30), 900L * 1024 * 1024); // warm-up: ignored
        for (var minute = 1; minute <= 5; minute++)
        {
            trend.Add(TimeSpan.FromMinutes(minute), (100L + (2 * minute)) * 1024 * 1024);
        }

        Assert.Equal(5, trend.Count);
        Assert.Equal(2.0, trend.SlopeMegabytesPerMinute(), precision: 9);
        Assert.Equal(102, trend.FirstMegabytes);
        Assert.Equal(110, trend.LastMegabytes);
        Assert.Equal(110, trend.PeakMegabytes);
    }
}
