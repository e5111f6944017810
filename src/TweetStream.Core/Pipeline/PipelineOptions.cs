using System.ComponentModel.DataAnnotations;

namespace TweetStream;

/// <summary>Runtime settings of one pipeline: batching, buffering, parallelism, retries and shutdown.</summary>
/// <remarks>Bind from <c>TweetStream:Pipeline</c>; validated at start-up.</remarks>
public sealed class PipelineOptions
{
    /// <summary>Most items in one batch. Default 500 (BigQuery insertAll's recommended size).</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>Most encoded bytes in one batch (an item larger than this travels alone). Default 1 MiB.</summary>
    [Range(1024, 100 * 1024 * 1024)]
    public int BatchMaxBytes { get; set; } = 1024 * 1024;

    /// <summary>Longest an item waits for its batch to fill. Default 50 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan BatchMaxDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Items buffered between the source and the batcher. Pull sources wait when it is full, and are buffered
    /// at most two batches deep (<c>2 × BatchSize</c>) whatever this says, since waiting costs them nothing and
    /// a deeper buffer only ages posts into older GC generations; push sources shed (and count) what does not
    /// fit. Default 10,000.
    /// </summary>
    [Range(1, 10_000_000)]
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>
    /// Memory bound of the buffer for push sources, in encoded bytes: past it their items are shed (and
    /// counted) even while <see cref="BufferCapacity"/> has room. Default 64 MiB.
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long BufferMaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Batches in flight through transforms and sinks at once. Default 4.</summary>
    [Range(1, 256)]
    public int MaxParallelBatches { get; set; } = 4;

    /// <summary>Attempts per sink write (and per transient transform failure) before giving up. Default 6.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>First retry delay; later ones grow exponentially with jitter. Default 200 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Largest retry delay. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long shutdown may take to finish in-flight batches; what has not committed by then stays
    /// unacknowledged for redelivery. Default 8 s (Cloud Run allows 10 s after SIGTERM).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(8);
}
