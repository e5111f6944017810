using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using TweetStream.Pipeline;

namespace TweetStream.Tests.Support;

/// <summary>Builds a <see cref="TweetPipeline"/> from parts, without a host (the runtime is internal to Core).</summary>
internal static class PipelineHarness
{
    private static readonly IMeterFactory Meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    /// <summary>Instruments on a shared meter factory, for components that report through the pipeline's metrics.</summary>
    public static PipelineMetrics Metrics() => new(Meters);

    public static TweetPipeline Create(
        ITweetSource source,
        IReadOnlyList<ISink> sinks,
        IDeadLetterSink? deadLetters = null,
        IReadOnlyList<ITransform>? transforms = null,
        PipelineOptions? options = null,
        TimeProvider? time = null,
        SpillBuffer? spill = null) =>
        new(
            "test",
            source,
            transforms ?? [],
            sinks,
            deadLetters ?? new CollectingDeadLetterSinkAdapter(),
            options ?? new PipelineOptions { BatchMaxDelay = TimeSpan.FromMilliseconds(5), RetryBaseDelay = TimeSpan.Zero, RetryMaxDelay = TimeSpan.Zero },
            time ?? TimeProvider.System,
            NullLogger.Instance,
            new PipelineMetrics(Meters),
            spill);

    private sealed class CollectingDeadLetterSinkAdapter : IDeadLetterSink
    {
        public ValueTask WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
