using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace TweetStream.Function;

/// <summary>How the pipeline settled a pushed message.</summary>
internal enum PushSettlement
{
    /// <summary>Committed by every sink, filtered, or dead-lettered: answer 2xx.</summary>
    Acknowledged,

    /// <summary>Not delivered by this run: answer 5xx so Pub/Sub redelivers.</summary>
    Rejected,
}

/// <summary>Why a message could not be handed to the pipeline.</summary>
internal enum PushEnqueueResult
{
    Accepted,
    Busy,
    Stopped,
}

/// <summary>
/// The pipeline's source for push delivery: each HTTP request enqueues one item whose acknowledgement completes
/// the task the request awaits. Pub/Sub keeps the message until the request answers 2xx, so redelivery is its job.
/// </summary>
/// <remarks>
/// A pull source to the pipeline (it waits when the pipeline is busy); the bounded queue in front of it
/// answers 429 when full, which is how backpressure reaches Pub/Sub.
/// </remarks>
internal sealed class PushSource : ITweetSource, IAcknowledgementHandler
{
    public const string SourceName = "pubsub-push";

    private readonly Channel<SourceItem> _queue;
    private long _sequence;
    private volatile bool _stopped;

    public PushSource(int capacity)
    {
        Capacity = capacity;
        _queue = Channel.CreateBounded<SourceItem>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string Name => SourceName;

    public int Capacity { get; }

    /// <summary>Creates the item with its acknowledgement and queues it for the pipeline.</summary>
    /// <param name="create">Builds the item around the acknowledgement it must carry.</param>
    /// <param name="settlement">Completes when the pipeline settled the item.</param>
    public PushEnqueueResult TryEnqueue(Func<Acknowledgement, SourceItem> create, out Task<PushSettlement> settlement)
    {
        var completion = new TaskCompletionSource<PushSettlement>(TaskCreationOptions.RunContinuationsAsynchronously);
        settlement = completion.Task;
        if (_stopped)
        {
            return PushEnqueueResult.Stopped;
        }

        var item = create(new Acknowledgement(this, Interlocked.Increment(ref _sequence), completion));
        if (_queue.Writer.TryWrite(item))
        {
            return PushEnqueueResult.Accepted;
        }

        return _stopped ? PushEnqueueResult.Stopped : PushEnqueueResult.Busy;
    }

    public async IAsyncEnumerable<SourceItem> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            // The pipeline stops reading: whatever is still queued will not be delivered by this process.
            _stopped = true;
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var left))
            {
                Settle(left.Acknowledgement.State, PushSettlement.Rejected);
            }
        }
    }

    public ValueTask AcknowledgeAsync(long token, object? state, CancellationToken cancellationToken)
    {
        Settle(state, PushSettlement.Acknowledged);
        return ValueTask.CompletedTask;
    }

    public ValueTask RejectAsync(long token, object? state, CancellationToken cancellationToken)
    {
        Settle(state, PushSettlement.Rejected);
        return ValueTask.CompletedTask;
    }

    private static void Settle(object? state, PushSettlement settlement) =>
        (state as TaskCompletionSource<PushSettlement>)?.TrySetResult(settlement);
}
