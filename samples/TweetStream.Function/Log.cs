namespace TweetStream.Function;

/// <summary>Source-generated log messages of the push host; never tokens, emails, handles or post text.</summary>
internal static partial class Log
{
    [LoggerMessage(901, LogLevel.Warning, "Push token verification is OFF (TweetStream:Push:VerifyToken=false): anyone who can reach this endpoint can write posts. Only for local runs.")]
    public static partial void VerificationDisabled(ILogger logger);

    [LoggerMessage(902, LogLevel.Warning, "Push request refused: {Reason}")]
    public static partial void TokenRejected(ILogger logger, string reason);

    [LoggerMessage(903, LogLevel.Warning, "Could not verify the push token: the signing keys are unavailable ({Reason}); answering 503")]
    public static partial void KeysUnavailable(ILogger logger, string reason);

    [LoggerMessage(904, LogLevel.Warning, "Message {MessageId} did not commit within {Timeout}; answering 503 so Pub/Sub redelivers")]
    public static partial void CommitTimedOut(ILogger logger, string messageId, TimeSpan timeout);

    [LoggerMessage(905, LogLevel.Warning, "Push buffer full ({Capacity} messages pending); answering 429")]
    public static partial void Busy(ILogger logger, int capacity);

    [LoggerMessage(906, LogLevel.Information, "Message {MessageId} could not be decoded ({Reason}); it is dead-lettered and acknowledged")]
    public static partial void Malformed(ILogger logger, string messageId, string reason);
}
