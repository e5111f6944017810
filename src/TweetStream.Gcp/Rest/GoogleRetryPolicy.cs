namespace TweetStream.Gcp.Rest;

/// <summary>How often and how long the transport retries one kind of call.</summary>
/// <param name="MaxAttempts">Attempts including the first; 1 disables retries.</param>
/// <param name="InitialDelay">First backoff; later ones grow exponentially with jitter.</param>
/// <param name="MaxDelay">Largest backoff.</param>
/// <param name="TotalTimeout">Deadline for all attempts together.</param>
internal sealed record GoogleRetrySettings(int MaxAttempts, TimeSpan InitialDelay, TimeSpan MaxDelay, TimeSpan TotalTimeout);

/// <summary>
/// Which failures of which call the shared transport retries. Each API has its own rules (CONTRACT.md: Pub/Sub §2.5,
/// BigQuery §3, DLP §4.5), so each API supplies a subclass; the transport only asks.
/// </summary>
internal abstract class GoogleRetryPolicy
{
    /// <summary>Retry settings for <paramref name="operation"/>.</summary>
    public abstract GoogleRetrySettings GetSettings(string operation);

    /// <summary>True when the transport itself should retry <paramref name="exception"/> for <paramref name="operation"/>.</summary>
    public abstract bool ShouldRetry(string operation, Exception exception);

    /// <summary>
    /// True when a caller that owns retries (the pipeline) should try again later: the broader set of codes the
    /// official client treats as transient, including the ones the transport does not retry itself.
    /// </summary>
    public abstract bool IsTransient(string operation, Exception exception);

    /// <summary>The request never produced an HTTP response: connection refused or reset, or an attempt timed out.</summary>
    protected static bool IsTransportFailure(Exception exception) =>
        exception is HttpRequestException { StatusCode: null } or TimeoutException or IOException
        || exception is TaskCanceledException { InnerException: TimeoutException };

    protected static string? StatusOf(Exception exception) => (exception as GoogleApiException)?.Status;
}

/// <summary>Pub/Sub's retry rules, from the official gRPC service config (CONTRACT.md §2.5).</summary>
/// <remarks>
/// Publish is not idempotent and the pipeline owns sink retries, so the transport retries a publish only on
/// UNAVAILABLE (the front end did not take the request), once. Every other publish failure goes straight back to
/// the sink, which reports the official transient set (ABORTED, CANCELLED, INTERNAL, RESOURCE_EXHAUSTED, UNKNOWN,
/// UNAVAILABLE, DEADLINE_EXCEEDED, and connection failures) as retryable so the pipeline retries with its backoff.
/// </remarks>
internal sealed class PubSubRetryPolicy : GoogleRetryPolicy
{
    public const string Publish = "pubsub.publish";
    public const string Pull = "pubsub.pull";
    public const string Acknowledge = "pubsub.acknowledge";
    public const string ModifyAckDeadline = "pubsub.modifyAckDeadline";
    public const string CreateTopic = "pubsub.topics.create";
    public const string CreateSubscription = "pubsub.subscriptions.create";
    public const string Get = "pubsub.get";

    private static readonly GoogleRetrySettings Standard = new(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60));
    private static readonly GoogleRetrySettings PublishSettings = new(2, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

    public static PubSubRetryPolicy Instance { get; } = new();

    public override GoogleRetrySettings GetSettings(string operation) => operation == Publish ? PublishSettings : Standard;

    public override bool ShouldRetry(string operation, Exception exception)
    {
        var status = StatusOf(exception);
        return operation switch
        {
            Publish => status == "UNAVAILABLE",
            Pull or Get or CreateSubscription => IsTransportFailure(exception) || status is "UNKNOWN" or "ABORTED" or "UNAVAILABLE",
            // Google's clients retry these on UNAVAILABLE only, but a dropped ack means a redelivery after the lease and,
            // past BigQuery's de-duplication window, a duplicate row. Acks and deadline changes are idempotent, so every
            // transient status (429 included) is retried, within the standard 60 s budget: one ack deadline.
            Acknowledge or ModifyAckDeadline => IsTransient(operation, exception),
            _ => IsTransportFailure(exception) || status == "UNAVAILABLE",
        };
    }

    public override bool IsTransient(string operation, Exception exception) =>
        IsTransportFailure(exception)
        || exception is Polly.Timeout.TimeoutRejectedException
        || StatusOf(exception) is "ABORTED" or "CANCELLED" or "INTERNAL" or "RESOURCE_EXHAUSTED" or "UNKNOWN" or "UNAVAILABLE" or "DEADLINE_EXCEEDED";
}
