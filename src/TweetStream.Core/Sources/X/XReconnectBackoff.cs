namespace TweetStream.Sources.X;

/// <summary>The error classes X's reconnection guidance distinguishes.</summary>
internal enum XFailureClass
{
    /// <summary>TCP/IP level: refused, reset, stalled, or the stream ended.</summary>
    Network,

    /// <summary>An HTTP error status other than 429 (5xx, 420, 409, …).</summary>
    Http,

    /// <summary>HTTP 429 (rate limit or too many connections).</summary>
    RateLimit,
}

/// <summary>
/// The reconnect delays X documents ("handling disconnections"): reconnect immediately once, then back off
/// linearly by 250 ms up to 16 s for network errors, exponentially from 5 s up to 320 s for HTTP errors and
/// exponentially from 60 s for 429.
/// </summary>
/// <remarks>A pure function so the ladder is unit-tested directly; the reconnect loop counts the attempts.</remarks>
internal static class XReconnectBackoff
{
    public static readonly TimeSpan NetworkStep = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan NetworkCap = TimeSpan.FromSeconds(16);
    public static readonly TimeSpan HttpFirst = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan HttpCap = TimeSpan.FromSeconds(320);
    public static readonly TimeSpan RateLimitFirst = TimeSpan.FromSeconds(60);

    // X only says each further 429 lengthens the penalty; the rate-limit window is 15 minutes, so waiting
    // longer than one window never helps.
    public static readonly TimeSpan RateLimitCap = TimeSpan.FromMinutes(15);

    /// <summary>The delay before reconnect attempt <paramref name="attempt"/> after consecutive failures of one class.</summary>
    /// <param name="failure">The class of the failure that just happened.</param>
    /// <param name="attempt">1 for the first failure of this class since the last good connection, 2 for the next, …</param>
    public static TimeSpan GetDelay(XFailureClass failure, int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        return failure switch
        {
            // The first network failure reconnects at once: most drops are a single hiccup.
            XFailureClass.Network => Min(NetworkStep * Math.Min(attempt - 1, 64), NetworkCap),
            XFailureClass.Http => Exponential(HttpFirst, attempt, HttpCap),
            XFailureClass.RateLimit => Exponential(RateLimitFirst, attempt, RateLimitCap),
            _ => throw new ArgumentOutOfRangeException(nameof(failure)),
        };
    }

    private static TimeSpan Exponential(TimeSpan first, int attempt, TimeSpan cap)
    {
        // 2^16 × 5 s is far beyond every cap; clamping the exponent avoids overflow.
        var factor = 1L << Math.Min(attempt - 1, 16);
        return Min(first * factor, cap);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
