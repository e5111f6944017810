using System.Text.Json.Serialization;

namespace TweetStream.Gcp.PubSub;

// Wire shapes of the Pub/Sub v1 REST API (discovery schemas of the same names); only the fields we use.
internal sealed class PubSubTopic
{
    public string? Name { get; set; }
}

internal sealed class PubSubSubscription
{
    public string? Name { get; set; }

    public string? Topic { get; set; }

    public int? AckDeadlineSeconds { get; set; }

    public PubSubDeadLetterPolicy? DeadLetterPolicy { get; set; }

    public bool? EnableMessageOrdering { get; set; }
}

internal sealed class PubSubDeadLetterPolicy
{
    public string? DeadLetterTopic { get; set; }

    public int? MaxDeliveryAttempts { get; set; }
}

internal sealed class PubSubPublishResponse
{
    public List<string>? MessageIds { get; set; }
}

internal sealed class PubSubPullRequest
{
    public int MaxMessages { get; set; }
}

internal sealed class PubSubPullResponse
{
    public List<PubSubReceivedMessage>? ReceivedMessages { get; set; }
}

internal sealed class PubSubReceivedMessage
{
    public string? AckId { get; set; }

    public PubSubMessage? Message { get; set; }

    public int DeliveryAttempt { get; set; }
}

internal sealed class PubSubMessage
{
    // Kept as text: a bad base64 payload must become a malformed item, not a failed pull.
    public string? Data { get; set; }

    public Dictionary<string, string>? Attributes { get; set; }

    public string? MessageId { get; set; }

    public string? PublishTime { get; set; }

    public string? OrderingKey { get; set; }
}

internal sealed class PubSubAcknowledgeRequest
{
    public List<string> AckIds { get; set; } = [];
}

internal sealed class PubSubModifyAckDeadlineRequest
{
    public List<string> AckIds { get; set; } = [];

    public int AckDeadlineSeconds { get; set; }
}

internal sealed class PubSubEmpty;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PubSubTopic))]
[JsonSerializable(typeof(PubSubSubscription))]
[JsonSerializable(typeof(PubSubPublishResponse))]
[JsonSerializable(typeof(PubSubPullRequest))]
[JsonSerializable(typeof(PubSubPullResponse))]
[JsonSerializable(typeof(PubSubAcknowledgeRequest))]
[JsonSerializable(typeof(PubSubModifyAckDeadlineRequest))]
[JsonSerializable(typeof(PubSubEmpty))]
internal sealed partial class PubSubJsonContext : JsonSerializerContext;
