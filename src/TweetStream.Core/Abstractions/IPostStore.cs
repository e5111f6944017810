namespace TweetStream;

/// <summary>Reads stored posts by creation time, for dashboards and APIs.</summary>
/// <remarks>
/// <para>Implementations are thread-safe. Deleted posts never appear in results. Every read is bounded by its
/// range and page size, and every value travels as a query parameter.</para>
/// <para>Posts are ordered by (<see cref="Post.CreatedAt"/>, <see cref="Post.Id"/>) descending, ordinal on the id.
/// Page through a range with <see cref="PostQuery.After"/> (keyset paging) and a fixed <see cref="PostQuery.To"/>:
/// posts stored meanwhile then never shift a page, so no page repeats or skips a post.</para>
/// </remarks>
public interface IPostStore
{
    /// <summary>Returns one page of posts created in [<see cref="PostQuery.From"/>, <see cref="PostQuery.To"/>) that match the filter, newest first.</summary>
    /// <param name="query">The range, filter and page.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    ValueTask<PostPage> QueryAsync(PostQuery query, CancellationToken cancellationToken);

    /// <summary>Returns posts per hour, redactions per entity type, posts per source and the top hashtags for the range and filter.</summary>
    /// <param name="query">The range, filter and hour alignment.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    ValueTask<PostStatistics> GetStatisticsAsync(PostStatisticsQuery query, CancellationToken cancellationToken);
}

/// <summary>A date-range query with a filter and paging.</summary>
/// <param name="From">Inclusive start (UTC).</param>
/// <param name="To">Exclusive end (UTC). Keep it fixed while paging one range.</param>
/// <param name="Page">One-based page number, counted from <see cref="After"/> when that is set.</param>
/// <param name="PageSize">Items per page; stores cap it at their configured maximum.</param>
public sealed record PostQuery(DateTimeOffset From, DateTimeOffset To, int Page = 1, int PageSize = 50)
{
    /// <summary>Keyset paging: only posts strictly after this position (older, or as old with a smaller id). Default none: from the newest.</summary>
    public PostCursor? After { get; init; }

    /// <summary>Only posts matching this filter. Default none: every post in the range.</summary>
    public PostFilter? Filter { get; init; }
}

/// <summary>A position in the (created_at, id) descending order: the last post of a page.</summary>
/// <param name="CreatedAt">The post's creation time (UTC).</param>
/// <param name="Id">The post's id.</param>
public sealed record PostCursor(DateTimeOffset CreatedAt, string Id)
{
    /// <summary>The position of <paramref name="post"/>.</summary>
    /// <param name="post">The last post shown.</param>
    /// <returns>A cursor that continues after the post.</returns>
    public static PostCursor Of(Post post)
    {
        ArgumentNullException.ThrowIfNull(post);
        return new PostCursor(post.CreatedAt, post.Id);
    }
}

/// <summary>Narrows a query; every set criterion must hold. Empty or null criteria are ignored.</summary>
/// <param name="Text">Words that must all occur in the (redacted) text, case-insensitive; a word matches as a prefix in stores with a full-text index.</param>
/// <param name="Source">The exact source name (<c>x</c>, <c>mastodon</c>, <c>bluesky</c>, <c>replay</c>, …).</param>
/// <param name="Hashtag">A hashtag without <c>#</c>, case-insensitive.</param>
/// <param name="RedactionType">An entity type that was redacted in the post (<c>EMAIL</c>, <c>PHONE_NUMBER</c>, …).</param>
public sealed record PostFilter(string? Text = null, string? Source = null, string? Hashtag = null, string? RedactionType = null)
{
    /// <summary>Longest <see cref="Text"/> accepted, in characters.</summary>
    public const int MaxTextLength = 200;

    /// <summary>Most words in <see cref="Text"/>; more are refused rather than truncated.</summary>
    public const int MaxWords = 8;

    /// <summary>Whether no criterion is set.</summary>
    public bool IsEmpty => string.IsNullOrWhiteSpace(Text) && string.IsNullOrEmpty(Source) && string.IsNullOrEmpty(Hashtag) && string.IsNullOrEmpty(RedactionType);

    /// <summary>The words of <see cref="Text"/>, split on white space, at most <see cref="MaxWords"/>.</summary>
    /// <returns>The words, possibly none.</returns>
    public IReadOnlyList<string> Words()
    {
        var words = (Text ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return words.Length > MaxWords ? words[..MaxWords] : words;
    }
}

/// <summary>The range and filter of the aggregates.</summary>
/// <param name="From">Inclusive start (UTC).</param>
/// <param name="To">Exclusive end (UTC).</param>
public sealed record PostStatisticsQuery(DateTimeOffset From, DateTimeOffset To)
{
    /// <summary>Only posts matching this filter. Default none.</summary>
    public PostFilter? Filter { get; init; }

    /// <summary>
    /// Where hours start, as an offset from UTC (whole minutes, within ±14 h): +05:30 makes buckets start at
    /// 10:30 UTC (16:00 in Kolkata), so a viewer's local hours line up with the bars. Default zero.
    /// </summary>
    public TimeSpan HourOffset { get; init; }

    /// <summary>How many hashtags <see cref="PostStatistics.TopHashtags"/> holds at most. Default 10.</summary>
    public int TopHashtags { get; init; } = 10;
}

/// <summary>One page of a date-range query.</summary>
/// <param name="Items">The posts, newest first.</param>
/// <param name="TotalCount">How many posts the whole range holds (with the filter; <see cref="PostQuery.After"/> does not narrow it).</param>
/// <param name="Page">One-based page number.</param>
/// <param name="PageSize">Items per page.</param>
public sealed record PostPage(IReadOnlyList<Post> Items, long TotalCount, int Page, int PageSize)
{
    /// <summary>Where the next page starts, or null when this page was not full.</summary>
    public PostCursor? Next => Items.Count >= PageSize && Items.Count > 0 ? PostCursor.Of(Items[^1]) : null;
}

/// <summary>Aggregates over a date range.</summary>
/// <param name="PostsPerHour">Start of each hour (UTC, aligned to <see cref="PostStatisticsQuery.HourOffset"/>) with its post count; hours without posts are absent.</param>
/// <param name="RedactionsByType">Posts with at least one redaction of each entity type.</param>
public sealed record PostStatistics(
    IReadOnlyList<KeyValuePair<DateTimeOffset, long>> PostsPerHour,
    IReadOnlyDictionary<string, long> RedactionsByType)
{
    /// <summary>Posts per source. Default empty.</summary>
    public IReadOnlyDictionary<string, long> PostsBySource { get; init; } = new Dictionary<string, long>();

    /// <summary>The most used hashtags (lower case), most posts first, then by name. Default empty.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> TopHashtags { get; init; } = [];
}
