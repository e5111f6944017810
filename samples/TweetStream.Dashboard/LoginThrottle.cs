using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace TweetStream.Dashboard;

/// <summary>A fixed one-minute window of login attempts per client address.</summary>
/// <remarks>
/// The same algorithm as ASP.NET Core's fixed-window rate limiter, but on <see cref="TimeProvider"/> (the
/// framework limiter runs its own clock, so tests could not move time) and inside the login handler, so a host
/// need not add <c>UseRateLimiter</c> in the right place. Thread-safe; memory is bounded by pruning expired windows.
/// Behind a reverse proxy the host must apply forwarded headers, or every client shares the proxy's address.
/// </remarks>
internal sealed class LoginThrottle(IOptions<DashboardOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    /// <summary>Counts an attempt; false when the client is over the limit, with the time until its window ends.</summary>
    public bool TryAcquire(string client, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        if (_counters.Count > PruneAbove)
        {
            foreach (var (key, value) in _counters)
            {
                if (now - value.WindowStart >= Window)
                {
                    _counters.TryRemove(key, out _);
                }
            }
        }

        var counter = _counters.GetOrAdd(client, static (_, now) => new Counter(now), now);
        lock (counter)
        {
            if (now - counter.WindowStart >= Window)
            {
                counter.WindowStart = now;
                counter.Count = 0;
            }

            counter.Count++;
            retryAfter = counter.WindowStart + Window - now;
            return counter.Count <= options.Value.LoginAttemptsPerMinute;
        }
    }

    private sealed class Counter(DateTimeOffset windowStart)
    {
        public DateTimeOffset WindowStart { get; set; } = windowStart;

        public int Count { get; set; }
    }
}
