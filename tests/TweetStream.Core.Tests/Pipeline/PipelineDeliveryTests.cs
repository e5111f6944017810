using Microsoft.Extensions.Time.Testing;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Pipeline;

public sealed class PipelineDeliveryTests
{
    /// <summary>
    /// A clock that never moves, for tests that count calls per batch: a batch then closes only when it is full or the
    /// source has ended, never because a busy machine let the batch delay run out part-way through the input.
    /// </summary>
    private static FakeTimeProvider StillClock() => new();

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

    [Fact]
    public async Task Acks_only_after_every_sink_committed()
    {
        var source = SourceWith(10);
        var gate = new TaskCompletionSource();
        var fast = new CollectingSink("fast");
        var slow = new CollectingSink("slow") { OnWrite = async (_, _, ct) => await gate.Task.WaitAsync(ct) };
        var pipeline = PipelineHarness.Create(source, [fast, slow], time: StillClock());

        var run = pipeline.RunAsync(CancellationToken.None);
        await Patience.UntilAsync(() => fast.Committed.Count == 10);

        Assert.Empty(source.Acks.Acked);
        gate.SetResult();
        await run;
        Assert.Equal(10, source.Acks.Acked.Count);
        Assert.Equal(10, slow.Committed.Count);
    }

    [Fact]
    public async Task Retryable_failure_is_retried_then_succeeds()
    {
        var source = SourceWith(5);
        var sink = new CollectingSink
        {
            OnWrite = (_, call, _) => call < 3 ? throw new IOException("unavailable") : ValueTask.CompletedTask,
        };
        var deadLetters = new CollectingDeadLetterSink();
        var pipeline = PipelineHarness.Create(source, [sink], deadLetters, time: StillClock());

        var stats = await pipeline.RunAsync(CancellationToken.None);

        Assert.Equal(3, sink.Calls);
        Assert.Equal(5, sink.Committed.Count);
        Assert.Equal(5, stats.Written);
        Assert.Empty(deadLetters.Items);
        Assert.Equal(5, source.Acks.Acked.Count);
        Assert.Equal(2, stats.Retries);
    }

    [Fact]
    public async Task Permanent_failure_is_dead_lettered_with_reason_and_acknowledged()
    {
        var source = SourceWith(4);
        var sink = new CollectingSink { OnWrite = (_, _, _) => throw new PermanentSinkException("table missing") };
        var deadLetters = new CollectingDeadLetterSink();
        var pipeline = PipelineHarness.Create(source, [sink], deadLetters, time: StillClock());

        var stats = await pipeline.RunAsync(CancellationToken.None);

        Assert.Equal(1, sink.Calls);
        Assert.Equal(4, stats.DeadLettered);
        Assert.Equal(0, stats.Written);
        Assert.All(deadLetters.Items, d =>
        {
            Assert.Equal("table missing", d.Reason);
            Assert.Equal("sink:collect", d.Stage);
            Assert.Equal(DeadLetterPayloadKind.Post, d.PayloadKind);
            Assert.Equal(d.PostId, PostJson.Deserialize(d.Payload.Span).Id);
        });
        Assert.Equal(4, source.Acks.Acked.Count);
    }

