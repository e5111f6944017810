using System.Diagnostics;
using System.Globalization;
using TweetStream.Pipeline;

namespace TweetStream.Benchmarks;

/// <summary>One pipeline run to its end, timed: wall clock, process CPU, and the collections it caused.</summary>
/// <remarks>The sink commands (publish, bigquery) share it, so their figures are taken the same way.</remarks>
internal sealed record TimedRun(TimeSpan Elapsed, TimeSpan Cpu, string GcSummary)
{
    /// <summary>Runs <paramref name="runner"/> until its source ends, after a full collection so earlier garbage is not billed to it.</summary>
    public static async Task<TimedRun> MeasureAsync(TweetStreamRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var pauseBefore = GC.GetTotalPauseDuration();
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        await runner.RunAsync(CancellationToken.None);
        clock.Stop();
        process.Refresh();
        var gc = string.Create(CultureInfo.InvariantCulture,
            $"GC {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(2) - gen2} (gen0/gen2), pause {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds:F0} ms");
        return new TimedRun(clock.Elapsed, process.TotalProcessorTime - cpuBefore, gc);
    }

    /// <summary>The median of <paramref name="values"/>: the middle one, or the mean of the two middle ones.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
