using System.ComponentModel.DataAnnotations;

namespace TweetStream.Gcp;

/// <summary>Connection settings shared by the Pub/Sub sink and source.</summary>
/// <remarks>
/// Credentials are Application Default Credentials (service account key in <c>GOOGLE_APPLICATION_CREDENTIALS</c>,
/// gcloud user credentials, or the metadata server), scoped to <c>https://www.googleapis.com/auth/pubsub</c>.
/// With an emulator (<see cref="EmulatorHost"/> or <c>PUBSUB_EMULATOR_HOST</c>) calls go over plain http with no credentials.
/// </remarks>
public abstract class PubSubClientOptions
{
    /// <summary>The Google Cloud project holding the topic and subscription. Required.</summary>
    [Required]
    [RegularExpression("^[a-z][a-z0-9.:-]{1,61}[a-z0-9]$")]
    public string ProjectId { get; set; } = string.Empty;

    /// <summary>The API's base address. Default <c>https://pubsub.googleapis.com/</c>; ignored in emulator mode.</summary>
    [Required]
    public Uri BaseAddress { get; set; } = new("https://pubsub.googleapis.com/");

    /// <summary>
    /// Project charged for quota, sent as <c>x-goog-user-project</c> (gcloud user credentials usually need it; the
    /// caller needs <c>serviceusage.services.use</c> on it). Default none.
    /// </summary>
    public string? QuotaProjectId { get; set; }

    /// <summary>
    /// <c>host:port</c> of a Pub/Sub emulator (no scheme): calls go to <c>http://host:port/</c> without an
    /// <c>Authorization</c> header. Default: the <c>PUBSUB_EMULATOR_HOST</c> environment variable, if set.
    /// </summary>
    [RegularExpression(@"^[^/\s:]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$")]
    public string? EmulatorHost { get; set; }

    /// <summary>Gzip request bodies of at least 1 KiB (Google front ends accept them). Default true; never used with an emulator.</summary>
    public bool GzipRequests { get; set; } = true;

    /// <summary>Create the topic (and, for the source, the subscription) when missing at start. Default false.</summary>
    public bool CreateIfMissing { get; set; }

    internal string? ResolveEmulatorHost(Func<string, string?>? environment = null) =>
        !string.IsNullOrWhiteSpace(EmulatorHost) ? EmulatorHost
        : (environment ?? Environment.GetEnvironmentVariable)("PUBSUB_EMULATOR_HOST") is { Length: > 0 } env ? env.Trim() : null;
}

/// <summary>Settings of the Pub/Sub sink (<c>AddPubSubSink</c>).</summary>
/// <remarks>
/// <para>Each pipeline batch is split into publish requests of at most <see cref="MaxMessagesPerRequest"/> messages and
/// <see cref="MaxRequestBytes"/> bytes of JSON (base64 data and punctuation counted exactly). The official client's
/// thresholds (100 messages / 1 MB / 10 ms) exist to bound how long a single message waits; here the pipeline's
/// <c>BatchMaxDelay</c> already bounds waiting, so the sink sends the batch in as few requests as the limits allow
/// (defaults 1,000 messages / 5 MB, half the 10 MB hard limit for headroom).</para>
/// <para>Each message's <c>data</c> is the post in <see cref="PostJson"/> form; attributes <c>post_id</c>, <c>source</c>
/// and <c>created_at</c> let consumers deduplicate and route without decoding.</para>
/// </remarks>
public sealed class PubSubSinkOptions : PubSubClientOptions
{
    /// <summary>The topic id (not the full path). Required.</summary>
    [Required]
    [RegularExpression(@"^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$")]
    public string TopicId { get; set; } = string.Empty;

    /// <summary>
    /// When set, every message carries this ordering key and requests go out one at a time in order; consumers see
    /// order only on subscriptions with message ordering enabled. Throughput per key is limited to 1 MB/s. Default none.
    /// </summary>
    [StringLength(1024)]
    public string? OrderingKey { get; set; }

    /// <summary>Most messages per publish request. Default 1,000 (the API's limit).</summary>
    [Range(1, 1000)]
    public int MaxMessagesPerRequest { get; set; } = 1000;

    /// <summary>Most bytes of JSON per publish request. Default 5,000,000; at most 10,000,000 (the API's limit).</summary>
    [Range(1024, 10_000_000)]
    public int MaxRequestBytes { get; set; } = 5_000_000;

    /// <summary>Publish requests of one batch in flight at once (without an ordering key). Default 4.</summary>
    [Range(1, 64)]
    public int MaxConcurrentRequests { get; set; } = 4;
}

/// <summary>Settings of the Pub/Sub pull source (<c>AddPubSubSource</c>).</summary>
/// <remarks>
/// Messages are leased from receipt until the pipeline settles them: the source extends the ack deadline
/// <see cref="AckExtensionWindow"/> before it expires, for at most <see cref="MaxTotalAckExtension"/>; it acknowledges
/// only what the pipeline acknowledged (delivered or dead-lettered) and nacks what the pipeline rejected.
/// </remarks>
public sealed class PubSubSourceOptions : PubSubClientOptions
{
    /// <summary>The subscription id (not the full path). Required.</summary>
    [Required]
    [RegularExpression(@"^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$")]
    public string SubscriptionId { get; set; } = string.Empty;

    /// <summary>The topic id; needed only with <see cref="PubSubClientOptions.CreateIfMissing"/>.</summary>
    [RegularExpression(@"^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$")]
    public string? TopicId { get; set; }

    /// <summary>Ack deadline the source asks for on receipt and on each extension. Default 60 s (10 s – 600 s).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "00:10:00")]
    public TimeSpan AckDeadline { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long before the deadline a lease is extended. Default 15 s; must be below <see cref="AckDeadline"/> by at least 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:09:59")]
    public TimeSpan AckExtensionWindow { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Longest a message is kept leased; after that Pub/Sub may redeliver it. Default 60 min.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan MaxTotalAckExtension { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>Most messages received and not yet settled (flow control). Default 1,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxOutstandingMessages { get; set; } = 1000;

    /// <summary>Most bytes of message data received and not yet settled (flow control). Default 100,000,000.</summary>
    [Range(1024, 10_000_000_000)]
    public long MaxOutstandingBytes { get; set; } = 100_000_000;

    /// <summary>Pull requests in flight at once. Default 2.</summary>
    [Range(1, 32)]
    public int MaxConcurrentPulls { get; set; } = 2;

    /// <summary>Most messages asked for per pull. Default 1,000.</summary>
    [Range(1, 1000)]
    public int MaxMessagesPerPull { get; set; } = 1000;

    /// <summary>With <see cref="PubSubClientOptions.CreateIfMissing"/>: dead-letter topic id for the new subscription. Default none.</summary>
    [RegularExpression(@"^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$")]
    public string? DeadLetterTopicId { get; set; }

    /// <summary>Deliveries before Pub/Sub moves a message to <see cref="DeadLetterTopicId"/>. Default 5 (5 – 100).</summary>
    [Range(5, 100)]
    public int MaxDeliveryAttempts { get; set; } = 5;
}
