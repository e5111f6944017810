using System.ComponentModel.DataAnnotations;

namespace TweetStream;

/// <summary>Settings of <c>MastodonHashtagSource</c>: public posts with given hashtags from one or more Mastodon instances.</summary>
/// <remarks>
/// Since Mastodon 4.2 every streaming endpoint needs a user access token (<see cref="AccessToken"/>); it is sent
/// in the <c>Authorization</c> header only, never in a URL, and never logged. Gaps (reconnects, restarts) are
/// filled from the public hashtag timeline starting after the last acknowledged status id, saved per
/// instance and tag in <see cref="StateFile"/>; statuses delivered before a gap are re-checked one by one
/// (<see cref="ReconcileMaxStatuses"/>, <see cref="ReconcileMaxAge"/>) so edits and deletions made during it arrive.
/// </remarks>
public sealed class MastodonHashtagSourceOptions
{
    /// <summary>Instance base URLs, e.g. <c>https://mastodon.social</c>. Required.</summary>
    [Required]
    [MinLength(1)]
    public IList<Uri> Instances { get; set; } = [];

    /// <summary>Hashtags to follow, without <c>#</c>. Required.</summary>
    [Required]
    [MinLength(1)]
    public IList<string> Tags { get; set; } = [];

    /// <summary>A user access token of the instance(s) (any scope; <c>read:statuses</c> suffices). Required. Keep it in a secret store.</summary>
    [Required]
    public string? AccessToken { get; set; }

    /// <summary>How to stream. Default <see cref="MastodonStreamingTransport.ServerSentEvents"/>.</summary>
    public MastodonStreamingTransport Transport { get; set; } = MastodonStreamingTransport.ServerSentEvents;

    /// <summary>Only posts from the instance's own users (<c>hashtag:local</c>). Default false.</summary>
    public bool LocalOnly { get; set; }

    /// <summary>Silence (no event, no <c>:thump</c> heartbeat) after which the stream counts as stalled; Mastodon heartbeats every 15 s. Default 45 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>First reconnect delay; it doubles per failed attempt, with jitter. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest reconnect delay. Default 2 min.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// File holding the last acknowledged status id per instance and tag, written atomically.
    /// Default <c>data/state/mastodon.json</c>. Empty disables catch-up after a restart.
    /// </summary>
    public string? StateFile { get; set; } = Path.Combine("data", "state", "mastodon.json");

    /// <summary>How often at most the state file is written while acknowledgements flow. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan StateFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Statuses per catch-up request (the API allows at most 40). Default 40.</summary>
    [Range(1, 40)]
    public int CatchUpPageSize { get; set; } = 40;

    /// <summary>Most catch-up pages per gap, bounding the requests after a long outage. Default 25 (1,000 statuses).</summary>
    [Range(1, 1000)]
    public int MaxCatchUpPages { get; set; } = 25;

    /// <summary>Statuses remembered to drop duplicates between the stream and catch-up. Default 10,000.</summary>
    [Range(100, 10_000_000)]
    public int DedupCapacity { get; set; } = 10_000;

    /// <summary>
    /// Most recently delivered statuses re-checked after a gap (<c>GET /api/v1/statuses/:id</c>, one request each)
    /// so that edits and deletions made while the stream was down still arrive. Also the number remembered per
    /// instance and tag, and saved in <see cref="StateFile"/> so a restart reconciles too. Default 100; 0 turns
    /// reconciliation off.
    /// </summary>
    [Range(0, 10_000)]
    public int ReconcileMaxStatuses { get; set; } = 100;

    /// <summary>Statuses created longer ago than this (by <c>created_at</c>) are not re-checked after a gap. Default 1 day.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan ReconcileMaxAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Largest event accepted; larger ones are dead-lettered. Default 1 MiB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxEventBytes { get; set; } = 1024 * 1024;
}

/// <summary>How <c>MastodonHashtagSource</c> streams.</summary>
public enum MastodonStreamingTransport
{
    /// <summary>HTTP Server-Sent Events: <c>GET /api/v1/streaming/hashtag?tag=…</c>.</summary>
    ServerSentEvents,

    /// <summary>WebSocket: <c>/api/v1/streaming?stream=hashtag&amp;tag=…</c>.</summary>
    WebSocket,
}
