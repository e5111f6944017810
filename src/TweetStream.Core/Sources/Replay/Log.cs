using Microsoft.Extensions.Logging;

namespace TweetStream.Sources.Replay;

/// <summary>Source-generated log messages of the replay source: offsets and counts only, never content.</summary>
internal static partial class Log
{
    [LoggerMessage(3001, LogLevel.Information, "Replay resumes at byte offset {Offset} from its checkpoint")]
    public static partial void Resumed(ILogger logger, long offset);

    [LoggerMessage(3002, LogLevel.Warning, "Replay checkpoint could not be read; starting from the beginning")]
    public static partial void CheckpointUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(3003, LogLevel.Warning, "Replay checkpoint could not be written; it will be retried on the next acknowledgement")]
    public static partial void CheckpointWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(3004, LogLevel.Information, "Replay reached the end of the file after {Lines} lines; starting again")]
    public static partial void Looping(ILogger logger, long lines);
}
