namespace TweetStream;

/// <summary>Reads stored posts by creation time, for dashboards and APIs.</summary>
/// <remarks>Implementations are thread-safe. Deleted posts never appear in results.</remarks>
public interface IPostStore
{
    /// <summary>Returns one page of posts created in [<see cref="PostQuery.From"/>, <see cref="PostQuery.To"/>), newest first.</summary>
    /// <param name="query">The range and page.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    ValueTask<PostPage> QueryAsync(PostQuery query, CancellationToken cancellationToken);

    /// <summary>Returns posts per hour and redactions per entity type for the range.</summary>
    /// <param name="from">Inclusive start (UTC).</param>
    /// <param name="to">Exclusive end (UTC).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    ValueTask<PostStatistics> GetStatisticsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

/// <summary>A date-range query with paging.</summary>
/// <param name="From">Inclusive start (UTC).</param>
/// <param name="To">Exclusive end (UTC).</param>
/// <param name="Page">One-based page number.</param>
/// <param name="PageSize">Items per page.</param>
public sealed record PostQuery(DateTimeOffset From, DateTimeOffset To, int Page = 1, int PageSize = 50);

/// <summary>One page of a date-range query.</summary>
/// <param name="Items">The posts, newest first.</param>
/// <param name="TotalCount">How many posts the whole range holds.</param>
/// <param name="Page">One-based page number.</param>
/// <param name="PageSize">Items per page.</param>
public sealed record PostPage(IReadOnlyList<Post> Items, long TotalCount, int Page, int PageSize);

/// <summary>Aggregates over a date range.</summary>
/// <param name="PostsPerHour">Start of each hour (UTC) with its post count; hours without posts are absent.</param>
/// <param name="RedactionsByType">Posts with at least one redaction of each entity type.</param>
public sealed record PostStatistics(
    IReadOnlyList<KeyValuePair<DateTimeOffset, long>> PostsPerHour,
    IReadOnlyDictionary<string, long> RedactionsByType);
