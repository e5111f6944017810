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

    /// <summary>
    /// Longest an item waits for its batch to fill while the source has nothing to give. Default 50 ms. A pull source
    /// whose reader is still making the next post gets up to twice as long again, so a busy machine does not send
    /// batches out short.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan BatchMaxDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Items buffered between the source and the batcher. Pull sources (replay files, for example) wait when it is full, and
    /// read at most 16 items ahead whatever this says, since waiting costs them nothing and a deeper buffer only
    /// ages posts into older GC generations; push sources shed (and count) what does not fit. Default 10,000.
    /// </summary>
    [Range(1, 10_000_000)]
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>
    /// Memory bound of the buffer for push sources, in encoded bytes: past it their items are shed (and
    /// counted) even while <see cref="BufferCapacity"/> has room. Default 64 MiB.
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long BufferMaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Where push sources (X stream, Jetstream) spill what exceeds the memory bound, instead of shedding it; delivered
    /// in order once the pipeline catches up, first after a restart. Null (the default) turns spilling off. The worker
    /// sets <c>data/spill/{pipeline}</c>.
    /// </summary>
    public string? SpillDirectory { get; set; }

    /// <summary>Disk bound of the spill buffer: past it push sources shed (and count) again. Default 1 GiB.</summary>
    [Range(1024, long.MaxValue)]
    public long SpillMaxBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>
    /// Longest time between <c>fsync</c>s of the spill buffer. Every append reaches the operating system at once (a
    /// killed process loses nothing); this bounds what a power loss can take. Default 1 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SpillFsyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Batches in flight through transforms and sinks at once. Default 8: a batch waiting on its sink (a flush to disk,
    /// a turn at SQLite's one writer) holds its place, and with 4 the cores of a two-core host stood idle meanwhile.
    /// </summary>
    [Range(1, 256)]
    public int MaxParallelBatches { get; set; } = 8;

    /// <summary>
    /// What happens to items a sink (or a transform) still reports as retryable once <see cref="MaxAttempts"/> are
    /// spent. Default <see cref="RetryExhaustedAction.Hold"/>: the items stay unacknowledged on the source's durable
    /// path and the stage is paused until a probe succeeds.
    /// </summary>
    public RetryExhaustedAction OnRetriesExhausted { get; set; } = RetryExhaustedAction.Hold;

    /// <summary>
    /// While a stage is paused (its retry budget ran out on a transient failure), how long to wait between probes:
    /// one batch at a time tries again after this delay. Default 15 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(15);

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

    /// <summary>
    /// Repeated warnings (dead letters per stage and reason, shed items, retries) are logged once per this interval
    /// with their count, and once more when the pipeline stops. Default 10 s; zero logs them only at the stop.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan WarningInterval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>What the pipeline does with items whose transient failures outlast the retry budget.</summary>
public enum RetryExhaustedAction
{
    /// <summary>
    /// Keep the items unacknowledged and pause the failing stage (a circuit breaker on the pipeline's clock): one
    /// batch probes it every <see cref="PipelineOptions.CircuitBreakDuration"/>, the others wait, reading stops once
    /// the buffer is full, and everything resumes when a probe succeeds. Nothing leaves the source's durable path.
    /// </summary>
    Hold,

    /// <summary>Dead-letter the items and acknowledge them, so an outage never stalls the pipeline; the items then live only in the dead-letter store.</summary>
    DeadLetter,
}
