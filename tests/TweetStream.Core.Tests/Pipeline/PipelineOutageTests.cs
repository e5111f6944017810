using Microsoft.Extensions.Time.Testing;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Pipeline;

/// <summary>Transient failures that outlast the retry budget: held on the source's durable path, never dead-lettered.</summary>
public sealed class PipelineOutageTests
{
    private static readonly PipelineOptions HoldOptions = new()
    {
        BatchSize = 5,
        MaxParallelBatches = 2,
        MaxAttempts = 3,
        RetryBaseDelay = TimeSpan.Zero,
        RetryMaxDelay = TimeSpan.Zero,
        BatchMaxDelay = TimeSpan.FromMilliseconds(5),
        CircuitBreakDuration = TimeSpan.FromSeconds(15),
        DrainTimeout = TimeSpan.FromSeconds(8),
    };

    [Fact]
    public async Task A_sink_outage_longer_than_the_retry_budget_holds_the_items_and_resumes_after_a_probe()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        var source = SourceWith(20);
        var outageEnds = time.GetUtcNow() + TimeSpan.FromSeconds(100);
        var sink = new CollectingSink("bq")
        {
            OnWrite = (_, _, _) => time.GetUtcNow() < outageEnds ? throw new HttpRequestException("503 backendError") : ValueTask.CompletedTask,
        };
        var deadLetters = new CollectingDeadLetterSink();
        var pipeline = PipelineHarness.Create(source, [sink], deadLetters, options: HoldOptions, time: time);

        var run = pipeline.RunAsync(CancellationToken.None);
        await AdvanceUntil(time, () => pipeline.Statistics.PausedStages.Count == 1, "the sink paused");
        Assert.Equal(["sink:bq"], pipeline.Statistics.PausedStages);
        Assert.Empty(source.Acks.Acked);

        // 100 s of outage on the pipeline's clock: probes every 15 s, one batch at a time.
        await AdvanceUntil(time, () => run.IsCompleted, "the run to finish after the outage");
        var stats = await run;

        Assert.Empty(deadLetters.Items);
        Assert.Equal(0, stats.DeadLettered);
        Assert.Equal(20, stats.Written);
        Assert.Equal(20, sink.Committed.Select(p => p.Id).Distinct().Count());
        Assert.Equal(20, source.Acks.Acked.Count);
        Assert.Empty(pipeline.Statistics.PausedStages);
        Assert.InRange(stats.Probes, 1, 100 / 15 + 2); // probes are spaced by the break duration, not a storm
    }

    [Fact]
    public async Task Stopping_during_an_outage_leaves_the_held_items_unacknowledged_and_dead_letters_nothing()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        var source = SourceWith(10);
        var sink = new CollectingSink { OnWrite = (_, _, _) => throw new IOException("connection reset") };
        var deadLetters = new CollectingDeadLetterSink();
        var pipeline = PipelineHarness.Create(source, [sink], deadLetters, options: HoldOptions, time: time);
        using var stop = new CancellationTokenSource();

        var run = pipeline.RunAsync(stop.Token);
        await AdvanceUntil(time, () => pipeline.Statistics.PausedStages.Count == 1, "the sink paused");
        await stop.CancelAsync();
        await AdvanceUntil(time, () => run.IsCompleted, "the drain deadline");
        var stats = await run;

        Assert.Empty(deadLetters.Items);
        Assert.Equal(0, stats.DeadLettered);
        Assert.Empty(source.Acks.Acked);
        Assert.Empty(source.Acks.Rejected);
    }

    [Fact]
    public async Task A_permanent_failure_during_an_outage_is_still_dead_lettered_and_acknowledged()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        var source = SourceWith(5);
        var outageEnds = time.GetUtcNow() + TimeSpan.FromSeconds(40);
        var sink = new CollectingSink
        {
            OnWrite = (batch, _, _) =>
            {
                if (time.GetUtcNow() < outageEnds)
                {
                    throw new HttpRequestException("503");
                }

                for (var i = 0; i < batch.Count; i++)
                {
                    if (batch[i].Id == "x:3")
                    {
                        batch.MarkFailed(i, "invalid: text too long");
                    }
                }

                return ValueTask.CompletedTask;
            },
        };
        var deadLetters = new CollectingDeadLetterSink();
        var pipeline = PipelineHarness.Create(source, [sink], deadLetters, options: HoldOptions, time: time);

        var run = pipeline.RunAsync(CancellationToken.None);
        await AdvanceUntil(time, () => run.IsCompleted, "the run to finish after the outage");
        var stats = await run;

        var dead = Assert.Single(deadLetters.Items);
        Assert.Equal("x:3", dead.PostId);
        Assert.Equal("invalid: text too long", dead.Reason);
        Assert.Equal(4, stats.Written);
        Assert.Equal(5, source.Acks.Acked.Count);
    }

    [Fact]
    public async Task A_transform_outage_holds_the_items_until_the_transform_answers_again()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        var source = SourceWith(10);
        var outageEnds = time.GetUtcNow() + TimeSpan.FromSeconds(60);
        var transform = new DelegateTransform("dlp", _ =>
        {
            if (time.GetUtcNow() < outageEnds)
            {
                throw new TransientException("429 quota");
            }
        });
        var sink = new CollectingSink();
        var deadLetters = new CollectingDeadLetterSink();
        var pipeline = PipelineHarness.Create(source, [sink], deadLetters, transforms: [transform], options: HoldOptions, time: time);

        var run = pipeline.RunAsync(CancellationToken.None);
        await AdvanceUntil(time, () => pipeline.Statistics.PausedStages.Contains("transform:dlp"), "the transform paused");
        Assert.Empty(source.Acks.Acked);
        await AdvanceUntil(time, () => run.IsCompleted, "the run to finish after the outage");
        var stats = await run;

        Assert.Empty(deadLetters.Items);
        Assert.Equal(10, stats.Written);
        Assert.Equal(10, source.Acks.Acked.Count);
    }

    [Fact]
    public async Task DeadLetter_on_exhaustion_keeps_the_old_behaviour_when_asked_for()
    {
        var source = SourceWith(2);
        var sink = new CollectingSink { OnWrite = (_, _, _) => throw new TimeoutException("slow backend") };
        var deadLetters = new CollectingDeadLetterSink();
        var pipeline = PipelineHarness.Create(source, [sink], deadLetters,
            options: new PipelineOptions { MaxAttempts = 2, RetryBaseDelay = TimeSpan.Zero, BatchMaxDelay = TimeSpan.FromMilliseconds(5), OnRetriesExhausted = RetryExhaustedAction.DeadLetter });

        var stats = await pipeline.RunAsync(CancellationToken.None);

        Assert.Equal(2, stats.DeadLettered);
        Assert.Equal(0, stats.Probes);
        Assert.Equal(2, source.Acks.Acked.Count);
    }

    private static InMemorySource SourceWith(int count)
    {
        var source = new InMemorySource();
        for (var i = 0; i < count; i++)
        {
            source.Add(Posts.Make(i), i);
        }

        source.Complete();
        return source;
    }

    /// <summary>Moves the fake clock in small steps until <paramref name="condition"/> holds (the safety net only turns a hang into a failure).</summary>
    internal static Task AdvanceUntil(FakeTimeProvider time, Func<bool> condition, string what) =>
        Patience.UntilAsync(condition, what, () => time.Advance(TimeSpan.FromMilliseconds(500)));
}
