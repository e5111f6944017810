using System.Runtime.CompilerServices;

namespace TweetStream.Tests.Support;

/// <summary>
/// Waits for events, never for a deadline. Every wait has the same generous safety net: a correct system on the
/// busiest machine reaches the event long before it, so only a hang ever meets it, and then the test fails naming
/// what it was waiting for instead of blocking the run. No test verdict depends on how fast the machine is.
/// </summary>
public static class Patience
{
    /// <summary>How long a wait may last before it counts as a hang.</summary>
    public static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(2);

    /// <summary>Polls <paramref name="condition"/> until it holds, running <paramref name="eachRound"/> between polls.</summary>
    /// <param name="condition">The event awaited, observed through the fakes.</param>
    /// <param name="what">Names the event in the failure message (by default the condition's source text).</param>
    /// <param name="eachRound">Nudges the system between polls, for example by advancing a fake clock.</param>
    /// <param name="details">Adds what helps diagnose a hang (a process's output, say) to the failure message.</param>
    public static async Task UntilAsync(
        Func<bool> condition,
        [CallerArgumentExpression(nameof(condition))] string what = "",
        Action? eachRound = null,
        Func<string>? details = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var started = Environment.TickCount64;
        while (!condition())
        {
            if (Environment.TickCount64 - started > SafetyNet.TotalMilliseconds)
            {
                throw Hang(details is null ? what : what + "\n" + details());
            }

            eachRound?.Invoke();
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    /// <summary>Awaits <paramref name="task"/>; fails naming <paramref name="what"/> if it hangs.</summary>
    public static async Task WithinSafetyNet(this Task task, string what)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            await task.WaitAsync(SafetyNet).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw Hang(what);
        }
    }

    /// <summary>Awaits <paramref name="task"/>; fails naming <paramref name="what"/> if it hangs.</summary>
    public static async Task<T> WithinSafetyNet<T>(this Task<T> task, string what)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            return await task.WaitAsync(SafetyNet).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw Hang(what);
        }
    }

    /// <summary>Awaits <paramref name="task"/>; fails naming <paramref name="what"/> if it hangs.</summary>
    public static Task WithinSafetyNet(this ValueTask task, string what) => task.AsTask().WithinSafetyNet(what);

    /// <summary>Awaits <paramref name="task"/>; fails naming <paramref name="what"/> if it hangs.</summary>
    public static Task<T> WithinSafetyNet<T>(this ValueTask<T> task, string what) => task.AsTask().WithinSafetyNet(what);

    /// <summary>
    /// A token cancelled once the safety net has passed, for APIs that take a token rather than return a task
    /// (HTTP calls, server shutdown). Pair it with <see cref="HangMessage"/> when the cancellation surfaces.
    /// </summary>
    public static CancellationTokenSource CreateSafetyNetSource() => new(SafetyNet);

    /// <summary>The failure message for a wait that hit the safety net.</summary>
    public static string HangMessage(string what) =>
        $"Hung: still waiting for {what} after the {SafetyNet.TotalMinutes:0}-minute safety net (a hang, not a slow machine).";

    private static Xunit.Sdk.FailException Hang(string what) => Xunit.Sdk.FailException.ForFailure(HangMessage(what));
}
