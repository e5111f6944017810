using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Pipeline;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Pipeline;

public sealed class PipelineFlowControlTests
{
    [Fact]
    public async Task A_slow_sink_bounds_what_is_read_from_the_source()
    {
        var source = new EndlessSource();
        var gate = new TaskCompletionSource();
        var sink = new CollectingSink { OnWrite = async (_, _, ct) => await gate.Task.WaitAsync(ct) };
        var options = new PipelineOptions { BufferCapacity = 100, BatchSize = 10, MaxParallelBatches = 2, BatchMaxDelay = TimeSpan.FromMilliseconds(1) };

        // A clock that never moves: batches close on size alone, so the bound below holds whatever the machine's pace.
        var pipeline = PipelineHarness.Create(source, [sink], options: options, time: new FakeTimeProvider());
        using var stop = new CancellationTokenSource();

        var run = pipeline.RunAsync(stop.Token);

        // Bound: the buffer (a pull source reads 16 ahead, less than BufferCapacity here), the batches in flight, the
        // batch waiting for a slot, and the one item the reader holds.
        var bound = TweetPipeline.PullReadAhead + (options.MaxParallelBatches * options.BatchSize) + options.BatchSize + 1;
        await Patience.UntilAsync(() => source.Pulled >= bound && sink.Calls == 2);
        Assert.Equal(bound, source.Pulled);

        gate.SetResult();
        await Patience.UntilAsync(() => sink.Committed.Count >= 1000);
        await stop.CancelAsync();
        await run.WithinSafetyNet("the pipeline to stop");
        Assert.True(source.Pulled >= 1000);

        // The source checked on every read, with the sink stuck and after it caught up, that no more than the bound
        // was ever read ahead of what the sink settled.
        Assert.Equal(bound, source.MaxUnsettled);
    }

    [Fact]
    public async Task Shutdown_drains_in_flight_batches_and_leaves_the_rest_unacknowledged()
    {
        var time = new FakeTimeProvider();
        var source = new EndlessSource();
        var firstBatch = new TaskCompletionSource();
        long[] firstIds = [];
        var sink = new CollectingSink
        {
            OnWrite = async (batch, call, ct) =>
            {
                if (call == 1)
                {
                    firstIds = [.. batch.Select(p => long.Parse(p.Id[2..]))];
                    await firstBatch.Task;
                }
                else
                {
                    await Task.Delay(Timeout.Infinite, ct); // never commits before the deadline
                }
            },
        };
        var options = new PipelineOptions
        {
            BufferCapacity = 20,
            BatchSize = 5,
            MaxParallelBatches = 1,
            BatchMaxDelay = TimeSpan.Zero,
            DrainTimeout = TimeSpan.FromSeconds(8),
        };
        var pipeline = PipelineHarness.Create(source, [sink], options: options, time: time);
        using var stop = new CancellationTokenSource();

        var run = pipeline.RunAsync(stop.Token);
        await Patience.UntilAsync(() => sink.Calls == 1);
        await stop.CancelAsync();
        firstBatch.SetResult();
        await Patience.UntilAsync(() => sink.Calls == 2);
        Assert.False(run.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(8));
        await run.WithinSafetyNet("the drain deadline to end the run");

        Assert.NotEmpty(firstIds);
        Assert.Equal(firstIds, source.Acks.Acked.Order());
        Assert.Equal(firstIds.Length, pipeline.Statistics.Written);
        Assert.True(pipeline.Statistics.Received > 10);
        Assert.Empty(source.Acks.Rejected);
    }

    [Fact]
    public async Task A_push_source_sheds_and_counts_what_does_not_fit()
    {
        var source = new InMemorySource(SourceDelivery.Push);
        for (var i = 0; i < 200; i++)
        {
            source.Add(Posts.Make(i), i);
        }

        source.Complete();
        var gate = new TaskCompletionSource();
        var sink = new CollectingSink { OnWrite = async (_, _, ct) => await gate.Task.WaitAsync(ct) };
        var pipeline = PipelineHarness.Create(source, [sink],
            options: new PipelineOptions { BufferCapacity = 10, BatchSize = 5, MaxParallelBatches = 1, BatchMaxDelay = TimeSpan.FromMilliseconds(1) });

        var run = pipeline.RunAsync(CancellationToken.None);
        await Patience.UntilAsync(() => pipeline.Statistics.Received == 200);
        gate.SetResult();
        var stats = await run;

        Assert.True(stats.Shed > 100, $"shed {stats.Shed}");
        Assert.Equal(stats.Received, stats.Written + stats.Shed);
        Assert.Equal(stats.Shed, source.Acks.Rejected.Count);
        Assert.Equal(stats.Written, source.Acks.Acked.Count);
        Assert.Empty(source.Acks.Acked.Intersect(source.Acks.Rejected));
    }

