using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace TweetStream.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that records the due time of every timer created on it, so a test can wait for the
/// event "the code under test is now waiting on the clock" instead of sleeping in the hope that it got there.
/// </summary>
public sealed class WatchedFakeTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();

    /// <summary>The due times of the timers created so far (delays and timeouts alike), in order.</summary>
    public IReadOnlyCollection<TimeSpan> TimerDueTimes => _dueTimes;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _dueTimes.Enqueue(dueTime);
        return base.CreateTimer(callback, state, dueTime, period);
    }
}
