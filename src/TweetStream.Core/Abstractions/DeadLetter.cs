namespace TweetStream;

/// <summary>An item the pipeline gave up on, with the reason and what is needed to replay it.</summary>
/// <param name="Reason">Why the item was rejected.</param>
/// <param name="Stage">Where: <c>source:NAME</c>, <c>transform:NAME</c> or <c>sink:NAME</c>.</param>
/// <param name="Source">The source name.</param>
/// <param name="PostId">The post id when the item decoded far enough to have one.</param>
/// <param name="At">When the item was dead-lettered (UTC).</param>
/// <param name="Payload">
/// The payload: the input as received for undecodable items (<see cref="DeadLetterPayloadKind.Raw"/>), or
/// the post as the failing stage saw it, encoded as JSON (<see cref="DeadLetterPayloadKind.Post"/>).
/// </param>
/// <param name="PayloadKind">What <paramref name="Payload"/> holds.</param>
public sealed record DeadLetter(
    string Reason,
    string Stage,
    string Source,
    string? PostId,
    DateTimeOffset At,
    ReadOnlyMemory<byte> Payload,
    DeadLetterPayloadKind PayloadKind);

/// <summary>What a dead-letter payload holds.</summary>
public enum DeadLetterPayloadKind
{
    /// <summary>The bytes received from the source; may contain raw handles, so dead-letter sinks protect it.</summary>
    Raw,

    /// <summary>The post as JSON, after the transforms that ran before the failing stage.</summary>
    Post,
}

/// <summary>Stores dead letters.</summary>
/// <remarks>
/// The pipeline acknowledges a dead-lettered item only after this sink returned; when it throws, the item
/// stays unacknowledged so the source can redeliver it. Called concurrently; implementations must be thread-safe.
/// Raw payloads may hold raw handles: an implementation must not write them in clear where a person reads them.
/// </remarks>
public interface IDeadLetterSink
{
    /// <summary>Stores the dead letters durably.</summary>
    /// <param name="deadLetters">The records.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    ValueTask WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken);
}
