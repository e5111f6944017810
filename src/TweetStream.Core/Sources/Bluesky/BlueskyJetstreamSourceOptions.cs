using System.ComponentModel.DataAnnotations;

namespace TweetStream;

/// <summary>Settings of <c>BlueskyJetstreamSource</c>: posts from Bluesky's Jetstream carrying configured hashtags.</summary>
/// <remarks>
/// Jetstream cannot filter by hashtag, so every post of the network arrives and the source keeps those whose
/// tag facets or <c>tags</c> name one of <see cref="Hashtags"/> (case-insensitively); the rest is dropped
/// before the pipeline. No credentials are needed. Compression is not requested.
/// </remarks>
public sealed class BlueskyJetstreamSourceOptions
{
    /// <summary>The public Jetstream instances, used when <see cref="Endpoints"/> is empty.</summary>
    public static IReadOnlyList<Uri> PublicEndpoints { get; } =
    [
        new("wss://jetstream1.us-east.bsky.network/subscribe"),
        new("wss://jetstream2.us-east.bsky.network/subscribe"),
        new("wss://jetstream1.us-west.bsky.network/subscribe"),
        new("wss://jetstream2.us-west.bsky.network/subscribe"),
    ];

    /// <summary>
    /// Jetstream <c>/subscribe</c> WebSocket URLs, tried in order and failed over on errors.
    /// Default empty, meaning <see cref="PublicEndpoints"/> (kept empty so configuration binding replaces rather than appends).
    /// </summary>
    public IList<Uri> Endpoints { get; set; } = [];

    /// <summary>Hashtags to keep, without <c>#</c>; compared case-insensitively. Required.</summary>
    [Required]
    [MinLength(1)]
    public IList<string> Hashtags { get; set; } = [];

    /// <summary>
    /// File holding the cursor of the last acknowledged event (and the keys of the events just before it),
    /// written atomically. Default <c>data/state/jetstream.json</c>. Empty disables resuming.
    /// </summary>
    public string? StateFile { get; set; } = Path.Combine("data", "state", "jetstream.json");

    /// <summary>How far before the saved cursor to resume, because event times are not strictly ordered. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ResumeSafetyMargin { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Silence after which the connection counts as stalled and is replaced. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First reconnect delay; it doubles per failed attempt, with jitter. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest reconnect delay. Default 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often at most the cursor is written to <see cref="StateFile"/> while acknowledgements flow. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan StateFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events remembered to drop duplicates after reconnects and in the replayed overlap. Default 10,000.</summary>
    [Range(100, 10_000_000)]
    public int DedupCapacity { get; set; } = 10_000;

    /// <summary>
    /// Kept posts remembered so their deletion is forwarded as a tombstone. Default 100,000. Deletions of posts
    /// the source never kept are dropped unless <see cref="ForwardAllDeletes"/> is set.
    /// </summary>
    [Range(0, 10_000_000)]
    public int DeleteTrackingCapacity { get; set; } = 100_000;

    /// <summary>
    /// Forward every post deletion of the network as a tombstone (sinks ignore unknown ids), so deletions of
    /// posts kept before a restart are honoured too. Default false: a deletion costs a pipeline item.
    /// </summary>
    public bool ForwardAllDeletes { get; set; }

    /// <summary>Largest message accepted; larger ones are dead-lettered. Default 1 MiB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 1024 * 1024;
}
