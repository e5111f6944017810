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

    private long _receivedBytes;
    private long _lastReceivedTicks;
    private long _sourceLagTicks = -1;
    private readonly Dictionary<string, SinkHealth> _sinks = new(StringComparer.Ordinal);

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

    /// <summary>Bytes of the items read, as the source received them (for progress against a known input size).</summary>
    public long ReceivedBytes => Interlocked.Read(ref _receivedBytes);

    /// <summary>When the source last produced an item; null before the first.</summary>
    public DateTimeOffset? LastReceivedAt => Interlocked.Read(ref _lastReceivedTicks) is > 0 and var t ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>
    /// How old the last item read was since its first receipt (its <see cref="Post.ReceivedAt"/>); for a pipeline
    /// reading a subscription this is how far behind the backlog is. Null before the first item that has a receipt time.
    /// </summary>
    public TimeSpan? SourceLag => Interlocked.Read(ref _sourceLagTicks) is >= 0 and var t ? TimeSpan.FromTicks(t) : null;

    /// <summary>The state of each sink that has written at least once or has been reported on, by sink name.</summary>
    /// <remarks>A snapshot; for readiness probes and dashboards.</remarks>
    public IReadOnlyList<SinkHealth> Sinks
    {
        get
        {
            lock (_sinks)
            {
                return [.. _sinks.Values];
            }
        }
    }

    /// <summary>The summary line the worker prints: <c>received=N written=N deadlettered=N shed=N</c>.</summary>
    public override string ToString()
    {
        var line = FormattableString.Invariant($"received={Received} written={Written} deadlettered={DeadLettered} shed={Shed}");
        return Dropped > 0 ? line + FormattableString.Invariant($" filtered={Dropped}") : line;
    }

    /// <summary>Records one item read: its size and, when known, its age since first receipt.</summary>
    /// <remarks>
    /// Called by the pipeline's one source reader only: a single writer needs no locked instruction, just a write that
    /// readers on other threads see whole (four locked operations per post were measurable on the reader's thread).
    /// </remarks>
    internal void RecordRead(int bytes, DateTimeOffset now, TimeSpan? lag)
    {
        Volatile.Write(ref _received, _received + 1);
        Volatile.Write(ref _receivedBytes, _receivedBytes + bytes);
        Volatile.Write(ref _lastReceivedTicks, now.UtcTicks);
        if (lag is { } l)
        {
            Volatile.Write(ref _sourceLagTicks, Math.Max(0, l.Ticks));
        }
    }

    /// <summary>
    /// Reports a sink's state. The pipeline reports <see cref="SinkHealthState.Healthy"/> after a committed write
    /// and <see cref="SinkHealthState.Failing"/> when retries are exhausted; a circuit breaker reports
    /// <see cref="SinkHealthState.Open"/> while it holds writes back.
    /// </summary>
    internal void ReportSink(string sink, SinkHealthState state, DateTimeOffset at, string? reason = null)
    {
        lock (_sinks)
        {
            // Keep the time the state began, so readiness can say how long a sink has been failing.
            if (_sinks.TryGetValue(sink, out var current) && current.State == state)
            {
                if (reason is not null && reason != current.Reason)
                {
                    _sinks[sink] = current with { Reason = reason };
                }

                return;
            }

            _sinks[sink] = new SinkHealth(sink, state, at, reason);
        }
    }

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

/// <summary>What a pipeline last knew about one sink.</summary>
/// <param name="Name">The sink's name.</param>
/// <param name="State">Its state.</param>
/// <param name="Since">When it entered <paramref name="State"/>.</param>
/// <param name="Reason">Why it is not healthy (a sink's error message; never post content); null when healthy.</param>
public sealed record SinkHealth(string Name, SinkHealthState State, DateTimeOffset Since, string? Reason);

/// <summary>The state of a sink, as readiness sees it.</summary>
public enum SinkHealthState
{
    /// <summary>Its last write committed.</summary>
    Healthy,

    /// <summary>Its last write exhausted its retries (items were dead-lettered or left for redelivery).</summary>
    Failing,

    /// <summary>A circuit breaker holds writes to it back.</summary>
    Open,
}
