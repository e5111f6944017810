using System.Net;
using TweetStream.Gcp.Rest;

namespace TweetStream.Gcp.PubSub;

/// <summary>The Pub/Sub v1 calls we make, over the shared transport.</summary>
internal sealed class PubSubApi(GoogleRestClient client)
{
    /// <summary>Ack and modifyAckDeadline requests stay under 512 KiB; ack ids are at most 164 bytes, so 2,500 fit.</summary>
    public const int MaxAckIdsPerRequest = 2500;

    public const int MaxAckRequestBytes = 524_288;

    public GoogleRestClient Client => client;

    /// <summary>
    /// Splits ack ids into requests of at most <see cref="MaxAckIdsPerRequest"/> ids and <see cref="MaxAckRequestBytes"/>
    /// bytes of JSON (ids are counted with quotes, comma and worst-case escaping, plus the envelope).
    /// </summary>
    public static IEnumerable<List<string>> ChunkAckIds(IReadOnlyList<string> ackIds)
    {
        const int Envelope = 64; // {"ackIds":[…],"ackDeadlineSeconds":600}
        var chunk = new List<string>();
        var bytes = Envelope;
        foreach (var id in ackIds)
        {
            var size = JsonStringBytes(id) + 3;
            if (chunk.Count > 0 && (chunk.Count == MaxAckIdsPerRequest || bytes + size > MaxAckRequestBytes))
            {
                yield return chunk;
                chunk = [];
                bytes = Envelope;
            }

            chunk.Add(id);
            bytes += size;
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    public static string TopicPath(string project, string topic) => $"projects/{project}/topics/{topic}";

    public static string SubscriptionPath(string project, string subscription) => $"projects/{project}/subscriptions/{subscription}";

    // Upper bound of the escaped length: System.Text.Json's default encoder writes anything beyond these as \uXXXX.
    private static int JsonStringBytes(string value)
    {
        var bytes = 0;
        foreach (var c in value)
        {
            bytes += char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/' or '.' or ':' or '~' ? 1 : 12;
        }

        return bytes;
    }

    public Task<PubSubPublishResponse> PublishAsync(string topicPath, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        client.SendAsync(PubSubRetryPolicy.Publish, HttpMethod.Post, $"v1/{topicPath}:publish", body, PubSubJsonContext.Default.PubSubPublishResponse, cancellationToken);

    public Task<PubSubPullResponse> PullAsync(string subscriptionPath, int maxMessages, CancellationToken cancellationToken) =>
        client.SendJsonAsync(
            PubSubRetryPolicy.Pull,
            HttpMethod.Post,
            $"v1/{subscriptionPath}:pull",
            new PubSubPullRequest { MaxMessages = maxMessages },
            PubSubJsonContext.Default.PubSubPullRequest,
            PubSubJsonContext.Default.PubSubPullResponse,
            cancellationToken);

    public Task AcknowledgeAsync(string subscriptionPath, List<string> ackIds, CancellationToken cancellationToken) =>
        client.SendJsonAsync(
            PubSubRetryPolicy.Acknowledge,
            HttpMethod.Post,
            $"v1/{subscriptionPath}:acknowledge",
            new PubSubAcknowledgeRequest { AckIds = ackIds },
            PubSubJsonContext.Default.PubSubAcknowledgeRequest,
            PubSubJsonContext.Default.PubSubEmpty,
            cancellationToken);

    public Task ModifyAckDeadlineAsync(string subscriptionPath, List<string> ackIds, int seconds, CancellationToken cancellationToken) =>
        client.SendJsonAsync(
            PubSubRetryPolicy.ModifyAckDeadline,
            HttpMethod.Post,
            $"v1/{subscriptionPath}:modifyAckDeadline",
            new PubSubModifyAckDeadlineRequest { AckIds = ackIds, AckDeadlineSeconds = seconds },
            PubSubJsonContext.Default.PubSubModifyAckDeadlineRequest,
            PubSubJsonContext.Default.PubSubEmpty,
            cancellationToken);

    /// <summary>Creates the topic; an existing one is success (409 ALREADY_EXISTS).</summary>
    public async Task EnsureTopicAsync(string topicPath, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendJsonAsync(
                PubSubRetryPolicy.CreateTopic,
                HttpMethod.Put,
                $"v1/{topicPath}",
                new PubSubTopic(),
                PubSubJsonContext.Default.PubSubTopic,
                PubSubJsonContext.Default.PubSubTopic,
                cancellationToken).ConfigureAwait(false);
        }
        catch (GoogleApiException ex) when (IsAlreadyExists(ex))
        {
        }
    }

    /// <summary>Creates the subscription; an existing one is success (its settings are left as they are).</summary>
    public async Task EnsureSubscriptionAsync(string subscriptionPath, PubSubSubscription subscription, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendJsonAsync(
                PubSubRetryPolicy.CreateSubscription,
                HttpMethod.Put,
                $"v1/{subscriptionPath}",
                subscription,
                PubSubJsonContext.Default.PubSubSubscription,
                PubSubJsonContext.Default.PubSubSubscription,
                cancellationToken).ConfigureAwait(false);
        }
        catch (GoogleApiException ex) when (IsAlreadyExists(ex))
        {
        }
    }

    // 409 is also ABORTED; only the canonical name in the body means "exists".
    private static bool IsAlreadyExists(GoogleApiException ex) => ex.HttpStatus == HttpStatusCode.Conflict && ex.Status == "ALREADY_EXISTS";
}
