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
internal sealed class PipelineItem(SourceItem source)
{
    public SourceItem Source { get; } = source;

    public Post? Post { get; set; } = source.Post;

    public ItemOutcome Outcome { get; set; } = source.Error is null ? ItemOutcome.Pending : ItemOutcome.Failed;

    public string? Reason { get; set; } = source.Error;

    public string? FailedStage { get; set; }
}
