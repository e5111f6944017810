using Microsoft.Extensions.Logging;

namespace TweetStream.Sources.Common;

/// <summary>Source-generated log messages of the live sources: hosts, tags, counts and reasons; never tokens, handles or text.</summary>
internal static partial class SourceLog
{
    [LoggerMessage(101, LogLevel.Information, "Source {Source} connected to {Endpoint}")]
    public static partial void Connected(ILogger logger, string source, string endpoint);

    [LoggerMessage(102, LogLevel.Warning, "Source {Source} lost its connection to {Endpoint} ({Reason}); reconnecting in {Delay} (attempt {Attempt})")]
    public static partial void Reconnecting(ILogger logger, string source, string endpoint, string reason, TimeSpan delay, int attempt);

    [LoggerMessage(103, LogLevel.Warning, "Source {Source}: no data or heartbeat from {Endpoint} for {Timeout}; treating the stream as stalled")]
    public static partial void Stalled(ILogger logger, string source, string endpoint, TimeSpan timeout);

    [LoggerMessage(104, LogLevel.Information, "Source {Source} caught up {Count} items for {Stream} after a gap")]
    public static partial void CaughtUp(ILogger logger, string source, int count, string stream);

    [LoggerMessage(105, LogLevel.Warning, "Source {Source}: catch-up for {Stream} failed ({Reason}); the gap is retried on the next connection")]
    public static partial void CatchUpFailed(ILogger logger, string source, string stream, string reason);

    [LoggerMessage(106, LogLevel.Warning, "Source {Source}: could not read the streaming host of {Instance} ({Reason}); using the instance host")]
    public static partial void DiscoveryFailed(ILogger logger, string source, string instance, string reason);

    [LoggerMessage(107, LogLevel.Warning, "Source {Source}: could not persist its position to {Path}")]
    public static partial void StateWriteFailed(ILogger logger, Exception exception, string source, string path);

    [LoggerMessage(108, LogLevel.Information, "Source {Source} resumes from cursor {Cursor}")]
    public static partial void Resuming(ILogger logger, string source, long cursor);

    [LoggerMessage(109, LogLevel.Warning, "Source {Source}: the pipeline shed {Count} items; they are not redelivered")]
    public static partial void ItemsShed(ILogger logger, string source, long count);

    [LoggerMessage(110, LogLevel.Warning, "Source {Source}: could not read its state file {Path}; starting without a saved position")]
    public static partial void StateReadFailed(ILogger logger, Exception exception, string source, string path);

    [LoggerMessage(111, LogLevel.Information, "Source {Source} reconciled {Stream} after a gap: {Checked} statuses checked, {Updated} updated, {Deleted} deleted")]
    public static partial void Reconciled(ILogger logger, string source, string stream, int @checked, int updated, int deleted);

    [LoggerMessage(112, LogLevel.Warning, "Source {Source}: re-checking a status of {Stream} failed ({Reason})")]
    public static partial void ReconcileFailed(ILogger logger, string source, string stream, string reason);

    [LoggerMessage(113, LogLevel.Warning, "Source {Source}: reconciliation of {Stream} stopped; {Left} statuses are re-checked after the next gap")]
    public static partial void ReconcileStopped(ILogger logger, string source, string stream, int left);

    [LoggerMessage(114, LogLevel.Information, "Source {Source}: the rate limit of {Endpoint} is reached; waiting {Delay}")]
    public static partial void RateLimitWait(ILogger logger, string source, string endpoint, TimeSpan delay);
}
