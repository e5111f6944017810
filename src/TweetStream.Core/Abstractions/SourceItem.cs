using System.Diagnostics;

namespace TweetStream;

/// <summary>One item read from a source: a post (or tombstone), or input that could not be decoded.</summary>
public sealed class SourceItem
{
    private SourceItem(Post? post, string? error, ReadOnlyMemory<byte> raw, int size, Acknowledgement ack)
    {
        Post = post;
        Error = error;
        RawPayload = raw;
        EncodedSize = size;
        Acknowledgement = ack;
    }

    /// <summary>The decoded post or tombstone; null when <see cref="Error"/> is set.</summary>
    public Post? Post { get; }

    /// <summary>Why the input could not be decoded; null for a good item.</summary>
    public string? Error { get; }

    /// <summary>The input as received, kept for malformed items so the dead-letter record can hold it.</summary>
    public ReadOnlyMemory<byte> RawPayload { get; }

    /// <summary>Size of the item as received, in bytes; drives byte-bounded batching and memory bounds.</summary>
    public int EncodedSize { get; }

    /// <summary>How to settle this item with its source.</summary>
    public Acknowledgement Acknowledgement { get; }

    /// <summary>
    /// The trace the item arrived in (for example a W3C <c>traceparent</c> carried by a Pub/Sub message), or
    /// <c>default</c>. The pipeline continues it: the batch span takes the first item's context as its parent and
    /// links the others.
    /// </summary>
    public ActivityContext TraceContext
    {
        get => _trace?.Context ?? default;
        private init => _trace = value == default ? null : new TraceBox(value);
    }

    // Boxed because almost every item has none: inline, the context's 56 bytes were about a third of every item.
    private readonly TraceBox? _trace;

    /// <summary>Returns a copy of this item that continues the trace <paramref name="context"/>.</summary>
    /// <param name="context">The remote span the item was sent from.</param>
    public SourceItem WithTraceContext(ActivityContext context) =>
        new(Post, Error, RawPayload, EncodedSize, Acknowledgement) { TraceContext = context };

    /// <summary>Creates an item for a decoded post or tombstone.</summary>
    /// <param name="post">The post.</param>
    /// <param name="encodedSize">Size of the post as received, in bytes.</param>
    /// <param name="acknowledgement">How to settle it; <c>default</c> when the source needs no acknowledgement.</param>
    public static SourceItem ForPost(Post post, int encodedSize, Acknowledgement acknowledgement = default)
    {
        ArgumentNullException.ThrowIfNull(post);
        return new(post, null, default, encodedSize, acknowledgement);
    }

    /// <summary>Creates an item for input that could not be decoded; it will be dead-lettered with <paramref name="reason"/>.</summary>
    /// <param name="reason">A short, value-free explanation (never quote the payload).</param>
    /// <param name="rawPayload">The input as received; the caller must not reuse the memory.</param>
    /// <param name="acknowledgement">How to settle it once dead-lettered.</param>
    public static SourceItem Malformed(string reason, ReadOnlyMemory<byte> rawPayload, Acknowledgement acknowledgement = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return new(null, reason, rawPayload, rawPayload.Length, acknowledgement);
    }

    private sealed record TraceBox(ActivityContext Context);
}
