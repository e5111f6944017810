using System.Diagnostics;

namespace TweetStream.Pipeline;

/// <summary>
/// The pipeline's spans: one <c>tweetstream.batch</c> per batch (never one per post), with children for the source
/// read, each transform, each sink write and the acknowledgement.
/// </summary>
/// <remarks>
/// Items that arrived with a trace context (a Pub/Sub message from another pipeline) are continued: the batch span's
/// parent is the first such context, and every distinct one is linked, so a post's journey through two pipelines
/// shows as one trace. Tags carry names and counts only, never post text, handles or ids. Every method is a no-op
/// returning null while nobody listens.
/// </remarks>
internal static class PipelineTracing
{
    public static readonly ActivitySource Source = new(TweetStreamTelemetry.ActivitySourceName);

    // The span link list is kept small: a batch of 500 posts from one upstream batch carries one distinct context.
    private const int MaxLinks = 64;

    public static Activity? StartBatch(string pipeline, string source, List<PipelineItem> batch)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext parent = default;
        List<ActivityLink>? links = null;
        foreach (var item in batch)
        {
            var context = item.TraceContext;
            if (context == default)
            {
                continue;
            }

            if (parent == default)
            {
                parent = context;
            }

            links ??= [];
            if (links.Count < MaxLinks && !links.Exists(l => l.Context == context))
            {
                links.Add(new ActivityLink(context));
            }
        }

        var timing = batch as PipelineBatch;
        var activity = Source.StartActivity(
            "tweetstream.batch",
            parent == default ? ActivityKind.Internal : ActivityKind.Consumer,
            parent,
            tags: null,
            links: links,
            startTime: timing?.ReadStartedAt ?? default);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("tweetstream.pipeline", pipeline);
        activity.SetTag("tweetstream.batch.size", batch.Count);
        if (timing is { ReadStartedAt: var started, ReadEndedAt: var ended } && started != default)
        {
            // The read happened before the batch existed: record it with its own times.
            using var read = Source.StartActivity("tweetstream.source.read", ActivityKind.Consumer, activity.Context, startTime: started);
            read?.SetTag("tweetstream.source", source);
            read?.SetTag("tweetstream.items", batch.Count);
            read?.SetEndTime(ended.UtcDateTime);
        }

        return activity;
    }

    /// <summary>Starts a child of the current batch span for one stage (a transform, a sink write, the acknowledgement).</summary>
    public static Activity? StartStage(string name, string componentTag, string component, int items)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(name, ActivityKind.Internal);
        activity?.SetTag(componentTag, component);
        activity?.SetTag("tweetstream.items", items);
        return activity;
    }

    /// <summary>Marks a stage span failed for <paramref name="failed"/> items (the reasons go to logs and dead letters, not to spans).</summary>
    public static void SetFailed(Activity? activity, int failed)
    {
        if (activity is null || failed == 0)
        {
            return;
        }

        activity.SetTag("tweetstream.items.failed", failed);
        activity.SetStatus(ActivityStatusCode.Error);
    }
}

/// <summary>A batch with the times its items were read, for the source read span.</summary>
internal sealed class PipelineBatch(int capacity) : List<PipelineItem>(capacity)
{
    public DateTimeOffset ReadStartedAt { get; set; }

    public DateTimeOffset ReadEndedAt { get; set; }
}
