using Microsoft.Extensions.Logging;

namespace TweetStream.Sources.X;

/// <summary>Log messages of the X source: counts, classes, delays and X's problem text; never tokens, post text or handles.</summary>
internal static partial class XLog
{
    [LoggerMessage(200, LogLevel.Information, "X rules in sync: {Kept} kept, {Added} added, {Deleted} stale deleted, {Foreign} foreign left alone")]
    public static partial void RulesSynced(ILogger logger, int kept, int added, int deleted, int foreign);

    [LoggerMessage(201, LogLevel.Information, "X stream connected (connection {Connection})")]
    public static partial void Connected(ILogger logger, int connection);

    [LoggerMessage(202, LogLevel.Warning, "X stream disconnected: {Reason}")]
    public static partial void Disconnected(ILogger logger, string reason);

    [LoggerMessage(203, LogLevel.Warning, "X stream: {Failure} failure (attempt {Attempt}), reconnecting in {Delay}: {Reason}")]
    public static partial void Backoff(ILogger logger, XFailureClass failure, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(204, LogLevel.Warning, "X stream sent an error message: {Title} ({Type}) {Detail}")]
    public static partial void StreamError(ILogger logger, string? title, string? type, string? detail);

    [LoggerMessage(205, LogLevel.Warning, "X stream: too many connections; clearing the app's stale connections with DELETE /2/connections/all")]
    public static partial void ClearingConnections(ILogger logger);

    [LoggerMessage(206, LogLevel.Debug, "X stream dropped a duplicate post")]
    public static partial void Duplicate(ILogger logger);
}
