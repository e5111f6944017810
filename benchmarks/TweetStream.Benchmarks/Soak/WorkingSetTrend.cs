namespace TweetStream.Benchmarks.Soak;

/// <summary>Working-set samples over a run and their least-squares slope, ignoring a warm-up (JIT, pools filling).</summary>
internal sealed class WorkingSetTrend(TimeSpan warmUp)
{
    private readonly List<(double Minutes, double Megabytes)> _samples = [];

    public int Count => _samples.Count;

    public double FirstMegabytes => _samples.Count > 0 ? _samples[0].Megabytes : 0;

    public double LastMegabytes => _samples.Count > 0 ? _samples[^1].Megabytes : 0;

    public double PeakMegabytes => _samples.Count > 0 ? _samples.Max(s => s.Megabytes) : 0;

    /// <summary>Records a sample taken <paramref name="elapsed"/> into the run; samples inside the warm-up are dropped.</summary>
    public void Add(TimeSpan elapsed, long bytes)
    {
        if (elapsed >= warmUp)
        {
            _samples.Add((elapsed.TotalMinutes, bytes / (1024.0 * 1024.0)));
        }
    }

    /// <summary>Least-squares slope in MB per minute; zero with fewer than two samples.</summary>
    public double SlopeMegabytesPerMinute() => Slope(_samples);

    internal static double Slope(IReadOnlyList<(double X, double Y)> points)
    {
        if (points.Count < 2)
        {
            return 0;
        }

        var meanX = points.Average(p => p.X);
        var meanY = points.Average(p => p.Y);
        double covariance = 0, variance = 0;
        foreach (var (x, y) in points)
        {
            covariance += (x - meanX) * (y - meanY);
            variance += (x - meanX) * (x - meanX);
        }

        return variance == 0 ? 0 : covariance / variance;
    }
}
