using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TweetStream.Pipeline;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Pipeline;

/// <summary>The concurrency and ownership a sink gets from its registration.</summary>
public sealed class SinkRegistrationContractTests
{
    [Fact]
    public async Task A_sink_registered_without_declared_parallelism_gets_one_call_at_a_time()
    {
        var inner = new BlockingSink();
        var sink = new ManagedSink(inner, new SinkRegistrationOptions());

        var first = sink.WriteAsync(new SinkBatch([Posts.Make(1)]), CancellationToken.None).AsTask();
        var second = sink.WriteAsync(new SinkBatch([Posts.Make(2)]), CancellationToken.None).AsTask();

        await inner.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, inner.Inside);
        Assert.False(second.IsCompleted);
        inner.Release();
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, inner.Calls);
        Assert.Equal(1, inner.MaxInside);
    }

    [Fact]
    public async Task A_sink_that_declares_parallelism_gets_that_many_calls_at_once_and_no_more()
    {
        var inner = new BlockingSink();
        var sink = new ManagedSink(inner, new SinkRegistrationOptions { MaxConcurrency = 2 });

        var calls = Enumerable.Range(0, 3).Select(i => sink.WriteAsync(new SinkBatch([Posts.Make(i)]), CancellationToken.None).AsTask()).ToArray();

        await inner.TwoInside.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, inner.Inside);
        inner.Release();
        await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, inner.MaxInside);
    }

    [Fact]
    public void Built_in_sinks_declare_their_parallelism_and_the_shared_SQLite_store_is_not_disposed_by_the_pipeline()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var services = new ServiceCollection();
        services.AddTweetStream(p => p
            .AddSqliteStore(o => o.Path = dir.Combine("db.sqlite"))
            .AddJsonLinesSink(o => o.Directory = dir.Combine("posts"))
            .AddConsoleSink()
            .AddSink<BlockingSink>());
        using var provider = services.BuildServiceProvider();
        var factories = provider.GetRequiredService<IOptionsMonitor<PipelineComponents>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName).Sinks;

        var sinks = factories.Select(f => Assert.IsType<ManagedSink>(f(provider))).ToArray();

        Assert.Equal(["sqlite", "jsonl", "console", "blocking"], sinks.Select(s => s.Name));
        Assert.Equal([int.MaxValue, int.MaxValue, int.MaxValue, 1], sinks.Select(s => s.MaxConcurrency));
        Assert.Equal([false, true, true, true], sinks.Select(s => s.DisposesInner));
    }

    [Fact]
    public void A_declared_parallelism_below_one_is_rejected_at_registration()
    {
        var services = new ServiceCollection();
        Assert.Throws<ArgumentOutOfRangeException>(() => services.AddTweetStream(p => p.AddSink<BlockingSink>(o => o.MaxConcurrency = 0)));
    }

    internal sealed class BlockingSink : ISink
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inside;
        private int _maxInside;
        private int _calls;

        public string Name => "blocking";

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource TwoInside { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Inside => Volatile.Read(ref _inside);

        public int MaxInside => Volatile.Read(ref _maxInside);

        public int Calls => Volatile.Read(ref _calls);

        public void Release() => _release.TrySetResult();

        public async ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            var inside = Interlocked.Increment(ref _inside);
            lock (this)
            {
                _maxInside = Math.Max(_maxInside, inside);
            }

            Entered.TrySetResult();
            if (inside == 2)
            {
                TwoInside.TrySetResult();
            }

            await _release.Task.WaitAsync(cancellationToken);
            Interlocked.Decrement(ref _inside);
        }
    }
}
