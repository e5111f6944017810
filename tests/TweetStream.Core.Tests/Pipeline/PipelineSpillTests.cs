using Microsoft.Extensions.Logging.Abstractions;
using TweetStream.Pipeline;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Pipeline;

/// <summary>Push sources past the memory bound: a bounded, encrypted, crash-safe disk buffer instead of shedding.</summary>
public sealed class PipelineSpillTests : IDisposable
{
    private static readonly byte[] Secret = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private readonly TempDirectory _dir = TestPaths.CreateTempDirectory();

    public void Dispose() => _dir.Dispose();

    private PipelineOptions Options(long spillMaxBytes = 1024L * 1024 * 1024) => new()
    {
        BufferCapacity = 10,
        BatchSize = 5,
        MaxParallelBatches = 1,
        BatchMaxDelay = TimeSpan.FromMilliseconds(1),
        RetryBaseDelay = TimeSpan.Zero,
        RetryMaxDelay = TimeSpan.Zero,
        DrainTimeout = TimeSpan.Zero,
        SpillDirectory = Path.Combine(_dir.Path, "spill"),
        SpillMaxBytes = spillMaxBytes,
    };

    private static TweetPipeline Create(ITweetSource source, ISink sink, PipelineOptions options, CollectingDeadLetterSink? deadLetters = null) =>
        PipelineHarness.Create(source, [sink], deadLetters, options: options,
            spill: new SpillBuffer(options.SpillDirectory!, options.SpillMaxBytes, options.SpillFsyncInterval, Secret, TimeProvider.System, NullLogger.Instance));

