using Microsoft.Extensions.Logging;

namespace TweetStream.Gcp.Dlp;

/// <summary>Source-generated log messages: counts and API errors only, never post text.</summary>
internal static partial class DlpLog
{
    [LoggerMessage(1101, LogLevel.Warning, "DLP deidentify of {Count} posts failed; redacted them locally instead: {Reason}")]
    public static partial void FellBack(ILogger logger, int count, string reason);

    [LoggerMessage(1102, LogLevel.Warning, "DLP deidentify of {Count} posts failed; holding the batch for retry: {Reason}")]
    public static partial void Held(ILogger logger, int count, string reason);

    [LoggerMessage(1103, LogLevel.Information, "DLP rejected a request of {Count} posts; splitting it in two: {Reason}")]
    public static partial void Split(ILogger logger, int count, string reason);

    [LoggerMessage(1104, LogLevel.Error, "DLP rejected the redaction configuration: {Reason}")]
    public static partial void ConfigurationRejected(ILogger logger, string reason);

    [LoggerMessage(1105, LogLevel.Information, "DLP redaction configuration accepted ({InfoTypes} infoTypes, location {Location})")]
    public static partial void ConfigurationAccepted(ILogger logger, int infoTypes, string location);
}
