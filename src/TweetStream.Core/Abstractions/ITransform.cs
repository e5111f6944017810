namespace TweetStream;

/// <summary>Changes, filters or rejects the posts of a batch before they reach the sinks.</summary>
/// <remarks>
/// <para>Transforms run in registration order on each batch; one batch is handled by one call at a time,
/// but different batches run concurrently, so implementations must be thread-safe. The batch belongs to
/// the pipeline and is valid only until the returned task completes.</para>
/// <para>Per item a transform may <see cref="TransformBatch.Replace"/> the post, <see cref="TransformBatch.Drop"/>
/// it (filtered: acknowledged, not written) or <see cref="TransformBatch.Fail"/> it (dead-lettered with the
/// reason); the rest of the batch goes on. Throwing fails the whole batch: a
/// <see cref="TransientException"/> makes the pipeline retry the transform with backoff, anything else
/// dead-letters every item in the batch with the exception message as reason.</para>
/// </remarks>
public interface ITransform
{
    /// <summary>Name used in metrics, logs and dead-letter records.</summary>
    string Name { get; }

    /// <summary>Transforms the batch in place.</summary>
    /// <param name="batch">The active items of the batch.</param>
    /// <param name="cancellationToken">Cancelled when the pipeline stops hard.</param>
    ValueTask ApplyAsync(TransformBatch batch, CancellationToken cancellationToken);
}

/// <summary>Signals a failure that may succeed when retried (an outage, a quota, a timeout).</summary>
public class TransientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TransientException() { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public TransientException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public TransientException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>The posts of one batch as a transform sees them: only items still active.</summary>
public sealed class TransformBatch
{
    private readonly List<Pipeline.PipelineItem> _items;

    internal TransformBatch(List<Pipeline.PipelineItem> items) => _items = items;

    /// <summary>Number of items.</summary>
    public int Count => _items.Count;

    /// <summary>The post at <paramref name="index"/>.</summary>
    /// <param name="index">Zero-based index.</param>
    public Post this[int index] => _items[index].Post!;

    /// <summary>Replaces the post at <paramref name="index"/>; the id must stay the same.</summary>
    /// <param name="index">Zero-based index.</param>
    /// <param name="post">The changed post.</param>
    public void Replace(int index, Post post)
    {
        ArgumentNullException.ThrowIfNull(post);
        var item = _items[index];
        if (!string.Equals(item.Post!.Id, post.Id, StringComparison.Ordinal))
        {
            throw new ArgumentException("A transform must not change a post's id.", nameof(post));
        }

        item.Post = post;
    }

    /// <summary>Filters the item out: it is acknowledged without reaching any sink.</summary>
    /// <param name="index">Zero-based index.</param>
    public void Drop(int index) => _items[index].Outcome = Pipeline.ItemOutcome.Dropped;

    /// <summary>Rejects the item: it is dead-lettered with <paramref name="reason"/>.</summary>
    /// <param name="index">Zero-based index.</param>
    /// <param name="reason">Why; never include post text or handles.</param>
    public void Fail(int index, string reason)
    {
        var item = _items[index];
        item.Outcome = Pipeline.ItemOutcome.Failed;
        item.Reason = reason;
    }

    /// <summary>True when the item is still headed for the sinks (not dropped or failed).</summary>
    /// <param name="index">Zero-based index.</param>
    public bool IsActive(int index) => _items[index].Outcome == Pipeline.ItemOutcome.Pending;
}