    [Fact]
    public async Task Partial_batch_failure_settles_each_item_on_its_own()
    {
        var source = SourceWith(6);
        var attemptsPerId = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var sink = new CollectingSink
        {
            OnWrite = (batch, call, _) =>
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    var id = batch[i].Id;
                    var attempt = attemptsPerId.AddOrUpdate(id, 1, (_, n) => n + 1);
                    switch (id)
                    {
                        case "x:1":
                            batch.MarkFailed(i, "invalid row");
                            break;
                        case "x:2" when attempt == 1:
                            batch.MarkRetryable(i, "backendError");
                            break;
                    }
                }

                return ValueTask.CompletedTask;
            },
        };
        var deadLetters = new CollectingDeadLetterSink();
        var pipeline = PipelineHarness.Create(source, [sink], deadLetters,
            options: new PipelineOptions { BatchSize = 6, BatchMaxDelay = TimeSpan.FromSeconds(1), RetryBaseDelay = TimeSpan.Zero }, time: StillClock());

        var stats = await pipeline.RunAsync(CancellationToken.None);

        Assert.Equal(["x:0", "x:2", "x:3", "x:4", "x:5"], sink.Committed.Select(p => p.Id).Order());
        var dead = Assert.Single(deadLetters.Items);
        Assert.Equal("x:1", dead.PostId);
        Assert.Equal("invalid row", dead.Reason);
        Assert.Equal(2, attemptsPerId["x:2"]);
        Assert.Equal(1, attemptsPerId["x:0"]); // committed items are not written again
        Assert.Equal(5, stats.Written);
        Assert.Equal(1, stats.DeadLettered);
        Assert.Equal(6, source.Acks.Acked.Count);
    }

    [Fact]
    public async Task Exhausted_retries_dead_letter_the_items_when_configured_to()
    {
        var source = SourceWith(2);
        var sink = new CollectingSink { OnWrite = (_, _, _) => throw new TimeoutException("slow backend") };
        var deadLetters = new CollectingDeadLetterSink();
        var pipeline = PipelineHarness.Create(source, [sink], deadLetters,
            options: new PipelineOptions { MaxAttempts = 3, RetryBaseDelay = TimeSpan.Zero, BatchMaxDelay = TimeSpan.FromMilliseconds(5), OnRetriesExhausted = RetryExhaustedAction.DeadLetter }, time: StillClock());

        var stats = await pipeline.RunAsync(CancellationToken.None);

        Assert.Equal(3, sink.Calls);
        Assert.Equal(2, stats.DeadLettered);
        Assert.All(deadLetters.Items, d => Assert.Contains("retries exhausted after 3 attempts: slow backend", d.Reason, StringComparison.Ordinal));
        Assert.Equal(2, source.Acks.Acked.Count);
    }

    [Fact]
    public async Task Malformed_input_is_dead_lettered_with_raw_payload_and_the_stream_goes_on()
    {
        var source = new InMemorySource();
        source.Add(Posts.Make(1), 1);
        source.AddMalformed("malformed JSON", "{\"data\":"u8.ToArray(), 2);
        source.Add(Posts.Make(3), 3);
        source.Complete();
        var sink = new CollectingSink();
        var deadLetters = new CollectingDeadLetterSink();
        var pipeline = PipelineHarness.Create(source, [sink], deadLetters);

        var stats = await pipeline.RunAsync(CancellationToken.None);

        Assert.Equal(2, stats.Written);
        var dead = Assert.Single(deadLetters.Items);
        Assert.Equal("malformed JSON", dead.Reason);
        Assert.Equal("source:memory", dead.Stage);
        Assert.Equal(DeadLetterPayloadKind.Raw, dead.PayloadKind);
        Assert.Equal("{\"data\":"u8.ToArray(), dead.Payload.ToArray());
        Assert.Equal([1L, 2L, 3L], source.Acks.Acked.Order());
        Assert.Equal(stats.Received, stats.Written + stats.DeadLettered);
    }

    [Fact]
    public async Task Failing_dead_letter_sink_leaves_items_unacknowledged()
    {
        var source = new InMemorySource();
        source.AddMalformed("malformed JSON", [1, 2, 3], 7);
        source.Add(Posts.Make(8), 8);
        source.Complete();
        var deadLetters = new CollectingDeadLetterSink { OnWrite = _ => throw new IOException("disk full") };
        var pipeline = PipelineHarness.Create(source, [new CollectingSink()], deadLetters,
            options: new PipelineOptions { MaxAttempts = 2, RetryBaseDelay = TimeSpan.Zero, BatchMaxDelay = TimeSpan.FromMilliseconds(5) });

        var stats = await pipeline.RunAsync(CancellationToken.None);

        Assert.Equal([8L], source.Acks.Acked);
        Assert.Equal(0, stats.DeadLettered);
    }

    [Fact]
    public async Task Transient_transform_failure_is_retried_and_a_failing_item_is_dead_lettered()
    {
        var source = SourceWith(3);
        var calls = 0;
        var transform = new DelegateTransform("flaky", batch =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new TransientException("quota");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i].Id == "x:0")
                {
                    batch.Fail(i, "cannot redact");
                }
                else if (batch[i].Id == "x:1")
                {
                    batch.Drop(i);
                }
            }
        });
        var sink = new CollectingSink();
        var deadLetters = new CollectingDeadLetterSink();
        var pipeline = PipelineHarness.Create(source, [sink], deadLetters, [transform],
            new PipelineOptions { BatchSize = 3, BatchMaxDelay = TimeSpan.FromSeconds(1), RetryBaseDelay = TimeSpan.Zero }, StillClock());

        var stats = await pipeline.RunAsync(CancellationToken.None);

        Assert.Equal(2, calls);
        Assert.Equal(["x:2"], sink.Committed.Select(p => p.Id));
        var dead = Assert.Single(deadLetters.Items);
        Assert.Equal(("x:0", "transform:flaky", "cannot redact"), (dead.PostId, dead.Stage, dead.Reason));
        Assert.Equal(1, stats.Dropped);
        Assert.Equal(3, source.Acks.Acked.Count);
    }

}

internal sealed class DelegateTransform(string name, Action<TransformBatch> apply) : ITransform
{
    public string Name { get; } = name;

    public ValueTask ApplyAsync(TransformBatch batch, CancellationToken cancellationToken)
    {
        apply(batch);
        return ValueTask.CompletedTask;
    }
}