    [Fact]
    public async Task A_push_source_outrunning_a_stalled_sink_spills_to_disk_and_every_item_arrives_once_in_order()
    {
        var source = new InMemorySource(SourceDelivery.Push);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sink = new CollectingSink { OnWrite = async (_, _, ct) => await gate.Task.WaitAsync(ct) };
        var pipeline = Create(source, sink, Options());
        using var stop = new CancellationTokenSource();
        var run = pipeline.RunAsync(stop.Token);

        for (var i = 0; i < 200; i++)
        {
            source.Add(Posts.Make(i), i);
        }

        await Patience.UntilAsync(() => pipeline.Statistics.Received == 200 || run.IsCompleted, "200 items read", details: () => run.Exception?.ToString() ?? "the run is still going");
        Assert.False(run.IsCompleted, run.Exception?.ToString() ?? "the run ended early");
        Assert.True(pipeline.Statistics.Spilled >= 150, $"spilled {pipeline.Statistics.Spilled}");
        Assert.Equal(0, pipeline.Statistics.Shed);

        gate.SetResult();
        await Patience.UntilAsync(() => sink.Committed.Count == 200);
        await stop.CancelAsync();
        await run;

        Assert.Equal(Enumerable.Range(0, 200).Select(i => "x:" + i), sink.Committed.Select(p => p.Id));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir.Path, "spill"), "*.spill").Where(f => new FileInfo(f).Length > 0).Skip(1)); // at most the open segment remains
    }

    [Fact]
    public async Task What_was_spilled_before_a_stop_is_delivered_first_after_the_restart()
    {
        var options = Options();
        var first = new InMemorySource(SourceDelivery.Push);
        var stalled = new CollectingSink { OnWrite = async (_, _, ct) => await Task.Delay(Timeout.Infinite, ct) };
        var run1Pipeline = Create(first, stalled, options);
        using (var crash = new CancellationTokenSource())
        {
            var run1 = run1Pipeline.RunAsync(crash.Token);
            for (var i = 0; i < 100; i++)
            {
                first.Add(Posts.Make(i), i);
            }

            await Patience.UntilAsync(() => run1Pipeline.Statistics.Received == 100);
            await crash.CancelAsync();
            await run1;
        }

        // The source's acks cover exactly what the disk took; the rest stays with the source (a cursor redelivers it).
        var spilled = first.Acks.Acked.Order().ToList();
        Assert.Equal(run1Pipeline.Statistics.Spilled, spilled.Count);
        Assert.True(spilled.Count >= 80, $"spilled {spilled.Count}");

        var second = new InMemorySource(SourceDelivery.Push);
        var sink = new CollectingSink();
        var run2Pipeline = Create(second, sink, options);
        using var stop = new CancellationTokenSource();
        var run2 = run2Pipeline.RunAsync(stop.Token);
        await Patience.UntilAsync(() => sink.Committed.Count == spilled.Count);
        second.Add(Posts.Make(1000), 1000);
        await Patience.UntilAsync(() => sink.Committed.Count == spilled.Count + 1);
        await stop.CancelAsync();
        await run2;

        Assert.Equal(spilled.Select(i => "x:" + i).Append("x:1000"), sink.Committed.Select(p => p.Id));
    }

    [Fact]
    public async Task Items_are_shed_and_counted_only_once_the_disk_bound_is_full_too()
    {
        var source = new InMemorySource(SourceDelivery.Push);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sink = new CollectingSink { OnWrite = async (_, _, ct) => await gate.Task.WaitAsync(ct) };
        var pipeline = Create(source, sink, Options(spillMaxBytes: 16 * 1024));
        using var stop = new CancellationTokenSource();
        var run = pipeline.RunAsync(stop.Token);

        for (var i = 0; i < 300; i++)
        {
            source.Add(Posts.Make(i), i);
        }

        await Patience.UntilAsync(() => pipeline.Statistics.Received == 300);
        var stats = pipeline.Statistics;
        Assert.True(stats.Spilled > 0 && stats.Shed > 0, $"spilled {stats.Spilled} shed {stats.Shed}");
        Assert.Equal(stats.Shed, source.Acks.Rejected.Count);
        gate.SetResult();
        await Patience.UntilAsync(() => sink.Committed.Count == 300 - stats.Shed);
        await stop.CancelAsync();
        await run;
        Assert.Equal(300 - stats.Shed, sink.Committed.Select(p => p.Id).Distinct().Count());
    }

    [Fact]
    public async Task Appending_while_draining_hands_every_item_back_once_in_order_and_readable()
    {
        // The appender and the drainer run on different threads; a shared cipher state once turned records unreadable.
        const int count = 20_000;
        using var buffer = new SpillBuffer(Path.Combine(_dir.Path, "concurrent"), 1L << 30, TimeSpan.FromSeconds(1), Secret, TimeProvider.System, NullLogger.Instance);
        var received = new List<SourceItem>(count);
        using var stop = new CancellationTokenSource();
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var drainer = Task.Run(() => buffer.DrainAsync(
            async (item, ct) =>
            {
                received.Add(item);
                await item.Acknowledgement.AcknowledgeAsync(ct);
                if (received.Count == count)
                {
                    drained.TrySetResult();
                }
            },
            stop.Token));
        var appender = Task.Run(() =>
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(buffer.TryAppend(SourceItem.ForPost(Posts.Make(i), 100)));
            }
        });

        await appender.WithinSafetyNet("20,000 appends");
        await Task.WhenAny(drained.Task, drainer).WithinSafetyNet("20,000 items handed back");
        Assert.False(drainer.IsFaulted, drainer.Exception?.ToString());
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => drainer);

        Assert.Empty(received.Where(x => x.Post is null).Select(x => x.Error));
        Assert.Equal(Enumerable.Range(0, count).Select(i => "x:" + i), received.Select(x => x.Post!.Id));
        Assert.Equal(0, buffer.Pending);
    }

    [Fact]
    public void A_record_torn_by_a_crash_mid_append_is_cut_and_the_whole_ones_survive()
    {
        var directory = Path.Combine(_dir.Path, "torn");
        using (var buffer = new SpillBuffer(directory, 1 << 20, TimeSpan.Zero, Secret, TimeProvider.System, NullLogger.Instance))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.True(buffer.TryAppend(SourceItem.ForPost(Posts.Make(i), 100)));
            }
        }

        var segment = Assert.Single(Directory.GetFiles(directory, "*.spill"));
        using (var file = new FileStream(segment, FileMode.Append))
        {
            file.Write([200, 0, 0, 0, 1, 2, 3]); // a length prefix and part of a record: the process died here
        }

        using var reopened = new SpillBuffer(directory, 1 << 20, TimeSpan.Zero, Secret, TimeProvider.System, NullLogger.Instance);
        Assert.Equal(3, reopened.Pending);
    }

    [Fact]
    public void Spilled_records_hold_no_readable_handle_or_text()
    {
        var directory = Path.Combine(_dir.Path, "plain");
        using (var buffer = new SpillBuffer(directory, 1 << 20, TimeSpan.Zero, Secret, TimeProvider.System, NullLogger.Instance))
        {
            Assert.True(buffer.TryAppend(SourceItem.ForPost(Posts.Make(7, handle: "raw_handle_here"), 100)));
        }

        var bytes = File.ReadAllBytes(Assert.Single(Directory.GetFiles(directory, "*.spill")));
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.DoesNotContain("raw_handle_here", text, StringComparison.Ordinal);
        Assert.DoesNotContain("#london", text, StringComparison.Ordinal);
    }
}
