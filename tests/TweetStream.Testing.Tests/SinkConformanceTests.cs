using TweetStream.Testing.Tests.Support;

namespace TweetStream.Testing.Tests;

public sealed class SinkConformanceTests
{
    [Fact]
    public async Task The_in_memory_sink_passes_every_check_at_any_declared_parallelism()
    {
        var store = new InMemorySink();
        await SinkConformance.VerifyAllAsync(new SinkConformanceOptions
        {
            CreateSink = () => store,
            ReadStoredAsync = store.ReadStoredAsync,
            MaxConcurrency = 8,
        });
    }

    [Fact]
    public async Task A_sink_that_stores_redeliveries_twice_fails_the_duplicates_check()
    {
        var store = new AppendStore();
        var options = new SinkConformanceOptions { CreateSink = () => new DuplicateWritingSink(store), ReadStoredAsync = store.ReadAsync };

        var violation = await Assert.ThrowsAsync<ConformanceException>(() => SinkConformance.DuplicatesAreHarmlessAsync(options));
        Assert.StartsWith("Duplicates are harmless", violation.Message, StringComparison.Ordinal);
        Assert.Contains("stored 3 times", violation.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ConformanceException>(() => SinkConformance.VerifyAllAsync(options));
    }

    [Fact]
    public async Task An_append_only_store_may_repeat_a_post_but_not_change_it()
    {
        var store = new AppendStore();
        var options = new SinkConformanceOptions { CreateSink = () => new DuplicateWritingSink(store), ReadStoredAsync = store.ReadAsync, AppendOnly = true };

        await SinkConformance.DuplicatesAreHarmlessAsync(options);
    }

    [Fact]
    public async Task A_sink_that_ignores_cancellation_fails_the_cancellation_check()
    {
        var store = new InMemorySink();
        var options = new SinkConformanceOptions { CreateSink = () => new CancellationIgnoringSink(store), ReadStoredAsync = store.ReadStoredAsync };

        var violation = await Assert.ThrowsAsync<ConformanceException>(() => SinkConformance.CancellationIsHonouredAsync(options));
        Assert.StartsWith("Cancellation is honoured", violation.Message, StringComparison.Ordinal);
        await SinkConformance.EveryItemIsCommittedOrMarkedAsync(options); // otherwise it writes fine
    }

    [Fact]
    public async Task A_sink_that_loses_items_silently_fails_the_commit_check()
    {
        var store = new InMemorySink();
        var options = new SinkConformanceOptions { CreateSink = () => new ItemLosingSink(store), ReadStoredAsync = store.ReadStoredAsync };

        var violation = await Assert.ThrowsAsync<ConformanceException>(() => SinkConformance.EveryItemIsCommittedOrMarkedAsync(options));
        Assert.Contains(":3 was neither stored nor marked", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sink_that_marks_what_it_cannot_store_passes_the_commit_check()
    {
        var store = new InMemorySink();
        var sink = new ScriptedFaultSink(store).ThenMarkFailed(p => p.Id.EndsWith(":3", StringComparison.Ordinal), "rejected");

        await SinkConformance.EveryItemIsCommittedOrMarkedAsync(new SinkConformanceOptions { CreateSink = () => sink, ReadStoredAsync = store.ReadStoredAsync });
    }

    [Fact]
    public async Task A_sink_that_writes_only_on_flush_fails_the_dispose_check()
    {
        var store = new InMemorySink();
        var options = new SinkConformanceOptions { CreateSink = () => new FlushOnlySink(store), ReadStoredAsync = store.ReadStoredAsync };

        await SinkConformance.EveryItemIsCommittedOrMarkedAsync(options); // flushed explicitly: fine
        var violation = await Assert.ThrowsAsync<ConformanceException>(() => SinkConformance.DisposeFlushesAsync(options));
        Assert.StartsWith("Dispose flushes", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sink_that_lets_a_redelivery_resurrect_a_deleted_post_fails_the_tombstone_check()
    {
        var sink = new ResurrectingSink();
        var options = new SinkConformanceOptions { CreateSink = () => sink, ReadStoredAsync = sink.ReadAsync };

        var violation = await Assert.ThrowsAsync<ConformanceException>(() => SinkConformance.TombstonesAreHonouredAsync(options));
        Assert.StartsWith("Tombstones are honoured", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sink_that_corrupts_overlapping_writes_fails_the_concurrency_check_at_its_declared_parallelism()
    {
        var store = new InMemorySink();
        var options = new SinkConformanceOptions { CreateSink = () => new ThreadUnsafeSink(store), ReadStoredAsync = store.ReadStoredAsync, MaxConcurrency = 4 };

        var violation = await Assert.ThrowsAsync<ConformanceException>(() => SinkConformance.ConcurrentWritesAreSafeAsync(options));
        Assert.Contains("Concurrent writes are safe (4 at a time)", violation.Message, StringComparison.Ordinal);
    }
}
