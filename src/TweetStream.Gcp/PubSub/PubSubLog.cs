using Microsoft.Extensions.Logging;

namespace TweetStream.Gcp.PubSub;

/// <summary>Source-generated log messages: names, counts and API errors only, never message data.</summary>
internal static partial class PubSubLog
{
    [LoggerMessage(1001, LogLevel.Warning, "Pub/Sub publish of {Count} messages to {Topic} failed: {Reason}")]
    public static partial void PublishFailed(ILogger logger, int count, string topic, string reason);

    [LoggerMessage(1002, LogLevel.Warning, "Pub/Sub pull from {Subscription} failed ({Failures} in a row): {Reason}")]
    public static partial void PullFailed(ILogger logger, string subscription, int failures, string reason);

    [LoggerMessage(1003, LogLevel.Warning, "Pub/Sub {Operation} of {Count} ack ids on {Subscription} failed; they will be redelivered: {Reason}")]
    public static partial void SettleFailed(ILogger logger, string operation, int count, string subscription, string reason);

    [LoggerMessage(1004, LogLevel.Warning, "Pub/Sub lease of {Count} messages on {Subscription} reached the maximum extension; they may be redelivered")]
    public static partial void LeaseExpired(ILogger logger, int count, string subscription);

    [LoggerMessage(1005, LogLevel.Information, "Pub/Sub {Kind} {Name} is ready")]
    public static partial void Provisioned(ILogger logger, string kind, string name);

    [LoggerMessage(1006, LogLevel.Warning, "Pub/Sub subscription {Subscription} is gone (NOT_FOUND); recreating it because CreateIfMissing is set")]
    public static partial void SubscriptionRecreated(ILogger logger, string subscription);
}
