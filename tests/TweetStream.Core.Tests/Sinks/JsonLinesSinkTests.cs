using System.Text;
using TweetStream.Sinks;
using TweetStream.Sinks.JsonLines;
using TweetStream.Tests.Sinks.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sinks;

public sealed class JsonLinesSinkTests
{
    private static List<Post> ReadPosts(string path) =>
        [.. File.ReadAllLines(path).Select(l => PostJson.Deserialize(Encoding.UTF8.GetBytes(l)))];

    [Fact]
    public async Task Each_post_goes_to_the_file_of_its_UTC_creation_day()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var sink = new JsonLinesSink(new JsonLinesSinkOptions { Directory = dir.Path, FilePrefix = "london" });
        var lastMsOfDay = SinkPosts.Hashed(1, new DateTimeOffset(2026, 11, 26, 23, 59, 59, 999, TimeSpan.Zero));
        var midnight = SinkPosts.Hashed(2, new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero));
        // 00:30 in UTC+1 is still the 26th in UTC: the day follows UTC, not the offset the source used.
        var offset = SinkPosts.Hashed(3, new DateTimeOffset(2026, 11, 27, 0, 30, 0, TimeSpan.FromHours(1)));

        await sink.WriteAsync(SinkPosts.Batch(lastMsOfDay, midnight, offset), default);

        Assert.Equal(["london-2026-11-26.jsonl", "london-2026-11-27.jsonl"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order());
        Assert.Equal(["x:1", "x:3"], ReadPosts(dir.Combine("london-2026-11-26.jsonl")).Select(p => p.Id));
        Assert.Equal(["x:2"], ReadPosts(dir.Combine("london-2026-11-27.jsonl")).Select(p => p.Id));
    }

    [Fact]
    public async Task Appends_every_post_as_written_including_tombstones()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var sink = new JsonLinesSink(new JsonLinesSinkOptions { Directory = dir.Path });
        var post = SinkPosts.Hashed(1, piiTypes: "EMAIL");
        var deletedAt = SinkPosts.T0.AddMinutes(5);

        await sink.WriteAsync(SinkPosts.Batch(post), default);
        await sink.WriteAsync(SinkPosts.Batch(Post.Tombstone("x:1", "x", deletedAt), SinkPosts.Hashed(2)), default);

        var posts = ReadPosts(dir.Combine("posts-2026-11-26.jsonl"));
        Assert.Equal(3, posts.Count);
        Assert.Equal(post with { Hashtags = [], MatchedRules = [], PiiTypes = [] }, posts[0] with { Hashtags = [], MatchedRules = [], PiiTypes = [] });
        Assert.Equal(["london"], posts[0].Hashtags);
        Assert.Equal(["EMAIL"], posts[0].PiiTypes);
        Assert.Equal(deletedAt, posts[1].DeletedAt);
        Assert.Equal("x:1", posts[1].Id);
        Assert.Equal("x:2", posts[2].Id);
    }

    [Fact]
    public async Task Refuses_a_post_whose_author_is_not_hashed()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var sink = new JsonLinesSink(new JsonLinesSinkOptions { Directory = dir.Path });
        var batch = SinkPosts.Batch(SinkPosts.Hashed(1) with { Author = new PostAuthor("42", "alice_raw", "Alice") });

        await sink.WriteAsync(batch, default);

        Assert.Equal(SinkGuards.UnhashedAuthor, batch.GetFailure(0)?.Reason);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task A_failed_write_throws_so_the_pipeline_retries()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var blocked = dir.Combine("not-a-folder");
        await File.WriteAllTextAsync(blocked, "x");
        var sink = new JsonLinesSink(new JsonLinesSinkOptions { Directory = blocked });
        var batch = SinkPosts.Batch(SinkPosts.Hashed(1));

        await Assert.ThrowsAnyAsync<IOException>(() => sink.WriteAsync(batch, default).AsTask());
        Assert.False(batch.HasFailures);
    }
}

public sealed class JsonLinesGroupCommitTests
{
    [Fact]
    public async Task Batches_that_append_while_a_flush_runs_return_after_the_next_flush_which_covers_them_all()
    {
        using var dir = TestPaths.CreateTempDirectory();
        using var flushes = new HeldFirstFlush();
        var sink = new JsonLinesSink(new JsonLinesSinkOptions { Directory = dir.Path }, flushes.Flush);
        var path = dir.Combine("posts-2026-11-26.jsonl");

        await flushes.WriteFourAcrossTheHeldFlushAsync(
            i => sink.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(i)), default).AsTask(), path, "the four writes");

        Assert.True(flushes.Lengths[0] < flushes.Lengths[1]);
    }

    [Fact]
    public async Task A_failed_flush_fails_its_batch_and_the_next_flush_takes_its_file_again()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var calls = new List<string>();
        var sink = new JsonLinesSink(new JsonLinesSinkOptions { Directory = dir.Path }, (path, _) =>
        {
            lock (calls)
            {
                calls.Add(Path.GetFileName(path));
                if (calls.Count == 1)
                {
                    throw new IOException("injected: the disk went away");
                }
            }
        });
        var day1 = SinkPosts.Hashed(1, new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var day2 = SinkPosts.Hashed(2, new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

        var failed = await Assert.ThrowsAsync<IOException>(() => sink.WriteAsync(SinkPosts.Batch(day1), default).AsTask());
        Assert.Contains("injected", failed.Message, StringComparison.Ordinal);
        await sink.WriteAsync(SinkPosts.Batch(day2), default);

        // The lines of the failed batch are in the file (its retry appends them again: at-least-once), and the
        // next flush makes that file durable along with its own.
        Assert.Equal(["posts-2026-11-26.jsonl", "posts-2026-11-26.jsonl", "posts-2026-11-27.jsonl"], calls.Order());
        Assert.Single(File.ReadAllLines(dir.Combine("posts-2026-11-26.jsonl")));
    }
}
