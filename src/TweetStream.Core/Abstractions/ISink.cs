using System.Collections;

namespace TweetStream;

/// <summary>Writes batches of posts somewhere: a database, a topic, a file.</summary>
/// <remarks>
/// <para>A sink only writes. Batching, retries with backoff, dead-lettering, metrics and logging live in
/// the pipeline: a sink never retries by itself. Write the batch and report what did not commit with
/// <see cref="SinkBatch.MarkRetryable"/> or <see cref="SinkBatch.MarkFailed"/>; items not marked count as
/// committed when the call returns. Throwing marks every item of the call retryable, except
/// <see cref="PermanentSinkException"/>, which marks every item failed.</para>
/// <para>The batch belongs to the pipeline and is valid only until the returned task completes. By default
/// the pipeline makes one <see cref="WriteAsync"/> call at a time per sink, so a sink needs no locking; a
/// sink that is safe under concurrent calls declares how many at registration
/// (<c>AddSink&lt;MySink&gt;(o =&gt; o.MaxConcurrency = 4)</c>, see <see cref="SinkRegistrationOptions"/>).
/// Delivery is at-least-once: a sink sees duplicates after retries and restarts and must make them
/// harmless (upsert or dedup by <see cref="Post.Id"/>).</para>
/// <para>Lifecycle: the pipeline calls <see cref="StartAsync"/> once before the first batch,
/// <see cref="FlushAsync"/> once after the last batch when it stops, then disposes the sink
/// (<see cref="IAsyncDisposable"/> or <see cref="IDisposable"/>) unless the registration says otherwise.
/// A sink that buffers can therefore write on flush and dispose instead of after every batch.</para>
/// <para>Posts reach sinks only after the registered transforms ran; with <c>HashHandles</c> registered
/// no raw handle reaches a sink. Tombstones (<see cref="Post.IsTombstone"/>) ask the sink to honour a deletion.</para>
/// </remarks>
public interface ISink
{
    /// <summary>Name used in metrics, logs and dead-letter records.</summary>
    string Name { get; }

    /// <summary>Writes the batch.</summary>
    /// <param name="batch">The posts to write and the place to report per-item failures.</param>
    /// <param name="cancellationToken">Cancelled when the pipeline's drain deadline passed.</param>
    ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken);

    /// <summary>Prepares the sink (opens connections, creates tables) before the first batch. Default: nothing.</summary>
    /// <param name="cancellationToken">Cancelled when the host stops before the pipeline started.</param>
    ValueTask StartAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Makes everything written so far durable; called once when the pipeline stops. Default: nothing.</summary>
    /// <param name="cancellationToken">Cancelled when the pipeline's drain deadline passed again.</param>
    ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>Thrown by a sink when retrying cannot help (bad configuration, a rejected payload).</summary>
public class PermanentSinkException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PermanentSinkException() { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public PermanentSinkException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public PermanentSinkException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>The posts a sink must write in one call, and their per-item outcome.</summary>
/// <remarks>Reading is thread-safe; marking is not: a sink that writes parts of the batch concurrently collects
/// their outcomes and marks them from one thread once they are known.</remarks>
public sealed class SinkBatch : IReadOnlyList<Post>
{
    private readonly Post[] _posts;
    private readonly int _count;
    private SinkItemFailure[]? _failures;

    /// <summary>Creates a batch; the pipeline does this, tests and wrapping sinks may too.</summary>
    /// <param name="posts">The posts.</param>
    public SinkBatch(IReadOnlyList<Post> posts)
    {
        ArgumentNullException.ThrowIfNull(posts);
        _posts = [.. posts];
        _count = _posts.Length;
    }

    internal SinkBatch(Post[] posts, int count)
    {
        _posts = posts;
        _count = count;
    }

    /// <inheritdoc />
    public int Count => _count;

    /// <inheritdoc />
    public Post this[int index] => (uint)index < (uint)_count ? _posts[index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>True when any item was marked.</summary>
    public bool HasFailures => _failures is not null;

    /// <summary>Marks the item as not committed but worth retrying (a throttled or failed request).</summary>
    /// <param name="index">Zero-based index.</param>
    /// <param name="reason">Why, as the remote said it (no post content).</param>
    public void MarkRetryable(int index, string reason) => Mark(index, new SinkItemFailure(true, reason));

    /// <summary>Marks the item as never going to commit (rejected as invalid): it is dead-lettered.</summary>
    /// <param name="index">Zero-based index.</param>
    /// <param name="reason">Why, as the remote said it (no post content).</param>
    public void MarkFailed(int index, string reason) => Mark(index, new SinkItemFailure(false, reason));

    /// <summary>The failure recorded for the item, or null when it counts as committed.</summary>
    /// <param name="index">Zero-based index.</param>
    public SinkItemFailure? GetFailure(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
        return _failures?[index];
    }

    /// <inheritdoc />
    public IEnumerator<Post> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _posts[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private void Mark(int index, SinkItemFailure failure)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
        ArgumentException.ThrowIfNullOrEmpty(failure.Reason, "reason");
        _failures ??= new SinkItemFailure[_count];
        _failures[index] = failure;
    }
}

/// <summary>Why one item of a sink batch did not commit.</summary>
/// <param name="Retryable">True when a retry may succeed.</param>
/// <param name="Reason">The reason reported by the sink.</param>
public sealed record SinkItemFailure(bool Retryable, string Reason);
