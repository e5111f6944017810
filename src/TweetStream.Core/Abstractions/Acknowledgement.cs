namespace TweetStream;

/// <summary>Receives the settlement of the items a source produced.</summary>
/// <remarks>
/// Called from pipeline worker threads, possibly concurrently and out of order; implementations must
/// be thread-safe. Each item is settled at most once: acknowledged (every sink committed it or it was
/// dead-lettered) or rejected (it will not be delivered by this run; redeliver it if the source can).
/// Items still in flight when the pipeline stops are neither.
/// </remarks>
public interface IAcknowledgementHandler
{
    /// <summary>The item is delivered or dead-lettered: the source may forget it.</summary>
    /// <param name="token">The token the source attached to the item.</param>
    /// <param name="state">The state the source attached to the item.</param>
    /// <param name="cancellationToken">Cancelled when the pipeline is stopping hard.</param>
    ValueTask AcknowledgeAsync(long token, object? state, CancellationToken cancellationToken);

    /// <summary>The item could not be delivered now; redeliver it if the source can (Pub/Sub nack).</summary>
    /// <param name="token">The token the source attached to the item.</param>
    /// <param name="state">The state the source attached to the item.</param>
    /// <param name="cancellationToken">Cancelled when the pipeline is stopping hard.</param>
    ValueTask RejectAsync(long token, object? state, CancellationToken cancellationToken);
}

/// <summary>How one item is settled with its source: a handler plus the source's token for the item.</summary>
/// <param name="Handler">The source's handler; null when the source needs no acknowledgement.</param>
/// <param name="Token">A value the source uses to find the item (an offset, a sequence number).</param>
/// <param name="State">Optional state (an ack id).</param>
public readonly record struct Acknowledgement(IAcknowledgementHandler? Handler, long Token, object? State = null)
{
    /// <summary>Tells the source the item is settled.</summary>
    /// <param name="cancellationToken">Cancellation.</param>
    public ValueTask AcknowledgeAsync(CancellationToken cancellationToken) =>
        Handler?.AcknowledgeAsync(Token, State, cancellationToken) ?? ValueTask.CompletedTask;

    /// <summary>Tells the source the item was not delivered.</summary>
    /// <param name="cancellationToken">Cancellation.</param>
    public ValueTask RejectAsync(CancellationToken cancellationToken) =>
        Handler?.RejectAsync(Token, State, cancellationToken) ?? ValueTask.CompletedTask;
}
