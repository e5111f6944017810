using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace TweetStream.Tests.Support;

/// <summary>Records acknowledgements and rejections per token.</summary>
public sealed class RecordingAckHandler : IAcknowledgementHandler
{
    public ConcurrentQueue<long> Acked { get; } = new();

    public ConcurrentQueue<long> Rejected { get; } = new();

    public ValueTask AcknowledgeAsync(long token, object? state, CancellationToken cancellationToken)
    {
        Acked.Enqueue(token);
        return ValueTask.CompletedTask;
    }

    public ValueTask RejectAsync(long token, object? state, CancellationToken cancellationToken)
    {
        Rejected.Enqueue(token);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A source fed from a channel (or a fixed list), acknowledging through a <see cref="RecordingAckHandler"/>.</summary>
public sealed class InMemorySource : ITweetSource
{
    private readonly Channel<SourceItem> _items = Channel.CreateUnbounded<SourceItem>();

    public InMemorySource(SourceDelivery delivery = SourceDelivery.Pull) => Delivery = delivery;

    public string Name => "memory";

    public SourceDelivery Delivery { get; }

    public RecordingAckHandler Acks { get; } = new();

    /// <summary>Adds a post whose acknowledgement token is <paramref name="token"/>.</summary>
    public void Add(Post post, long token) =>
        _items.Writer.TryWrite(SourceItem.ForPost(post, 200, new Acknowledgement(Acks, token)));

    public void AddMalformed(string reason, byte[] raw, long token) =>
        _items.Writer.TryWrite(SourceItem.Malformed(reason, raw, new Acknowledgement(Acks, token)));

    /// <summary>Ends the source after the items added so far.</summary>
    public void Complete() => _items.Writer.TryComplete();

    public async IAsyncEnumerable<SourceItem> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await _items.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (_items.Reader.TryRead(out var item))
            {
                yield return item;
            }
        }
    }
}

/// <summary>A sink that keeps what it committed; a hook decides per call what fails.</summary>
public sealed class CollectingSink(string name = "collect") : ISink
{
    private readonly ConcurrentQueue<Post> _committed = new();

    public string Name { get; } = name;

    /// <summary>Runs before committing; may mark items or throw.</summary>
    public Func<SinkBatch, int, CancellationToken, ValueTask>? OnWrite { get; set; }

    public int Calls => _calls;

    private int _calls;

    public IReadOnlyCollection<Post> Committed => _committed;

    public async ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        if (OnWrite is not null)
        {
            await OnWrite(batch, call, cancellationToken).ConfigureAwait(false);
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (batch.GetFailure(i) is null)
            {
                _committed.Enqueue(batch[i]);
            }
        }
    }
}

/// <summary>Keeps dead letters in memory.</summary>
public sealed class CollectingDeadLetterSink : IDeadLetterSink
{
    public ConcurrentQueue<DeadLetter> Items { get; } = new();

    public Func<int, ValueTask>? OnWrite { get; set; }

    private int _calls;

    public async ValueTask WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        if (OnWrite is not null)
        {
            await OnWrite(call).ConfigureAwait(false);
        }

        foreach (var d in deadLetters)
        {
            Items.Enqueue(d);
        }
    }
}

public static class Posts
{
    public static Post Make(int n, string handle = "someuser", DateTimeOffset? createdAt = null) => new()
    {
        Id = "x:" + n,
        Source = "x",
        CreatedAt = createdAt ?? new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero).AddSeconds(n),
        Text = "post " + n + " #london",
        Author = new PostAuthor("9" + n, handle, "Some User"),
        Hashtags = ["london"],
        MatchedRules = ["london"],
    };
}
