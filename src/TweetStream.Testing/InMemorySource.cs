using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace TweetStream.Testing;

/// <summary>A finite source over posts in memory that records which items were acknowledged or rejected.</summary>
public sealed class InMemorySource : ITweetSource, IAcknowledgementHandler
{
    private readonly IReadOnlyList<SourceItem> _items;
    private readonly ConcurrentDictionary<long, int> _acknowledged = new();
    private readonly ConcurrentDictionary<long, int> _rejected = new();
    private readonly TaskCompletionSource _allAcknowledged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates a source that yields the posts in order, then ends.</summary>
    /// <param name="posts">The posts.</param>
    /// <param name="name">The source's name. Default <c>memory</c>.</param>
    public InMemorySource(IEnumerable<Post> posts, string name = "memory")
    {
        ArgumentNullException.ThrowIfNull(posts);
        Name = name;
        _items = [.. posts.Select((p, i) => SourceItem.ForPost(p, p.Text.Length + 64, new Acknowledgement(this, i)))];
        if (_items.Count == 0)
        {
            _allAcknowledged.TrySetResult();
        }
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>How many items the source holds.</summary>
    public int Count => _items.Count;

    /// <summary>Indexes of the items acknowledged at least once.</summary>
    public IReadOnlyCollection<long> Acknowledged => [.. _acknowledged.Keys];

    /// <summary>Indexes of the items rejected (shed) at least once.</summary>
    public IReadOnlyCollection<long> Rejected => [.. _rejected.Keys];

    /// <summary>Completes when every item was acknowledged.</summary>
    public Task AllAcknowledged => _allAcknowledged.Task;

    /// <inheritdoc />
    public async IAsyncEnumerable<SourceItem> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var item in _items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
            await Task.Yield();
        }
    }

    ValueTask IAcknowledgementHandler.AcknowledgeAsync(long token, object? state, CancellationToken cancellationToken)
    {
        _acknowledged.AddOrUpdate(token, 1, (_, n) => n + 1);
        if (_acknowledged.Count == _items.Count)
        {
            _allAcknowledged.TrySetResult();
        }

        return ValueTask.CompletedTask;
    }

    ValueTask IAcknowledgementHandler.RejectAsync(long token, object? state, CancellationToken cancellationToken)
    {
        _rejected.AddOrUpdate(token, 1, (_, n) => n + 1);
        return ValueTask.CompletedTask;
    }
}
