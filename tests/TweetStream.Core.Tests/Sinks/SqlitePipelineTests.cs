using System.Text;
using TweetStream.Sinks;
using TweetStream.Sinks.Sqlite;
using TweetStream.Tests.Sinks.Support;
using TweetStream.Tests.Support;
using TweetStream.Transforms.Hashing;

namespace TweetStream.Tests.Sinks;

/// <summary>The embedded default end to end: source → HashHandles → SQLite, on the real pipeline runtime.</summary>
public sealed class SqlitePipelineTests
{
    private const string RawHandle = "alice_raw_handle";

    [Fact]
    public async Task No_raw_handle_reaches_the_database_file()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var dbPath = dir.Combine("tweetstream.db");
        var source = new InMemorySource();
        for (var i = 0; i < 300; i++)
        {
            source.Add(Posts.Make(i, handle: i % 2 == 0 ? RawHandle : "@Alice_Raw_Handle"), i);
        }

        source.Add(Post.Tombstone("x:5", "x", SinkPosts.T0.AddDays(1)), 300);
        source.Complete();
        var store = new SqliteStore(new SqliteStoreOptions { Path = dbPath });
        var deadLetters = new CollectingDeadLetterSink();
        var pipeline = PipelineHarness.Create(source, [store], deadLetters, [new HashHandles(new TestKeyProvider())]);

        var stats = await pipeline.RunAsync(CancellationToken.None);
        var page = await store.QueryAsync(new PostQuery(SinkPosts.T0, SinkPosts.T0.AddDays(1), 1, 500), default);
        store.Dispose();

        Assert.Equal(301, stats.Written);
        Assert.Empty(deadLetters.Items);
        Assert.Equal(301, source.Acks.Acked.Count);
        Assert.Equal(299, page.TotalCount);
        var expectedHash = new HandleHasher(new TestKeyProvider().Key).Hash(RawHandle);
        Assert.All(page.Items, p => Assert.Equal(expectedHash, p.Author.Handle));
        var bytes = RawDb.AllBytes(dbPath);
        Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(RawHandle)));
        Assert.Equal(-1, bytes.AsSpan().IndexOf("Alice_Raw_Handle"u8));
        Assert.Equal(-1, bytes.AsSpan().IndexOf("Some User"u8));
        // The search itself works: what was stored is found in the same bytes.
        Assert.NotEqual(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(expectedHash)));
        Assert.NotEqual(-1, bytes.AsSpan().IndexOf("post 299 #london"u8));
    }

    [Fact]
    public async Task Without_HashHandles_posts_are_dead_lettered_with_protected_payloads_and_never_stored()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var dbPath = dir.Combine("tweetstream.db");
        var deadLetterDir = dir.Combine("deadletters");
        var source = new InMemorySource();
        source.Add(Posts.Make(1, handle: RawHandle), 1);
        source.AddMalformed("truncated JSON", Encoding.UTF8.GetBytes("{\"username\":\"" + RawHandle), 2);
        source.Complete();
        var keys = new TestKeyProvider();
        using var deadLetters = new JsonLinesDeadLetterSink(new DeadLetterOptions { Directory = deadLetterDir }, TimeProvider.System, keys);
        using (var store = new SqliteStore(new SqliteStoreOptions { Path = dbPath }))
        {
            var pipeline = PipelineHarness.Create(source, [store], deadLetters);
            await pipeline.RunAsync(CancellationToken.None);
            Assert.Equal(0, (await store.QueryAsync(new PostQuery(DateTimeOffset.MinValue, DateTimeOffset.MaxValue), default)).TotalCount);
        }

        Assert.Equal([1L, 2L], source.Acks.Acked.Order());
        var file = Assert.Single(Directory.GetFiles(deadLetterDir, "*.jsonl"));
        var records = JsonLinesDeadLetterSinkTests.ReadRecords(file).OrderBy(r => r.GetProperty("stage").GetString(), StringComparer.Ordinal).ToList();
        Assert.Equal(["sink:sqlite", "source:memory"], records.Select(r => r.GetProperty("stage").GetString()));
        Assert.Equal(SinkGuards.UnhashedAuthor, records[0].GetProperty("reason").GetString());
        Assert.Equal("truncated JSON", records[1].GetProperty("reason").GetString());
        var key = JsonLinesDeadLetterSink.DeriveKey(keys, deadLetterDir);
        var post = PostJson.Deserialize(JsonLinesDeadLetterSink.Unprotect(key, records[0].GetProperty("payload").GetBytesFromBase64()));
        Assert.Equal(RawHandle, post.Author.Handle);
        Assert.Equal(-1, (await File.ReadAllBytesAsync(file)).AsSpan().IndexOf(Encoding.UTF8.GetBytes(RawHandle)));
        Assert.Equal(-1, RawDb.AllBytes(dbPath).AsSpan().IndexOf(Encoding.UTF8.GetBytes(RawHandle)));
    }
}