    [Fact]
    public async Task A_push_source_sheds_past_the_buffer_memory_bound_even_with_item_room_left()
    {
        var source = new InMemorySource(SourceDelivery.Push);
        for (var i = 0; i < 200; i++)
        {
            source.Add(Posts.Make(i), i); // 200 bytes each
        }

        source.Complete();
        var gate = new TaskCompletionSource();
        var sink = new CollectingSink { OnWrite = async (_, _, ct) => await gate.Task.WaitAsync(ct) };
        var pipeline = PipelineHarness.Create(source, [sink], options: new PipelineOptions
        {
            BufferCapacity = 10_000,
            BufferMaxBytes = 2_000,
            BatchSize = 5,
            MaxParallelBatches = 1,
            BatchMaxDelay = TimeSpan.FromMilliseconds(1),
        });

        var run = pipeline.RunAsync(CancellationToken.None);
        await Patience.UntilAsync(() => pipeline.Statistics.Received == 200);
        gate.SetResult();
        var stats = await run;

        // At most 10 items (2,000 bytes) wait in the buffer besides the batch at the sink and the one waiting for it.
        Assert.InRange(stats.Written, 1, 20);
        Assert.Equal(stats.Received, stats.Written + stats.Shed);
        Assert.Equal(stats.Shed, source.Acks.Rejected.Count);
    }

    [Fact]
    public async Task Batches_close_on_encoded_bytes()
    {
        var source = new InMemorySource();
        for (var i = 0; i < 30; i++)
        {
            source.Add(Posts.Make(i), i); // 200 bytes each
        }

        source.Complete();
        var sizes = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var sink = new CollectingSink { OnWrite = (b, _, _) => { sizes.Enqueue(b.Count); return ValueTask.CompletedTask; } };
        var pipeline = PipelineHarness.Create(source, [sink],
            options: new PipelineOptions { BatchSize = 100, BatchMaxBytes = 2000, BatchMaxDelay = TimeSpan.FromSeconds(5), MaxParallelBatches = 1 },
            time: new FakeTimeProvider()); // batches close on bytes or at the end, never on a busy machine's delay

        await pipeline.RunAsync(CancellationToken.None);

        Assert.Equal([10, 10, 10], sizes);
    }

    [Fact]
    public async Task A_pull_batch_waits_past_its_delay_while_the_reader_is_making_the_next_post_not_waiting_on_its_source()
    {
        var time = new FakeTimeProvider();
        using var release = new ManualResetEventSlim();
        var source = new BusySource(count: 20, busyBefore: 4, release);
        var sizes = new List<int>();
        var sink = new CollectingSink { OnWrite = (batch, _, _) => { lock (sizes) { sizes.Add(batch.Count); } return ValueTask.CompletedTask; } };
        var options = new PipelineOptions { BatchSize = 10, MaxParallelBatches = 1, BatchMaxDelay = TimeSpan.FromMilliseconds(50) };
        var pipeline = PipelineHarness.Create(source, [sink], options: options, time: time);

        var run = pipeline.RunAsync(CancellationToken.None);

        // Four posts are handed over; making the fifth keeps the reader busy (as a saturated machine keeps it from a
        // thread) while more than one delay passes on the batch's clock, though less than the extensions allow.
        await Patience.UntilAsync(() => source.Busy);
        for (var step = 0; step < 8; step++)
        {
            await Task.Delay(20);
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(0, sink.Calls);
        release.Set();
        await run.WithinSafetyNet("the pipeline to read its 20 posts");

        // Full batches: the first one did not go out with the four posts it held when its delay first ran out.
        Assert.Equal([10, 10], sizes);
    }

    private sealed class EndlessSource : ITweetSource
    {
        private int _pulled;

        public string Name => "endless";

        public int Pulled => Volatile.Read(ref _pulled);

        /// <summary>The most items ever read and not yet acknowledged, sampled as each item is read.</summary>
        public int MaxUnsettled => Volatile.Read(ref _maxUnsettled);

        private int _maxUnsettled;

        public RecordingAckHandler Acks { get; } = new();

        public async IAsyncEnumerable<SourceItem> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var i = 0L; !cancellationToken.IsCancellationRequested; i++)
            {
                var unsettled = Interlocked.Increment(ref _pulled) - Acks.Acked.Count;
                if (unsettled > _maxUnsettled)
                {
                    Volatile.Write(ref _maxUnsettled, unsettled); // the single reader is the only writer
                }

                yield return SourceItem.ForPost(Posts.Make((int)i), 200, new Acknowledgement(Acks, i));
                if (i % 64 == 0)
                {
                    await Task.Yield();
                }
            }
        }
    }

    /// <summary>A pull source that yields its posts at once but is busy making one of them until released.</summary>
    private sealed class BusySource(int count, int busyBefore, ManualResetEventSlim release) : ITweetSource
    {
        private volatile bool _busy;

        public string Name => "busy";

        public bool Busy => _busy;

        public RecordingAckHandler Acks { get; } = new();

#pragma warning disable CS1998 // Synchronous on purpose: every post is made on the reader's own thread.
        public async IAsyncEnumerable<SourceItem> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
#pragma warning restore CS1998
        {
            for (var i = 0; i < count; i++)
            {
                if (i == busyBefore)
                {
                    _busy = true;
                    Assert.True(release.Wait(Patience.SafetyNet, CancellationToken.None), "the test never released the source");
                }

                yield return SourceItem.ForPost(Posts.Make(i), 200, new Acknowledgement(Acks, i));
            }
        }
    }
}
