using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace TweetStream;

/// <summary>Settings of the X API v2 filtered-stream source (<c>AddXFilteredStream</c>).</summary>
/// <remarks>
/// <para>Bind from <c>TweetStream:X</c>; validated at start-up. Put <see cref="BearerToken"/> in user secrets
/// or the environment (<c>TweetStream__X__BearerToken</c>), never in a committed file; it is never logged.</para>
/// <para>Rule ownership: the source owns the server-side rules whose tag starts with <see cref="OwnedTagPrefix"/>.
/// Configured rules are created with that prefix in front of their tag, stale owned rules are deleted, and rules
/// of other apps or people sharing the X app are left alone unless <see cref="DeleteForeignRules"/> is set.
/// Posts carry the configured tag (prefix removed) in <see cref="Post.MatchedRules"/>.</para>
/// </remarks>
public sealed class XFilteredStreamOptions
{
    /// <summary>The app-only Bearer Token from the X developer console. Required; never logged.</summary>
    [Required]
    public string? BearerToken { get; set; }

    /// <summary>The rules the stream should hold. At least one (unless <see cref="SyncRules"/> is false), at most 1000.</summary>
    [ValidateEnumeratedItems]
    [MaxLength(1000)]
    public IList<XStreamRuleOptions> Rules { get; } = [];

    /// <summary>The API host. Default <c>https://api.x.com</c>; override for proxies and tests.</summary>
    [Required]
    public Uri BaseAddress { get; set; } = new("https://api.x.com");

    /// <summary>
    /// Tag prefix that marks the rules this source owns. Default <c>tweetstream:</c>. Empty means every rule
    /// on the app is owned (and stale ones are deleted).
    /// </summary>
    [MaxLength(64)]
    public string OwnedTagPrefix { get; set; } = "tweetstream:";

    /// <summary>Also delete rules that are not owned (a dedicated X app). Default false: foreign rules stay.</summary>
    public bool DeleteForeignRules { get; set; }

    /// <summary>Synchronise the server's rules with <see cref="Rules"/> before connecting. Default true.</summary>
    public bool SyncRules { get; set; } = true;

    /// <summary>Longest rule value accepted by validation. Default 1024 (pay-per-use and Pro); Enterprise allows 2048.</summary>
    [Range(1, 2048)]
    public int MaxRuleLength { get; set; } = 1024;

    /// <summary><c>tweet.fields</c>. Default <c>created_at,lang,entities,author_id</c> (what the post model needs).</summary>
    [Required]
    public string TweetFields { get; set; } = "created_at,lang,entities,author_id";

    /// <summary><c>expansions</c>. Default <c>author_id</c>, so the author's handle arrives in <c>includes.users</c>.</summary>
    [Required]
    public string Expansions { get; set; } = "author_id";

    /// <summary><c>user.fields</c>. Default <c>username</c>.</summary>
    [Required]
    public string UserFields { get; set; } = "username";

    /// <summary>
    /// <c>backfill_minutes</c> sent with every connection (0–5; X serves it to Enterprise apps only), so a reconnect
    /// replays what the gap missed. Default 0 (none). Duplicates it replays are dropped by the source.
    /// </summary>
    [Range(0, 5)]
    public int BackfillMinutes { get; set; }

    /// <summary>
    /// Time without a single byte (data or keep-alive) after which the connection counts as stalled and is
    /// replaced. X sends a keep-alive at least every 20 s and they often land a little late. Default 21 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(21);

    /// <summary>
    /// On HTTP 429 <c>TooManyConnections</c>, end the app's stale stream connections with
    /// <c>DELETE /2/connections/all</c> and reconnect. Default false (another process may hold the connection legitimately).
    /// </summary>
    public bool ClearStaleConnections { get; set; }

    /// <summary>How many recent post ids are remembered to drop duplicates across reconnects and backfill. Default 100,000.</summary>
    [Range(0, 10_000_000)]
    public int DeduplicationCapacity { get; set; } = 100_000;

    /// <summary>Timeout of each rules or connections API call (not the stream). Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest accepted stream line; longer lines become malformed items. Default 1 MiB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxLineBytes { get; set; } = 1024 * 1024;
}

/// <summary>One filtered-stream rule: an X query and the tag its posts are labelled with.</summary>
public sealed class XStreamRuleOptions
{
    /// <summary>The rule, e.g. <c>#london -is:retweet</c>. Required.</summary>
    [Required]
    public string? Value { get; set; }

    /// <summary>The label posts matching the rule carry in <see cref="Post.MatchedRules"/>, e.g. <c>london</c>. Required and unique.</summary>
    [Required]
    [MaxLength(200)]
    public string? Tag { get; set; }
}
