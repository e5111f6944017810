namespace TweetStream.Testing;

/// <summary>A thread-safe sink that keeps posts in memory: upsert by id, tombstones delete for good.</summary>
/// <remarks>It passes <see cref="SinkConformance"/> at any parallelism, so it also shows what a conforming sink does.</remarks>
public sealed class InMemorySink : ISink
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Post> _posts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deleted = new(StringComparer.Ordinal);
    private int _writes;

    /// <summary>Creates the sink.</summary>
    /// <param name="name">The sink's name in metrics and logs. Default <c>memory</c>.</param>
    public InMemorySink(string name = "memory") => Name = name;

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The live posts by id (deleted ones removed).</summary>
    public IReadOnlyDictionary<string, Post> Posts
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<string, Post>(_posts, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Ids of posts deleted by a tombstone.</summary>
    public IReadOnlyCollection<string> DeletedIds
    {
        get
        {
            lock (_lock)
            {
                return [.. _deleted];
            }
        }
    }

    /// <summary>How many <see cref="WriteAsync"/> calls completed.</summary>
    public int WriteCount => Volatile.Read(ref _writes);

    /// <inheritdoc />
    public ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            foreach (var post in batch)
            {
                if (post.IsTombstone)
                {
                    _posts.Remove(post.Id);
                    _deleted.Add(post.Id);
                }
                else if (!_deleted.Contains(post.Id))
                {
                    _posts[post.Id] = post;
                }
            }
        }

        Interlocked.Increment(ref _writes);
        return ValueTask.CompletedTask;
    }

    /// <summary>The store as <see cref="SinkConformanceOptions.ReadStoredAsync"/> reads it.</summary>
    /// <param name="cancellationToken">Unused; the read is in memory.</param>
    /// <returns>One record per live or deleted id.</returns>
    public ValueTask<IReadOnlyList<StoredPost>> ReadStoredAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<StoredPost> records =
            [
                .. _posts.Values.Select(p => new StoredPost(p.Id, p.Text)),
                .. _deleted.Select(id => new StoredPost(id, string.Empty, Deleted: true)),
            ];
            return ValueTask.FromResult(records);
        }
    }
}
