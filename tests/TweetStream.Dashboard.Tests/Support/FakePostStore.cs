using System.Collections.Concurrent;

namespace TweetStream.Dashboard.Tests.Support;

/// <summary>An in-memory <see cref="IPostStore"/> that records every query and enforces the contract's UTC ranges.</summary>
public sealed class FakePostStore : IPostStore
{
    private readonly List<Post> _posts = [];
    private readonly Lock _gate = new();
    private int _queryCount;

    public ConcurrentQueue<PostQuery> Queries { get; } = new();

    public ConcurrentQueue<(DateTimeOffset From, DateTimeOffset To)> StatisticsQueries { get; } = new();

    public int QueryCount => Volatile.Read(ref _queryCount);

    public void Add(params Post[] posts)
    {
        lock (_gate)
        {
            _posts.RemoveAll(p => posts.Any(n => n.Id == p.Id));
            _posts.AddRange(posts);
        }
    }

    public ValueTask<PostPage> QueryAsync(PostQuery query, CancellationToken cancellationToken)
    {
        RequireUtc(query.From, query.To);
        if (query.Page < 1 || query.PageSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(query), "page and page size start at 1");
        }

        Queries.Enqueue(query);
        Interlocked.Increment(ref _queryCount);
        lock (_gate)
        {
            var matching = Matching(query.From, query.To, query.Filter)
                .OrderByDescending(p => p.CreatedAt)
                .ThenByDescending(p => p.Id, StringComparer.Ordinal)
                .ToList();
            var after = query.After is { } a
                ? matching.Where(p => p.CreatedAt < a.CreatedAt || (p.CreatedAt == a.CreatedAt && string.CompareOrdinal(p.Id, a.Id) < 0))
                : matching;
            var items = after.Skip((query.Page - 1) * query.PageSize).Take(query.PageSize).ToList();
            return ValueTask.FromResult(new PostPage(items, matching.Count, query.Page, query.PageSize));
        }
    }

    public ValueTask<PostStatistics> GetStatisticsAsync(PostStatisticsQuery query, CancellationToken cancellationToken)
    {
        RequireUtc(query.From, query.To);
        StatisticsQueries.Enqueue((query.From, query.To));
        StatisticsRequests.Enqueue(query);
        lock (_gate)
        {
            var matching = Matching(query.From, query.To, query.Filter).ToList();
            var perHour = matching
                .GroupBy(p => DashboardEndpoints.TruncateToHour(p.CreatedAt, query.HourOffset))
                .OrderBy(g => g.Key)
                .Select(g => new KeyValuePair<DateTimeOffset, long>(g.Key, g.Count()))
                .ToList();
            var byType = matching
                .SelectMany(p => p.PiiTypes.Distinct())
                .GroupBy(t => t)
                .ToDictionary(g => g.Key, g => (long)g.Count());
            var bySource = matching.GroupBy(p => p.Source).ToDictionary(g => g.Key, g => (long)g.Count());
            var tags = matching
                .SelectMany(p => p.Hashtags.Select(h => h.ToLowerInvariant()).Distinct())
                .GroupBy(t => t)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Take(query.TopHashtags)
                .Select(g => new KeyValuePair<string, long>(g.Key, g.Count()))
                .ToList();
            return ValueTask.FromResult(new PostStatistics(perHour, byType) { PostsBySource = bySource, TopHashtags = tags });
        }
    }

    public ConcurrentQueue<PostStatisticsQuery> StatisticsRequests { get; } = new();

    private IEnumerable<Post> Matching(DateTimeOffset from, DateTimeOffset to, PostFilter? filter) =>
        _posts.Where(p => !p.IsTombstone && p.CreatedAt >= from && p.CreatedAt < to
            && (filter is null || (
                (string.IsNullOrEmpty(filter.Source) || p.Source == filter.Source)
                && (string.IsNullOrEmpty(filter.Hashtag) || p.Hashtags.Contains(filter.Hashtag, StringComparer.OrdinalIgnoreCase))
                && (string.IsNullOrEmpty(filter.RedactionType) || p.PiiTypes.Contains(filter.RedactionType))
                && filter.Words().All(w => p.Text.Contains(w, StringComparison.OrdinalIgnoreCase)))));

    private static void RequireUtc(DateTimeOffset from, DateTimeOffset to)
    {
        if (from.Offset != TimeSpan.Zero || to.Offset != TimeSpan.Zero)
        {
            throw new ArgumentException("IPostStore ranges are UTC");
        }
    }

    public static Post Make(string id, DateTimeOffset createdAt, string text = "hello #london", string handle = "k1:abc123", bool hashed = true, params string[] piiTypes) => new()
    {
        Id = id,
        Source = "x",
        CreatedAt = createdAt,
        ReceivedAt = createdAt,
        Text = text,
        Author = new PostAuthor("k1:id", handle) { IsHashed = hashed },
        MatchedRules = ["london"],
        Hashtags = text.Contains("#london", StringComparison.Ordinal) ? ["london"] : [],
        PiiTypes = piiTypes,
    };
}
