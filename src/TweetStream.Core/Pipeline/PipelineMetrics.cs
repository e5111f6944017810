using System.Diagnostics.Metrics;

namespace TweetStream.Pipeline;

/// <summary>The instruments every pipeline reports through; one set per meter, tagged by pipeline.</summary>
internal sealed class PipelineMetrics
{
    public const string MeterName = TweetStreamTelemetry.MeterName;

    public PipelineMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        Received = meter.CreateCounter<long>("tweetstream.items.received", "{item}", "Items read from sources.");
        Written = meter.CreateCounter<long>("tweetstream.items.written", "{item}", "Items committed by every sink.");
        Failed = meter.CreateCounter<long>("tweetstream.items.failed", "{item}", "Item writes a sink did not commit (each attempt).");
        DeadLettered = meter.CreateCounter<long>("tweetstream.items.deadlettered", "{item}", "Items sent to the dead-letter sink.");
        Shed = meter.CreateCounter<long>("tweetstream.items.shed", "{item}", "Items from push sources dropped because the buffer was full.");
        Dropped = meter.CreateCounter<long>("tweetstream.items.filtered", "{item}", "Items filtered out by transforms.");
        Redacted = meter.CreateCounter<long>("tweetstream.pii.redacted", "{entity}", "PII entities redacted, by type.");
        BatchSize = meter.CreateHistogram<int>("tweetstream.batch.size", "{item}", "Items per batch.");
        Latency = meter.CreateHistogram<double>("tweetstream.latency", "ms", "From receipt to commit by every sink.");
        SourceLag = meter.CreateHistogram<double>("tweetstream.source.lag", "ms", "Age of items when the pipeline reads them (since their first receipt; a Pub/Sub backlog shows here).");
    }

    public Counter<long> Received { get; }

    public Counter<long> Written { get; }

    public Counter<long> Failed { get; }

    public Counter<long> DeadLettered { get; }

    public Counter<long> Shed { get; }

    public Counter<long> Dropped { get; }

    public Counter<long> Redacted { get; }

    public Histogram<int> BatchSize { get; }

    public Histogram<double> Latency { get; }

    public Histogram<double> SourceLag { get; }
}
