using System.Collections.Concurrent;

namespace TweetStream.Testing.Tests.Support;

/// <summary>A store the broken sinks write to: every write appends one record, so duplicates show.</summary>
public sealed class AppendStore
{
    private readonly ConcurrentQueue<StoredPost> _records = new();

    public void Add(Post post) =>
        _records.Enqueue(post.IsTombstone ? new StoredPost(post.Id, string.Empty, Deleted: true) : new StoredPost(post.Id, post.Text));

    public ValueTask<IReadOnlyList<StoredPost>> ReadAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<StoredPost>>([.. _records]);
}

/// <summary>Appends every post it is given: a redelivery is stored twice.</summary>
public sealed class DuplicateWritingSink(AppendStore store) : ISink
{
    public string Name => "duplicates";

    public ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var post in batch)
        {
            store.Add(post);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>Upserts correctly but never looks at its cancellation token.</summary>
public sealed class CancellationIgnoringSink(InMemorySink store) : ISink
{
    public string Name => "deaf";

    public ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken) =>
        store.WriteAsync(batch, CancellationToken.None);
}

/// <summary>Upserts correctly but silently skips every seventh post: neither stored nor marked.</summary>
public sealed class ItemLosingSink(InMemorySink store) : ISink
{
    public string Name => "lossy";

    public ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken) =>
        store.WriteAsync(new SinkBatch([.. batch.Where((_, i) => i % 7 != 3)]), cancellationToken);
}

/// <summary>Keeps posts in a buffer and writes them only on flush: dispose without flush loses them.</summary>
public sealed class FlushOnlySink(InMemorySink store) : ISink
{
    private readonly List<Post> _buffer = [];

    public string Name => "buffered";

    public ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _buffer.AddRange(batch);
        return ValueTask.CompletedTask;
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        await store.WriteAsync(new SinkBatch(_buffer), cancellationToken);
        _buffer.Clear();
    }
}

/// <summary>Deletes on a tombstone, but a late redelivery of the post brings it back.</summary>
public sealed class ResurrectingSink : ISink
{
    private readonly ConcurrentDictionary<string, Post> _posts = new(StringComparer.Ordinal);

    public string Name => "resurrecting";

    public ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var post in batch)
        {
            if (post.IsTombstone)
            {
                _posts.TryRemove(post.Id, out _);
            }
            else
            {
                _posts[post.Id] = post;
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<StoredPost>> ReadAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<StoredPost>>([.. _posts.Values.Select(p => new StoredPost(p.Id, p.Text))]);
}

/// <summary>
/// Not safe under concurrent calls: two calls that overlap corrupt each other's records (as two writers
/// interleaving lines in one file would). The overlap is forced, not left to chance.
/// </summary>
public sealed class ThreadUnsafeSink(InMemorySink store) : ISink
{
    private readonly SemaphoreSlim _both = new(0);
    private int _inside;

    public string Name => "unsafe";

    public async ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        var overlapped = Interlocked.Increment(ref _inside) > 1;
        try
        {
            if (overlapped)
            {
                _both.Release(); // let the first call go on: both are inside now
            }
            else
            {
                // The first call waits briefly for a second one; if none comes, the calls are serialized.
                overlapped = await _both.WaitAsync(TimeSpan.FromMilliseconds(200), cancellationToken);
            }

            var posts = overlapped ? batch.Select(p => p with { Text = p.Text[..^1] }) : batch;
            await store.WriteAsync(new SinkBatch([.. posts]), cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inside);
        }
    }
}
