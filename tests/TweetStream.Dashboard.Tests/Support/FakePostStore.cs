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
            var matching = _posts
                .Where(p => !p.IsTombstone && p.CreatedAt >= query.From && p.CreatedAt < query.To)
                .OrderByDescending(p => p.CreatedAt)
                .ThenByDescending(p => p.Id, StringComparer.Ordinal)
                .ToList();
            var items = matching.Skip((query.Page - 1) * query.PageSize).Take(query.PageSize).ToList();
            return ValueTask.FromResult(new PostPage(items, matching.Count, query.Page, query.PageSize));
        }
    }

    public ValueTask<PostStatistics> GetStatisticsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        RequireUtc(from, to);
        StatisticsQueries.Enqueue((from, to));
        lock (_gate)
        {
            var matching = _posts.Where(p => !p.IsTombstone && p.CreatedAt >= from && p.CreatedAt < to).ToList();
            var perHour = matching
                .GroupBy(p => new DateTimeOffset(p.CreatedAt.Year, p.CreatedAt.Month, p.CreatedAt.Day, p.CreatedAt.Hour, 0, 0, TimeSpan.Zero))
                .OrderBy(g => g.Key)
                .Select(g => new KeyValuePair<DateTimeOffset, long>(g.Key, g.Count()))
                .ToList();
            var byType = matching
                .SelectMany(p => p.PiiTypes.Distinct())
                .GroupBy(t => t)
                .ToDictionary(g => g.Key, g => (long)g.Count());
            return ValueTask.FromResult(new PostStatistics(perHour, byType));
        }
    }

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
        PiiTypes = piiTypes,
    };
}
