using System.Text;
using System.Text.Json;

namespace TweetStream.Function.Tests.Support;

/// <summary>Push bodies in the shapes Pub/Sub sends, around posts encoded as the Pub/Sub sink publishes them.</summary>
public static class PushBodies
{
    public const string Subscription = "projects/example-project/subscriptions/tweets-push";

    public static Post Post(int n, bool hashed = true) => new()
    {
        Id = "x:" + n,
        Source = "x",
        CreatedAt = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero).AddSeconds(n),
        ReceivedAt = new DateTimeOffset(2026, 11, 26, 10, 0, 1, TimeSpan.Zero).AddSeconds(n),
        Text = "post " + n + " #london",
        Author = hashed
            ? new PostAuthor("k1:aaaa" + n, "k1:bbbb" + n) { IsHashed = true }
            : new PostAuthor("9" + n, "raw_handle_" + n, "Someone"),
        Hashtags = ["london"],
        MatchedRules = ["london"],
    };

    public static string Data(Post post) => Convert.ToBase64String(PostJson.SerializeToUtf8Bytes(post));

    /// <summary>The MessagePublishedData / wrapped message object, with the snake_case duplicates push adds.</summary>
    public static string Message(string? data, string messageId = "1001", bool withAttributes = true)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartObject("message");
            if (data is not null)
            {
                w.WriteString("data", data);
            }

            if (withAttributes)
            {
                w.WriteStartObject("attributes");
                w.WriteString("post_id", "x:1");
                w.WriteString("source", "x");
                w.WriteString("created_at", "2026-11-26T10:00:01.000Z");
                w.WriteEndObject();
            }

            w.WriteString("messageId", messageId);
            w.WriteString("message_id", messageId);
            w.WriteString("publishTime", "2026-11-26T10:00:02.123Z");
            w.WriteString("publish_time", "2026-11-26T10:00:02.123Z");
            w.WriteEndObject();
            w.WriteString("subscription", Subscription);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The wrapped push body: the message object plus <c>deliveryAttempt</c>.</summary>
    public static string Wrapped(Post post, string messageId = "1001") =>
        Message(Data(post), messageId)[..^1] + ",\"deliveryAttempt\":1}";

    public static string Structured(string messagePublishedData, string type = "google.cloud.pubsub.topic.v1.messagePublished") =>
        "{\"specversion\":\"1.0\",\"id\":\"1001\",\"source\":\"//pubsub.googleapis.com/projects/example-project/topics/tweets\"," +
        "\"type\":\"" + type + "\",\"time\":\"2026-11-26T10:00:02.123Z\",\"datacontenttype\":\"application/json\",\"data\":" + messagePublishedData + "}";

    public static HttpContent Binary(string messagePublishedData, string type = "google.cloud.pubsub.topic.v1.messagePublished", bool withId = true)
    {
        var content = new StringContent(messagePublishedData, Encoding.UTF8, "application/json");
        content.Headers.Add("ce-specversion", "1.0");
        if (withId)
        {
            content.Headers.Add("ce-id", "1001");
        }

        content.Headers.Add("ce-source", "//pubsub.googleapis.com/projects/example-project/topics/tweets");
        content.Headers.Add("ce-type", type);
        content.Headers.Add("ce-time", "2026-11-26T10:00:02.123Z");
        content.Headers.Add("ce-subscription", Subscription);
        return content;
    }
}
