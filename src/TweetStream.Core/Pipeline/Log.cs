using Microsoft.Extensions.Logging;

namespace TweetStream.Pipeline;

/// <summary>Source-generated log messages. They carry ids, names and counts, never post text or handles.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Pipeline {Pipeline} started: source {Source}, {TransformCount} transforms, sinks {Sinks}")]
    public static partial void PipelineStarted(ILogger logger, string pipeline, string source, int transformCount, string sinks);

    [LoggerMessage(2, LogLevel.Information, "Pipeline {Pipeline} stopped: {Summary}")]
    public static partial void PipelineStopped(ILogger logger, string pipeline, string summary);

    [LoggerMessage(3, LogLevel.Warning, "Sink {Sink} did not commit {Count} item writes in the last {Seconds} s (retried): {Reason}")]
    public static partial void SinkRetry(ILogger logger, string sink, long count, string reason, long seconds);

    [LoggerMessage(4, LogLevel.Warning, "Dead-lettered {Count} items at {Stage} in the last {Seconds} s: {Reason}")]
    public static partial void DeadLettered(ILogger logger, long count, string stage, string reason, long seconds);

    [LoggerMessage(5, LogLevel.Error, "Dead-letter sink failed; {Count} items stay unacknowledged for redelivery")]
    public static partial void DeadLetterSinkFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(6, LogLevel.Warning, "Push source {Source} outran the buffer: shed {Count} items in the last {Seconds} s")]
    public static partial void Shed(ILogger logger, string source, long count, long seconds);

    [LoggerMessage(7, LogLevel.Error, "Source {Source} failed; the pipeline stops after draining")]
    public static partial void SourceFailed(ILogger logger, Exception exception, string source);

    [LoggerMessage(8, LogLevel.Warning, "Drain deadline of {Timeout} passed; {Count} batches left unacknowledged")]
    public static partial void DrainTimedOut(ILogger logger, TimeSpan timeout, int count);

    [LoggerMessage(9, LogLevel.Warning, "Transform {Transform} failed transiently {Count} times in the last {Seconds} s (retried): {Reason}")]
    public static partial void TransformRetry(ILogger logger, string transform, long count, string reason, long seconds);

    [LoggerMessage(10, LogLevel.Error, "Acknowledging items with source {Source} failed")]
    public static partial void AckFailed(ILogger logger, Exception exception, string source);

    [LoggerMessage(11, LogLevel.Error, "Pipeline {Pipeline} paused {Stage}: its retry budget ran out ({Reason}); {Count} items stay unacknowledged and a probe runs every {ProbeEvery}")]
    public static partial void StagePaused(ILogger logger, string pipeline, string stage, int count, TimeSpan probeEvery, string reason);

    [LoggerMessage(12, LogLevel.Information, "Pipeline {Pipeline} resumed {Stage} after {Outage} ({Probes} probes)")]
    public static partial void StageResumed(ILogger logger, string pipeline, string stage, TimeSpan outage, long probes);

    [LoggerMessage(13, LogLevel.Warning, "Spill segment {Path} ended in a torn record ({Bytes} bytes cut): the process stopped mid-append")]
    public static partial void SpillTornTail(ILogger logger, string path, long bytes);

    [LoggerMessage(14, LogLevel.Warning, "Push source {Source} outran the memory buffer: spilling to disk ({Spilled} items so far, {Bytes} bytes on disk)")]
    public static partial void Spilling(ILogger logger, string source, long spilled, long bytes);

    [LoggerMessage(15, LogLevel.Information, "Pipeline {Pipeline} found {Count} items buffered on disk from an earlier run; delivering them first")]
    public static partial void SpillRecovered(ILogger logger, string pipeline, long count);

    [LoggerMessage(16, LogLevel.Error, "Flushing sink {Sink} failed when the pipeline stopped")]
    public static partial void SinkFlushFailed(ILogger logger, Exception exception, string sink);
}
