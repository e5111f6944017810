using System.Text.Json.Serialization;

namespace TweetStream.Function;

/// <summary>The wrapped push body, and the CloudEvents <c>MessagePublishedData</c>: the same shape.</summary>
internal sealed class PushEnvelope
{
    public PubSubMessage? Message { get; set; }

    public string? Subscription { get; set; }

    public int? DeliveryAttempt { get; set; }
}

/// <summary>A Pub/Sub message as push delivers it; <see cref="Data"/> is base64.</summary>
internal sealed class PubSubMessage
{
    public string? Data { get; set; }

    public Dictionary<string, string>? Attributes { get; set; }

    public string? MessageId { get; set; }

    public string? PublishTime { get; set; }
}

// Push bodies also carry snake_case duplicates (message_id, publish_time); unknown members are ignored.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PushEnvelope))]
internal sealed partial class PushJsonContext : JsonSerializerContext;
