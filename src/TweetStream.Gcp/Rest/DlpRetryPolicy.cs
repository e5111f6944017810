namespace TweetStream.Gcp.Rest;

/// <summary>Cloud DLP's retry rules, from the official gRPC service config (CONTRACT.md §4.5).</summary>
/// <remarks>
/// <para><c>content.deidentify</c>, <c>content.inspect</c> and <c>infoTypes.list</c> are pure functions of the request
/// (no state changes on the server), so repeating one is safe; the official config retries them on UNAVAILABLE and
/// DEADLINE_EXCEEDED (HTTP 503/504), up to 5 attempts, 100 ms backoff growing to 60 s, 300 s per call. A connection
/// that failed before any response is the REST form of UNAVAILABLE and is retried too.</para>
/// <para>RESOURCE_EXHAUSTED (429) is not retried here: it is quota, and the caller's failure policy decides
/// (fall back to local redaction, or hold the batch for the pipeline's retry with its longer backoff).</para>
/// </remarks>
internal sealed class DlpRetryPolicy : GoogleRetryPolicy
{
    public const string Deidentify = "dlp.content.deidentify";
    public const string Inspect = "dlp.content.inspect";

    private readonly GoogleRetrySettings _settings;

    /// <param name="maxAttempts">Attempts including the first (official default 5).</param>
    /// <param name="totalTimeout">Deadline for all attempts (official default 300 s).</param>
    /// <param name="initialDelay">First backoff (official default 100 ms).</param>
    public DlpRetryPolicy(int maxAttempts, TimeSpan totalTimeout, TimeSpan? initialDelay = null) =>
        _settings = new GoogleRetrySettings(maxAttempts, initialDelay ?? TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(60), totalTimeout);

    public static DlpRetryPolicy Official { get; } = new(5, TimeSpan.FromSeconds(300));

    public override GoogleRetrySettings GetSettings(string operation) => _settings;

    public override bool ShouldRetry(string operation, Exception exception) =>
        IsTransportFailure(exception) || StatusOf(exception) is "UNAVAILABLE" or "DEADLINE_EXCEEDED";

    /// <summary>Quota, outages and timeouts: worth trying again later (or falling back now).</summary>
    public override bool IsTransient(string operation, Exception exception) =>
        IsTransportFailure(exception)
        || exception is Polly.Timeout.TimeoutRejectedException
        || (exception is GoogleApiException { HttpStatus: var code } && ((int)code == 429 || (int)code >= 500))
        || StatusOf(exception) is "RESOURCE_EXHAUSTED" or "UNAVAILABLE" or "DEADLINE_EXCEEDED" or "INTERNAL" or "UNKNOWN" or "ABORTED";
}
