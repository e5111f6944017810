using System.Diagnostics;
using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;

namespace TweetStream.Function;

/// <summary>What one push request carried: the message's post, or why it can never be decoded.</summary>
/// <param name="Post">The post in the message data; null when <paramref name="Error"/> is set.</param>
/// <param name="Error">A value-free reason the request cannot succeed, ever.</param>
/// <param name="MessageId">The Pub/Sub message id when known (for logs).</param>
/// <param name="EncodedSize">Bytes of the post JSON (or of the body when undecodable).</param>
internal sealed record PushMessage(Post? Post, string? Error, string MessageId, int EncodedSize)
{
    /// <summary>The trace the publisher carried in the message attributes (W3C traceparent), or <c>default</c>.</summary>
    public ActivityContext TraceContext { get; init; }
}

/// <summary>
/// Decodes the three push shapes: the wrapped push JSON, and CloudEvents <c>messagePublished</c> in binary
/// and structured mode (whose data is the same <c>{"message":…,"subscription":…}</c> object).
/// </summary>
internal static class PushMessageDecoder
{
    public const string MessagePublishedType = "google.cloud.pubsub.topic.v1.messagePublished";

    private static readonly JsonEventFormatter Formatter = new();

    public static PushMessage Decode(IHeaderDictionary headers, string? contentType, ReadOnlyMemory<byte> body)
    {
        if (headers.ContainsKey(HttpUtilities.SpecVersionHttpHeader))
        {
            return DecodeBinaryCloudEvent(headers, contentType, body);
        }

        if (contentType is not null && contentType.StartsWith("application/cloudevents+json", StringComparison.OrdinalIgnoreCase))
        {
            return DecodeStructuredCloudEvent(contentType, body);
        }

        return DecodeEnvelope(body.Span);
    }

    private static PushMessage DecodeBinaryCloudEvent(IHeaderDictionary headers, string? contentType, ReadOnlyMemory<byte> body)
    {
        var version = CloudEventsSpecVersion.FromVersionId(headers[HttpUtilities.SpecVersionHttpHeader].ToString());
        if (version is null)
        {
            return Fail("unsupported CloudEvents spec version", body.Length);
        }

        var cloudEvent = new CloudEvent(version);
        try
        {
            foreach (var (name, values) in headers)
            {
                var attribute = HttpUtilities.GetAttributeNameFromHeaderName(name);
                if (attribute is null || attribute == CloudEventsSpecVersion.SpecVersionAttribute.Name)
                {
                    continue;
                }

                cloudEvent.SetAttributeFromString(attribute, HttpUtilities.DecodeHeaderValue(values.ToString()));
            }

            if (contentType is not null)
            {
                cloudEvent.DataContentType = contentType;
            }

            cloudEvent.Validate();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            return Fail("invalid CloudEvents headers", body.Length);
        }

        return cloudEvent.Type == MessagePublishedType
            ? DecodeEnvelope(body.Span)
            : Fail("CloudEvent type is not " + MessagePublishedType, body.Length);
    }

    private static PushMessage DecodeStructuredCloudEvent(string contentType, ReadOnlyMemory<byte> body)
    {
        CloudEvent cloudEvent;
        try
        {
            cloudEvent = Formatter.DecodeStructuredModeMessage(body, new ContentType(contentType), extensionAttributes: null);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or JsonException or NotSupportedException)
        {
            return Fail("invalid structured CloudEvent", body.Length);
        }

        if (cloudEvent.Type != MessagePublishedType)
        {
            return Fail("CloudEvent type is not " + MessagePublishedType, body.Length);
        }

        return cloudEvent.Data switch
        {
            JsonElement { ValueKind: JsonValueKind.Object } element => DecodeEnvelope(element),
            byte[] bytes => DecodeEnvelope(bytes),
            _ => Fail("CloudEvent data is not a MessagePublishedData object", body.Length),
        };
    }

    private static PushMessage DecodeEnvelope(JsonElement element)
    {
        PushEnvelope? envelope;
        try
        {
            envelope = element.Deserialize(PushJsonContext.Default.PushEnvelope);
        }
        catch (JsonException)
        {
            return Fail("body is not a Pub/Sub push message", 0);
        }

        return DecodeMessage(envelope, 0);
    }

    private static PushMessage DecodeEnvelope(ReadOnlySpan<byte> body)
    {
        PushEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(body, PushJsonContext.Default.PushEnvelope);
        }
        catch (JsonException)
        {
            return Fail("body is not a Pub/Sub push message", body.Length);
        }

        return DecodeMessage(envelope, body.Length);
    }

    private static PushMessage DecodeMessage(PushEnvelope? envelope, int size)
    {
        var message = envelope?.Message;
        if (message is null)
        {
            return Fail("push body has no message", size);
        }

        var id = message.MessageId ?? "unknown";
        var trace = TraceContext(message.Attributes);
        if (string.IsNullOrEmpty(message.Data))
        {
            return Fail("message has no data", size, id) with { TraceContext = trace };
        }

        byte[] data;
        try
        {
            data = Convert.FromBase64String(message.Data);
        }
        catch (FormatException)
        {
            return Fail("message data is not base64", size, id);
        }

        try
        {
            return new PushMessage(PostJson.Deserialize(data), null, id, data.Length) { TraceContext = trace };
        }
        catch (JsonException)
        {
            // The reader's message may quote the payload; the reason stays value-free.
            return Fail("message data is not a TweetStream post", size, id);
        }
    }

    private static PushMessage Fail(string reason, int size, string messageId = "unknown") => new(null, reason, messageId, size);

    // The same attributes TweetStream's Pub/Sub sink (and Google's client libraries) write; plain W3C names too.
    private static ActivityContext TraceContext(Dictionary<string, string>? attributes)
    {
        if (attributes is null
            || !(attributes.TryGetValue("googclient_traceparent", out var parent) || attributes.TryGetValue("traceparent", out parent)))
        {
            return default;
        }

        var state = attributes.GetValueOrDefault("googclient_tracestate") ?? attributes.GetValueOrDefault("tracestate");
        return ActivityContext.TryParse(parent, state, isRemote: true, out var context) ? context : default;
    }
}
