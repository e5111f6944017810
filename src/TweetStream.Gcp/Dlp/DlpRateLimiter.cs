namespace TweetStream.Gcp.Dlp;

/// <summary>
/// At most <c>perMinute</c> acquisitions in any 60 s window, on the injected clock: a sliding log, so the per-minute
/// quota holds however the server aligns its minute.
/// </summary>
/// <remarks>Thread-safe; waiters are not ordered fairly, which does not matter for a handful of concurrent batches.</remarks>
internal sealed class DlpRateLimiter(int perMinute, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Queue<long> _recent = new();
    private readonly Lock _gate = new();

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_gate)
            {
                var now = time.GetTimestamp();
                while (_recent.Count > 0 && time.GetElapsedTime(_recent.Peek(), now) >= Window)
                {
                    _recent.Dequeue();
                }

                if (_recent.Count < perMinute)
                {
                    _recent.Enqueue(now);
                    return;
                }

                wait = Window - time.GetElapsedTime(_recent.Peek(), now);
            }

            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
