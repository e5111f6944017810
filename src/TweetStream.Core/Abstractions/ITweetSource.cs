namespace TweetStream;

/// <summary>A source of posts: a live stream, a subscription or a file.</summary>
/// <remarks>
/// <para>The pipeline enumerates <see cref="ReadAsync"/> once per run on one thread. Every item carries
/// its <see cref="Acknowledgement"/>; the pipeline completes it only after every sink committed the
/// item or it was dead-lettered, and leaves it incomplete (or nacks it) otherwise. A source that can
/// resume (a file offset, a cursor, a subscription) must resume after a restart from the oldest item
/// not acknowledged, so delivery is at-least-once.</para>
/// <para>Malformed input is not thrown: yield <see cref="SourceItem.Malformed"/> so the pipeline counts
/// it, dead-letters it with its reason and acknowledges it. Throw only for failures that stop the
/// source (bad configuration, credentials rejected); the pipeline then stops.</para>
/// <para>Completing the enumeration means the source is exhausted (finite sources); cancellation of
/// the token means the pipeline is stopping.</para>
/// <para>The pipeline owns the source its factory returned: when the run ends (after the last
/// acknowledgement) it disposes it if it implements <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/>,
/// so a source can flush its checkpoint there.</para>
/// </remarks>
public interface ITweetSource
{
    /// <summary>Name used in metrics, logs and dead-letter records.</summary>
    string Name { get; }

    /// <summary>
    /// <see cref="SourceDelivery.Pull"/> when not reading simply pauses the source (files, Pub/Sub pull);
    /// <see cref="SourceDelivery.Push"/> when the remote keeps sending regardless (X stream, Jetstream),
    /// so the pipeline sheds, and counts, what does not fit its memory bound instead of stalling the reader.
    /// </summary>
    SourceDelivery Delivery => SourceDelivery.Pull;

    /// <summary>Reads items until the source ends or <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="cancellationToken">Cancelled when the pipeline stops reading.</param>
    IAsyncEnumerable<SourceItem> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>How a source reacts when the pipeline does not read from it.</summary>
public enum SourceDelivery
{
    /// <summary>The source waits: backpressure reaches the remote (the default).</summary>
    Pull,

    /// <summary>The remote cannot be paused: items that exceed the buffer are shed and counted.</summary>
    Push,
}
