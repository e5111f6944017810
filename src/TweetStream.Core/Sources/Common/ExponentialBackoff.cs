namespace TweetStream.Sources.Common;

/// <summary>Reconnect delays: exponential from a minimum, capped, with "equal jitter" (half fixed, half random).</summary>
/// <remarks>Not thread-safe: one instance per reconnect loop.</remarks>
internal sealed class ExponentialBackoff(TimeSpan min, TimeSpan max, Func<double>? random = null)
{
    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;
    private int _attempt;

    /// <summary>The number of delays handed out since the last <see cref="Reset"/>.</summary>
    public int Attempt => _attempt;

    public TimeSpan Next()
    {
        if (min <= TimeSpan.Zero)
        {
            _attempt++;
            return TimeSpan.Zero;
        }

        // Doubling from min; the exponent is clamped so the multiplication cannot overflow.
        var ceiling = min.Ticks * Math.Pow(2, Math.Min(_attempt, 30));
        var capped = Math.Min(ceiling, max.Ticks);
        _attempt++;

        // Equal jitter keeps at least half the delay (no hot reconnect loops) while spreading many clients apart.
        var ticks = (capped / 2) + (_random() * capped / 2);
        return TimeSpan.FromTicks((long)ticks);
    }

    public void Reset() => _attempt = 0;
}
