using Microsoft.Extensions.Logging.Abstractions;
using TweetStream.Sinks.Sqlite;
using TweetStream.Sources.Replay;
using TweetStream.Sources.Synthetic;
using TweetStream.Tests.Sinks.Support;
using TweetStream.Tests.Support;
using TweetStream.Transforms.Hashing;

namespace TweetStream.Tests.Integration;

public sealed class CrashRestartTests
{
    [Fact]
    public async Task Restart_after_a_crash_loses_nothing_and_the_store_holds_each_post_once()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var stream = dir.Combine("london.ndjson");
        SyntheticStreamSummary summary;
        using (var file = File.Create(stream))
        {
            summary = new SyntheticStreamGenerator(new SyntheticStreamOptions { Count = 3000, Seed = 7 }).Write(file, null);
        }

        var replay = new ReplayOptions { Path = stream, CheckpointPath = dir.Combine("replay.checkpoint") };
        var store = new SqliteStoreOptions { Path = dir.Combine("posts.db") };
        var options = new PipelineOptions { BatchSize = 100, MaxParallelBatches = 3, BatchMaxDelay = TimeSpan.FromMilliseconds(5), DrainTimeout = TimeSpan.Zero };

        // Run 1 "crashes": once 1,000 posts are committed the process stops with no time to drain,
        // and the batches in flight never commit.
        using var stop = new CancellationTokenSource();
        long first;
        using (var sqlite = new SqliteStore(store))
        {
            var committed = 0L;
            var crashing = new CollectingSink("crashing")
            {
                OnWrite = async (batch, _, ct) =>
                {
                    if (Interlocked.Read(ref committed) >= 1000)
                    {
                        await stop.CancelAsync();
                        await Task.Delay(Timeout.Infinite, ct);
                    }

                    await sqlite.WriteAsync(batch, ct);
                    Interlocked.Add(ref committed, batch.Count);
                },
            };
            var pipeline = PipelineHarness.Create(
                new ReplaySource(replay, TimeProvider.System, NullLogger<ReplaySource>.Instance),
                [crashing],
                transforms: [new HashHandles(new TestKeyProvider())],
                options: options);
            var stats = await pipeline.RunAsync(stop.Token);
            first = stats.Received;
            Assert.True(stats.Written >= 1000 && stats.Written < summary.Posts, $"run 1 wrote {stats.Written}");
        }

        // Run 2 resumes from the checkpoint and runs to the end.
        using (var sqlite = new SqliteStore(store))
        {
            var pipeline = PipelineHarness.Create(
                new ReplaySource(replay, TimeProvider.System, NullLogger<ReplaySource>.Instance),
                [sqlite],
                transforms: [new HashHandles(new TestKeyProvider())],
                options: new PipelineOptions { BatchSize = 100, MaxParallelBatches = 3, BatchMaxDelay = TimeSpan.FromMilliseconds(5) });
            var stats = await pipeline.RunAsync(CancellationToken.None);

            Assert.True(stats.Received < summary.Posts + summary.Malformed, "run 2 resumed instead of starting over");
            Assert.True(first + stats.Received >= summary.Posts + summary.Malformed, "together the runs read every line at least once");

            var page = await sqlite.QueryAsync(
                new PostQuery(DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue.AddDays(-1), 1, 500), CancellationToken.None);
            Assert.Equal(summary.Posts, page.TotalCount);
        }
    }
}
