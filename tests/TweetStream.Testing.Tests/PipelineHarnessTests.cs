using Microsoft.Extensions.DependencyInjection;

namespace TweetStream.Testing.Tests;

public sealed class PipelineHarnessTests
{
    [Fact]
    public async Task A_failing_call_is_retried_on_the_fake_clock_and_every_post_is_written_and_acknowledged()
    {
        var posts = TestPosts.Create(TestPosts.UniquePrefix(), 30);
        var source = new InMemorySource(posts);
        var store = new InMemorySink();
        var sink = new ScriptedFaultSink(store).ThenThrow(new IOException("disk busy")).ThenMarkRetryable(_ => true);
        // Backoffs of minutes: on the real clock they would outlast the harness's 60 s safety net (a TimeoutException),
        // so the run finishing shows they ran on the fake clock. (The delays are jittered and can be short, so how far
        // the clock moved is no evidence: the first version of this test asserted it and failed now and then.)
        await using var harness = new PipelineHarness(p => p
            .SetSource(_ => source)
            .AddSink(_ => sink)
            .ConfigurePipeline(o =>
            {
                o.RetryBaseDelay = TimeSpan.FromMinutes(10);
                o.RetryMaxDelay = TimeSpan.FromHours(1);
            }))
        {
            ClockStep = TimeSpan.FromMinutes(1),
        };

        var statistics = await harness.RunToCompletionAsync();

        Assert.Equal(30, statistics.Written);
        Assert.True(statistics.Retries >= 2, $"retries: {statistics.Retries}");
        Assert.Equal(posts.Select(p => p.Id).Order(), store.Posts.Keys.Order());
        Assert.Equal(30, source.Acknowledged.Count);
    }

    [Fact]
    public async Task Items_a_sink_marks_failed_are_dead_lettered_with_their_reason_and_still_acknowledged()
    {
        var posts = TestPosts.Create(TestPosts.UniquePrefix(), 10);
        var source = new InMemorySource(posts);
        var sink = new ScriptedFaultSink().ThenMarkFailed(p => p.Id.EndsWith(":4", StringComparison.Ordinal), "too long");
        await using var harness = new PipelineHarness(p => p.SetSource(_ => source).AddSink(_ => sink).ConfigurePipeline(o => o.BatchSize = 100));

        var statistics = await harness.RunToCompletionAsync();

        Assert.Equal(9, statistics.Written);
        Assert.Equal(1, statistics.DeadLettered);
        var deadLetter = Assert.Single(harness.DeadLetters);
        Assert.Equal(posts[4].Id, deadLetter.PostId);
        Assert.Equal("too long", deadLetter.Reason);
        Assert.Equal(10, source.Acknowledged.Count);
    }

    [Fact]
    public async Task The_pipeline_starts_a_sink_before_its_first_batch_and_flushes_then_disposes_it_after_the_last()
    {
        var source = new InMemorySource(TestPosts.Create(TestPosts.UniquePrefix(), 25));
        var sink = new LifecycleSink();
        await using var harness = new PipelineHarness(p => p.SetSource(_ => source).AddSink(_ => sink).ConfigurePipeline(o => o.BatchSize = 10));

        await harness.RunToCompletionAsync();

        Assert.Equal("start", sink.Events[0]);
        Assert.Equal(["flush", "dispose"], sink.Events[^2..]);
        Assert.All(sink.Events[1..^2], e => Assert.Equal("write", e));
        Assert.Equal(25, sink.Written);
    }

    [Fact]
    public async Task A_shared_sink_registered_without_disposal_is_flushed_but_not_disposed()
    {
        var source = new InMemorySource(TestPosts.Create(TestPosts.UniquePrefix(), 5));
        var sink = new LifecycleSink();
        await using var harness = new PipelineHarness(p => p.SetSource(_ => source).AddSink(_ => sink, o => o.DisposeWithPipeline = false));

        await harness.RunToCompletionAsync();

        Assert.Equal("flush", sink.Events[^1]);
        Assert.DoesNotContain("dispose", sink.Events);
    }

    [Fact]
    public async Task Writes_to_a_sink_that_declares_no_parallelism_never_overlap_and_a_declared_degree_is_used()
    {
        var serial = new OverlapSink();
        var parallel = new OverlapSink();
        await using (var harness = new PipelineHarness(p => p
            .SetSource(_ => new InMemorySource(TestPosts.Create(TestPosts.UniquePrefix(), 400)))
            .AddSink(_ => serial)
            .ConfigurePipeline(o => { o.BatchSize = 10; o.MaxParallelBatches = 4; })))
        {
            await harness.RunToCompletionAsync();
        }

        await using (var harness = new PipelineHarness(p => p
            .SetSource(_ => new InMemorySource(TestPosts.Create(TestPosts.UniquePrefix(), 400)))
            .AddSink(_ => parallel, o => o.MaxConcurrency = 2)
            .ConfigurePipeline(o => { o.BatchSize = 10; o.MaxParallelBatches = 4; })))
        {
            await harness.RunToCompletionAsync();
        }

        Assert.Equal(1, serial.MaxInside);
        Assert.Equal(2, parallel.MaxInside);
    }

    private sealed class LifecycleSink : ISink, IAsyncDisposable
    {
        private readonly List<string> _events = [];

        public string Name => "lifecycle";

        public string[] Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }

        public int Written { get; private set; }

        public ValueTask StartAsync(CancellationToken cancellationToken) => Record("start");

        public ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
        {
            Written += batch.Count;
            return Record("write");
        }

        public ValueTask FlushAsync(CancellationToken cancellationToken) => Record("flush");

        public ValueTask DisposeAsync() => Record("dispose");

        private ValueTask Record(string what)
        {
            lock (_events)
            {
                _events.Add(what);
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// Records how many calls were inside at once. The second call to arrive waits for a third slot to be tried,
    /// so overlap, when allowed, is observed rather than left to scheduling luck.
    /// </summary>
    private sealed class OverlapSink : ISink
    {
        private readonly TaskCompletionSource _second = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inside;
        private int _max;
        private int _calls;

        public string Name => "overlap";

        public int MaxInside => Volatile.Read(ref _max);

        public async ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
        {
            var inside = Interlocked.Increment(ref _inside);
            InterlockedMax(inside);
            var call = Interlocked.Increment(ref _calls);
            try
            {
                if (inside >= 2)
                {
                    _second.TrySetResult();
                }
                else if (call == 1)
                {
                    // Hold the first call until a second one is inside, or until the pipeline has no more to give.
                    await Task.WhenAny(_second.Task, Task.Delay(TimeSpan.FromSeconds(2), cancellationToken));
                }

                await Task.Yield();
            }
            finally
            {
                Interlocked.Decrement(ref _inside);
            }
        }

        private void InterlockedMax(int value)
        {
            int current;
            while (value > (current = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, value, current) != current)
            {
            }
        }
    }
}
