namespace TweetStream;

/// <summary>Running totals of one pipeline, for summaries and tests; metrics carry the same numbers.</summary>
/// <remarks>Thread-safe; values are read without a snapshot so they may be mid-update.</remarks>
public sealed class PipelineStatistics
{
    private long _received;
    private long _written;
    private long _deadLettered;
    private long _shed;
    private long _dropped;
    private long _batches;
    private long _retries;
    private long _probes;
    private long _spilled;
    private readonly Lock _pausedGate = new();
    private string[] _paused = [];

    /// <summary>Items read from the source.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Items committed by every sink and acknowledged.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Items dead-lettered and acknowledged.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    /// <summary>Items a push source produced that did not fit the buffer.</summary>
    public long Shed => Interlocked.Read(ref _shed);

    /// <summary>Items a transform filtered out.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Batches processed.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Retried sink writes and transform calls.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Items of push sources written to the disk buffer because the memory bound was full.</summary>
    public long Spilled => Interlocked.Read(ref _spilled);

    /// <summary>Probes made while a stage was paused (see <see cref="PipelineOptions.OnRetriesExhausted"/>).</summary>
    public long Probes => Interlocked.Read(ref _probes);

    /// <summary>
    /// The stages (<c>sink:name</c>, <c>transform:name</c>) paused right now because their transient failures
    /// outlasted the retry budget; empty while everything flows. Readiness checks report these.
    /// </summary>
    public IReadOnlyList<string> PausedStages => Volatile.Read(ref _paused);

    /// <summary>The summary line the worker prints: <c>received=N written=N deadlettered=N shed=N</c>.</summary>
    public override string ToString()
    {
        var line = FormattableString.Invariant($"received={Received} written={Written} deadlettered={DeadLettered} shed={Shed}");
        return Dropped > 0 ? line + FormattableString.Invariant($" filtered={Dropped}") : line;
    }

    internal void AddReceived() => Interlocked.Increment(ref _received);

    internal void AddWritten(long n) => Interlocked.Add(ref _written, n);

    internal void AddDeadLettered(long n) => Interlocked.Add(ref _deadLettered, n);

    internal void AddShed() => Interlocked.Increment(ref _shed);

    internal void AddDropped(long n) => Interlocked.Add(ref _dropped, n);

    internal void AddBatch() => Interlocked.Increment(ref _batches);

    internal void AddRetry() => Interlocked.Increment(ref _retries);

    internal void AddProbe() => Interlocked.Increment(ref _probes);

    internal void AddSpilled() => Interlocked.Increment(ref _spilled);

    internal void SetUnavailable(string stage, bool paused)
    {
        // Copy on write: readers (health checks) take the array without a lock; changes happen once per outage.
        lock (_pausedGate)
        {
            var current = _paused;
            if (paused == current.Contains(stage))
            {
                return;
            }

            Volatile.Write(ref _paused, paused ? [.. current, stage] : [.. current.Where(s => s != stage)]);
        }
    }
}
