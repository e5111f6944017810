namespace TweetStream;

/// <summary>
/// One source-neutral social post, or a tombstone announcing that a post was deleted at its source.
/// </summary>
/// <remarks>
/// Instances are immutable; transforms produce changed copies with <c>with</c> expressions.
/// Until the handle-hashing transform has run, <see cref="Author"/> holds the raw handle: never log
/// a post or hand it to a sink before that transform.
/// </remarks>
public sealed record Post
{
    // Instants are held as UTC ticks: each transform copies the post, and three DateTimeOffsets (16, 16 and 24
    // bytes) made up a quarter of every copy. The instant is kept exactly; an offset other than UTC is not.
    private const long NotDeleted = -1;
    private readonly long _createdAt;
    private readonly long _receivedAt;
    private readonly long _deletedAt = NotDeleted;

    /// <summary>Source-qualified id, unique across sources: <c>x:123</c>, <c>mastodon:host:456</c>, <c>bluesky:did:…:rkey</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The source name: <c>x</c>, <c>mastodon</c>, <c>bluesky</c>, <c>replay</c>, …</summary>
    public required string Source { get; init; }

    /// <summary>When the post was created at its source, returned in UTC whatever offset it was given with.</summary>
    public required DateTimeOffset CreatedAt
    {
        get => new(_createdAt, TimeSpan.Zero);
        init => _createdAt = value.UtcTicks;
    }

    /// <summary>When this process received the post (UTC); the start of the end-to-end latency.</summary>
    public DateTimeOffset ReceivedAt
    {
        get => new(_receivedAt, TimeSpan.Zero);
        init => _receivedAt = value.UtcTicks;
    }

    /// <summary>The post's plain text; empty for tombstones.</summary>
    public string Text { get; init; } = string.Empty;

    /// <summary>The author; <see cref="PostAuthor.Unknown"/> for tombstones.</summary>
    public PostAuthor Author { get; init; } = PostAuthor.Unknown;

    /// <summary>BCP 47 language tag when the source reports one.</summary>
    public string? Language { get; init; }

    /// <summary>Hashtags without the leading <c>#</c>, as written.</summary>
    public IReadOnlyList<string> Hashtags { get; init; } = [];

    /// <summary>Public address of the post at its source, when known.</summary>
    public string? Url { get; init; }

    /// <summary>Tags (or ids where untagged) of the rules that matched the post.</summary>
    public IReadOnlyList<string> MatchedRules { get; init; } = [];

    /// <summary>Entity types a redaction transform removed from <see cref="Text"/> (never the values).</summary>
    public IReadOnlyList<string> PiiTypes { get; init; } = [];

    /// <summary>When set, this is a tombstone: the post with <see cref="Id"/> was deleted at this time.</summary>
    public DateTimeOffset? DeletedAt
    {
        get => _deletedAt == NotDeleted ? null : new DateTimeOffset(_deletedAt, TimeSpan.Zero);
        init => _deletedAt = value is { } deletedAt ? deletedAt.UtcTicks : NotDeleted;
    }

    /// <summary>True when this item announces a deletion rather than carrying a post.</summary>
    public bool IsTombstone => _deletedAt != NotDeleted;

    /// <summary>Creates a tombstone for a post deleted at its source.</summary>
    /// <param name="id">The source-qualified id of the deleted post.</param>
    /// <param name="source">The source name.</param>
    /// <param name="deletedAt">When the deletion happened or was received.</param>
    public static Post Tombstone(string id, string source, DateTimeOffset deletedAt) => new()
    {
        Id = id,
        Source = source,
        CreatedAt = deletedAt,
        ReceivedAt = deletedAt,
        DeletedAt = deletedAt,
    };
}

/// <summary>The author of a post.</summary>
/// <param name="Id">The author's id at the source (hashed together with the handle).</param>
/// <param name="Handle">The handle; raw from sources, a keyed hash after <c>HashHandles</c>.</param>
/// <param name="DisplayName">The display name; dropped by <c>HashHandles</c> because it identifies people too.</param>
public sealed record PostAuthor(string Id, string Handle, string? DisplayName = null)
{
    /// <summary>An author that is not known (tombstones, posts whose author reference did not resolve).</summary>
    public static PostAuthor Unknown { get; } = new(string.Empty, string.Empty) { IsHashed = true };

    /// <summary>True once <see cref="Id"/> and <see cref="Handle"/> hold keyed hashes instead of raw values.</summary>
    public bool IsHashed { get; init; }
}
