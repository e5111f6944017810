using System.Diagnostics;

namespace TweetStream.Pipeline;

internal enum ItemOutcome : byte
{
    Pending,
    Dropped,
    Failed,
    Committed,
    Abandoned,
}

/// <summary>The pipeline's book-keeping for one item on its way from source to sinks.</summary>
/// <remarks>
/// The item keeps its <see cref="SourceItem"/> only when settling needs more than the acknowledgement (a raw payload to
/// dead-letter, a trace context to link): the source item holds the post as it was read, which the first transform
/// replaces, and keeping it alive until the batch settled made every post in flight about twice its size for the
/// collector to copy.
/// </remarks>
internal sealed class PipelineItem(SourceItem source)
{
    private readonly SourceItem? _origin = source.Post is null || source.TraceContext != default ? source : null;

    public Acknowledgement Acknowledgement { get; } = source.Acknowledgement;

    /// <summary>The bytes as received, for dead-lettering an item that never became a post.</summary>
    public ReadOnlyMemory<byte> RawPayload => _origin?.RawPayload ?? default;

    public ActivityContext TraceContext => _origin?.TraceContext ?? default;

    public Post? Post { get; set; } = source.Post;

    public ItemOutcome Outcome { get; set; } = source.Error is null ? ItemOutcome.Pending : ItemOutcome.Failed;

    public string? Reason { get; set; } = source.Error;

    public string? FailedStage { get; set; }
}
