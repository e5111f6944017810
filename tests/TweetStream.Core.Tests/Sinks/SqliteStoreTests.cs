using System.Text.Json;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TweetStream.Pipeline;
using TweetStream.Sinks;
using TweetStream.Sinks.Sqlite;
using TweetStream.Tests.Sinks.Support;
using TweetStream.Tests.Support;
using Xunit.Abstractions;

namespace TweetStream.Tests.Sinks;

public sealed class SqliteStoreTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = TestPaths.CreateTempDirectory();

    private string DbPath => _dir.Combine("db", "tweetstream.db");

    public void Dispose() => _dir.Dispose();

    // The posts table as schema version 1 created it, for the migration tests to start from.
    private const string Version1Posts = """
        CREATE TABLE posts (id TEXT NOT NULL PRIMARY KEY, source TEXT NOT NULL, created_at INTEGER NOT NULL, received_at INTEGER,
            author_id_hash TEXT NOT NULL, author_hash TEXT NOT NULL, text TEXT NOT NULL, lang TEXT, hashtags TEXT NOT NULL,
            matched_rules TEXT NOT NULL, pii_types TEXT NOT NULL, url TEXT, deleted_at INTEGER) STRICT, WITHOUT ROWID;
        CREATE INDEX posts_created_at ON posts (created_at) WHERE deleted_at IS NULL;

        """;

    private SqliteStore CreateStore(int maxPageSize = 500) => new(new SqliteStoreOptions { Path = DbPath, MaxPageSize = maxPageSize });

    private static PostQuery Everything(int page = 1, int pageSize = 50) =>
        new(DateTimeOffset.MinValue.AddYears(1), DateTimeOffset.MaxValue.AddYears(-1), page, pageSize);

    [Fact]
    public async Task Creates_the_schema_in_WAL_mode_with_a_version()
    {
        using (var store = CreateStore())
        {
            await store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(1)), default);
            Assert.Equal("wal", RawDb.Scalar(DbPath, "PRAGMA journal_mode"));
        }

        Assert.Equal((long)SqliteStore.SchemaVersion, RawDb.Scalar(DbPath, "PRAGMA user_version"));
        Assert.Equal(1L, RawDb.Scalar(DbPath, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'posts_created_at'"));
        Assert.Equal(16L, RawDb.Scalar(DbPath, "SELECT v FROM post_text_config WHERE k = 'automerge'"));
        Assert.Equal((long)SqliteStore.NewFilePageSize, RawDb.Scalar(DbPath, "PRAGMA page_size"));
    }

    [Fact]
    public async Task Checkpoints_run_beside_the_writer_and_keep_the_WAL_to_a_few_commits()
    {
        using var store = CreateStore();
        var filler = string.Join(' ', Enumerable.Repeat("Borough Market in the rain", 24)); // about 650 chars a post
        var written = 0;
        for (var round = 1; round <= 25; round++)
        {
            for (var commit = 0; commit < SqliteStore.CommitsPerCheckpoint; commit++)
            {
                var posts = Enumerable.Range(written, 100).Select(i => SinkPosts.Hashed(i) with { Text = filler + " " + i }).ToArray();
                await store.WriteAsync(SinkPosts.Batch(posts), default);
                written += posts.Length;
            }

            // The writer asked for a checkpoint after these commits and goes on without waiting for it.
            await Patience.UntilAsync(() => store.Checkpoints >= round);
        }

        // Ten thousand posts (well over 10 MB with their index) went through a WAL that never held much more than
        // one round's commits: each checkpoint finished, so the next commit wrote the WAL from its start again.
        var wal = new FileInfo(DbPath + "-wal");
        Assert.True(wal.Length < 4 * 1024 * 1024, $"the WAL grew to {wal.Length} bytes");
        Assert.True(new FileInfo(DbPath).Length > 10 * 1024 * 1024, "the posts reached the database file");
        Assert.Equal((long)written, RawDb.Scalar(DbPath, "SELECT COUNT(*) FROM posts"));
    }

    [Fact]
    public async Task Refuses_a_database_from_a_newer_schema_version()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DbPath)!);
        RawDb.Scalar(DbPath, "PRAGMA user_version = 99");
        using var store = CreateStore();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(1)), default).AsTask());
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stores_every_field_and_reads_it_back()
    {
        using var store = CreateStore();
        var post = SinkPosts.Hashed(1, piiTypes: ["EMAIL", "UK_PHONE"]) with
        {
            Hashtags = ["london", "Zürich"],
            MatchedRules = ["london", "rule \"2\""],
            Text = "Tea at the Café in 東京 🚇 \"quoted\" \\ done",
        };

        await store.WriteAsync(SinkPosts.Batch(post), default);
        var page = await store.QueryAsync(Everything(), default);

        var read = Assert.Single(page.Items);
        Assert.Equal(post.Id, read.Id);
        Assert.Equal(post.Source, read.Source);
        Assert.Equal(post.CreatedAt, read.CreatedAt);
        Assert.Equal(post.ReceivedAt, read.ReceivedAt);
        Assert.Equal(post.Text, read.Text);
        Assert.Equal(post.Author, read.Author);
        Assert.Equal(post.Language, read.Language);
        Assert.Equal(post.Url, read.Url);
        Assert.Equal(post.Hashtags, read.Hashtags);
        Assert.Equal(post.MatchedRules, read.MatchedRules);
        Assert.Equal(post.PiiTypes, read.PiiTypes);
        Assert.Null(read.DeletedAt);
        var row = Assert.Single(RawDb.Rows(DbPath));
        Assert.Equal(post.CreatedAt.ToUnixTimeMilliseconds(), row["created_at"]);
        Assert.Equal("[\"EMAIL\",\"UK_PHONE\"]", row["pii_types"]);

        // The columns hold the text the store wrote before it encoded rows itself: the lists as JsonSerializer writes
        // them, the text as it is.
        Assert.Equal(JsonSerializer.Serialize(post.Hashtags), row["hashtags"]);
        Assert.Equal(JsonSerializer.Serialize(post.MatchedRules), row["matched_rules"]);
        Assert.Equal(post.Text, row["text"]);
        Assert.Single((await store.QueryAsync(Everything() with { Filter = new PostFilter(Text: "café 東京") }, default)).Items);
    }

    [Fact]
    public async Task The_same_post_twice_is_stored_once()
    {
        using var store = CreateStore();
        var post = SinkPosts.Hashed(1);

        await store.WriteAsync(SinkPosts.Batch(post, post), default);
        await store.WriteAsync(SinkPosts.Batch(post), default);

        Assert.Single(RawDb.Rows(DbPath));
        Assert.Equal(1, (await store.QueryAsync(Everything(), default)).TotalCount);
    }

    [Fact]
    public async Task A_tombstone_after_the_post_blanks_the_row_and_hides_it()
    {
        using var store = CreateStore();
        var post = SinkPosts.Hashed(1, piiTypes: "EMAIL");
        var deletedAt = SinkPosts.T0.AddHours(1);

        await store.WriteAsync(SinkPosts.Batch(post, SinkPosts.Hashed(2)), default);
        await store.WriteAsync(SinkPosts.Batch(Post.Tombstone(post.Id, "x", deletedAt)), default);

        var row = Assert.Single(RawDb.Rows(DbPath, "id = 'x:1'"));
        Assert.Equal(string.Empty, row["text"]);
        Assert.Equal(string.Empty, row["author_hash"]);
        Assert.Equal(string.Empty, row["author_id_hash"]);
        Assert.Equal("[]", row["pii_types"]);
        Assert.Equal("[]", row["hashtags"]);
        Assert.Null(row["url"]);
        Assert.Equal(deletedAt.ToUnixTimeMilliseconds(), row["deleted_at"]);
        Assert.Equal(post.CreatedAt.ToUnixTimeMilliseconds(), row["created_at"]);
        var page = await store.QueryAsync(Everything(), default);
        Assert.Equal(["x:2"], page.Items.Select(p => p.Id));
        Assert.Equal(1, page.TotalCount);
        Assert.Empty((await store.GetStatisticsAsync(new PostStatisticsQuery(DateTimeOffset.MinValue, DateTimeOffset.MaxValue), default)).RedactionsByType);
    }

    [Fact]
    public async Task A_tombstone_before_the_post_keeps_the_late_post_deleted()
    {
        using var store = CreateStore();
        var post = SinkPosts.Hashed(1);
        var deletedAt = SinkPosts.T0.AddHours(1);

        await store.WriteAsync(SinkPosts.Batch(Post.Tombstone(post.Id, "x", deletedAt)), default);
        var tombstoneRow = Assert.Single(RawDb.Rows(DbPath));
        Assert.Equal(deletedAt.ToUnixTimeMilliseconds(), tombstoneRow["deleted_at"]);
        await store.WriteAsync(SinkPosts.Batch(post), default);

        var row = Assert.Single(RawDb.Rows(DbPath));
        Assert.Equal(string.Empty, row["text"]);
        Assert.Equal(string.Empty, row["author_hash"]);
        Assert.Equal(deletedAt.ToUnixTimeMilliseconds(), row["deleted_at"]);
        Assert.Empty((await store.QueryAsync(Everything(), default)).Items);
    }

    [Fact]
    public async Task A_duplicate_of_a_deleted_post_does_not_resurrect_it()
    {
        using var store = CreateStore();
        var post = SinkPosts.Hashed(1);

        await store.WriteAsync(SinkPosts.Batch(post), default);
        await store.WriteAsync(SinkPosts.Batch(Post.Tombstone(post.Id, "x", SinkPosts.T0.AddHours(1))), default);
        // Redelivery after a restart: the original, then the same batch again with the tombstone.
        await store.WriteAsync(SinkPosts.Batch(post), default);
        await store.WriteAsync(SinkPosts.Batch(post, Post.Tombstone(post.Id, "x", SinkPosts.T0.AddHours(2))), default);

        var row = Assert.Single(RawDb.Rows(DbPath));
        Assert.Equal(string.Empty, row["text"]);
        Assert.Equal(SinkPosts.T0.AddHours(1).ToUnixTimeMilliseconds(), row["deleted_at"]);
        Assert.Equal(0, (await store.QueryAsync(Everything(), default)).TotalCount);
    }

    [Fact]
    public async Task Range_query_returns_exactly_the_posts_in_from_to_newest_first_with_paging()
    {
        using var store = CreateStore();
        var posts = Enumerable.Range(0, 30).Select(i => SinkPosts.Hashed(i, SinkPosts.T0.AddMinutes(i))).ToArray();
        // Two posts share a timestamp: paging must still be a stable total order (id breaks the tie).
        posts[12] = posts[12] with { CreatedAt = posts[11].CreatedAt };
        await store.WriteAsync(SinkPosts.Batch(posts[..15]), default);
        await store.WriteAsync(SinkPosts.Batch(posts[15..]), default);
        var from = SinkPosts.T0.AddMinutes(5);
        var to = SinkPosts.T0.AddMinutes(20);

        var pages = new List<PostPage>();
        for (var page = 1; page <= 5; page++)
        {
            pages.Add(await store.QueryAsync(new PostQuery(from, to, page, 4), default));
        }

        var expected = posts.Where(p => p.CreatedAt >= from && p.CreatedAt < to)
            .OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Id, StringComparer.Ordinal).Select(p => p.Id).ToList();
        Assert.Equal(15, expected.Count);
        Assert.Equal(expected, pages.SelectMany(p => p.Items).Select(p => p.Id));
        Assert.All(pages, p => Assert.Equal(15, p.TotalCount));
        Assert.Equal([4, 4, 4, 3, 0], pages.Select(p => p.Items.Count));
        Assert.Equal("x:19", pages[0].Items[0].Id);
        Assert.Equal("x:5", pages[3].Items[^1].Id);
        Assert.Equal([1, 2, 3, 4, 5], pages.Select(p => p.Page));
    }

    [Fact]
    public async Task Keyset_pages_neither_repeat_nor_skip_while_newer_posts_arrive()
    {
        using var store = CreateStore();
        var posts = Enumerable.Range(0, 30).Select(i => SinkPosts.Hashed(i, SinkPosts.T0.AddMinutes(i))).ToArray();
        posts[12] = posts[12] with { CreatedAt = posts[11].CreatedAt }; // a tie: the id orders it
        await store.WriteAsync(SinkPosts.Batch(posts), default);
        var (from, to) = (SinkPosts.T0, SinkPosts.T0.AddHours(1));
        var expected = posts.OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Id, StringComparer.Ordinal).Select(p => p.Id).ToList();

        var seen = new List<string>();
        PostCursor? after = null;
        for (var round = 0; round < 20; round++)
        {
            var page = await store.QueryAsync(new PostQuery(from, to, 1, 4) { After = after }, default);
            seen.AddRange(page.Items.Select(p => p.Id));
            if (page.Next is null)
            {
                break;
            }

            after = page.Next;
            // A newer post lands inside the fixed range between two pages: offset paging would repeat a row.
            await store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(100 + round, SinkPosts.T0.AddMinutes(59).AddSeconds(-round))), default);
        }

        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task Full_text_search_finds_words_as_prefixes_in_the_redacted_text_and_treats_operators_as_text()
    {
        using var store = CreateStore();
        await store.WriteAsync(SinkPosts.Batch(
            SinkPosts.Hashed(1) with { Text = "Tea at the Shard, call [UK_PHONE]" },
            SinkPosts.Hashed(2) with { Text = "Rain over the Thames" },
            SinkPosts.Hashed(3) with { Text = "Café near the shard\" OR \"rain" },
            SinkPosts.Hashed(4) with { Text = "shard tea" }), default);
        await store.WriteAsync(SinkPosts.Batch(Post.Tombstone("x:4", "x", SinkPosts.T0.AddHours(1))), default);

        async Task<string[]> Search(string text) =>
            [.. (await store.QueryAsync(Everything() with { Filter = new PostFilter(Text: text) }, default)).Items.Select(p => p.Id)];

        Assert.Equal(["x:3", "x:1"], await Search("SHARD"));
        Assert.Equal(["x:1"], await Search("sha tea"));          // every word, each as a prefix
        Assert.Equal(["x:3"], await Search("cafe"));             // diacritics folded
        Assert.Equal(["x:1"], await Search("uk_phone"));         // the redaction marker is text like any other
        Assert.Empty(await Search("\"shard\" OR rain NEAR(x)")); // operators are words, not syntax
        Assert.Equal(["x:3", "x:2", "x:1"], await Search("!!"));  // nothing searchable: no text filter

        // A post's new text replaces its old words.
        await store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(2) with { Text = "Sunny now" }), default);
        Assert.Empty(await Search("thames"));
        Assert.Equal(["x:2"], await Search("sunny"));
    }

    [Fact]
    public async Task A_batch_enters_the_search_index_as_one_segment()
    {
        // Indexed row by row (schema 2's triggers), a batch became one FTS5 segment per post, merged
        // over and over: 35 to 45 µs a post. One segment per batch is the shape that avoids it.
        using var store = CreateStore();
        var words = new[] { "shard", "thames", "borough", "market", "tube", "rain", "coffee", "museum" };
        var posts = Enumerable.Range(0, 200).Select(i => SinkPosts.Hashed(i) with { Text = $"{words[i % 8]} {words[(i / 8) % 8]} number{i}" }).ToArray();

        await store.WriteAsync(SinkPosts.Batch(posts), default);

        Assert.Equal(1L, RawDb.Scalar(DbPath, "SELECT COUNT(DISTINCT segid) FROM post_text_idx"));
        var page = await store.QueryAsync(Everything(pageSize: 500) with { Filter = new PostFilter(Text: "tube coffee") }, default);
        Assert.Equal(posts.Where(p => p.Text.StartsWith("tube coffee", StringComparison.Ordinal) || p.Text.StartsWith("coffee tube", StringComparison.Ordinal)).Select(p => p.Id).Order(StringComparer.Ordinal),
            page.Items.Select(p => p.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["x:137"], (await store.QueryAsync(Everything() with { Filter = new PostFilter(Text: "number137") }, default)).Items.Select(p => p.Id));
    }

    [Fact]
    public async Task A_post_edited_or_deleted_within_its_own_batch_is_searchable_only_by_what_it_ends_as()
    {
        using var store = CreateStore();
        await store.WriteAsync(SinkPosts.Batch(
            SinkPosts.Hashed(1) with { Text = "Rain over the Thames" },
            SinkPosts.Hashed(2) with { Text = "Tea at the Shard" },
            SinkPosts.Hashed(1) with { Text = "Sunny now" },
            Post.Tombstone("x:2", "x", SinkPosts.T0.AddHours(1))), default);

        async Task<string[]> Search(string text) =>
            [.. (await store.QueryAsync(Everything() with { Filter = new PostFilter(Text: text) }, default)).Items.Select(p => p.Id)];

        Assert.Empty(await Search("thames"));
        Assert.Equal(["x:1"], await Search("sunny"));
        Assert.Empty(await Search("shard"));
        Assert.Equal(1L, RawDb.Scalar(DbPath, "SELECT COUNT(*) FROM post_text WHERE post_text MATCH 'sunny OR thames OR shard'"));

        // A late copy of the deleted post changes no row, so nothing of it enters the index either.
        await store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(2) with { Text = "Tea at the Shard" }), default);
        Assert.Empty(await Search("shard"));
        Assert.Equal(0L, RawDb.Scalar(DbPath, "SELECT COUNT(*) FROM post_text WHERE post_text MATCH 'shard'"));
    }

    [Fact]
    public async Task A_version_2_database_keeps_its_index_and_its_old_posts_can_still_be_edited()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DbPath)!);
        RawDb.Scalar(DbPath, Version1Posts + """
            CREATE TABLE post_keys (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE) STRICT;
            CREATE VIRTUAL TABLE post_text USING fts5(text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
            CREATE TRIGGER posts_text_insert AFTER INSERT ON posts BEGIN
                INSERT INTO post_keys (id) VALUES (new.id) ON CONFLICT (id) DO NOTHING;
                DELETE FROM post_text WHERE rowid = (SELECT n FROM post_keys WHERE id = new.id);
                INSERT INTO post_text (rowid, text) SELECT n, new.text FROM post_keys WHERE id = new.id AND new.deleted_at IS NULL;
            END;
            CREATE TRIGGER posts_text_update AFTER UPDATE OF text, deleted_at ON posts BEGIN
                DELETE FROM post_text WHERE rowid = (SELECT n FROM post_keys WHERE id = new.id);
                INSERT INTO post_text (rowid, text) SELECT n, new.text FROM post_keys WHERE id = new.id AND new.deleted_at IS NULL;
            END;
            INSERT INTO posts VALUES ('x:1', 'x', 1795687200000, NULL, 'k1:a', 'k1:b', 'an older post about Borough Market', 'en', '["london"]', '[]', '[]', NULL, NULL);
            INSERT INTO posts VALUES ('x:2', 'x', 1795687200000, NULL, 'k1:a', 'k1:b', 'another about the Tower', 'en', '["london"]', '[]', '[]', NULL, NULL);
            PRAGMA user_version = 2;
            """);
        using var store = CreateStore();

        async Task<string[]> Search(string text) =>
            [.. (await store.QueryAsync(Everything() with { Filter = new PostFilter(Text: text) }, default)).Items.Select(p => p.Id).Order(StringComparer.Ordinal)];

        Assert.Equal(["x:1"], await Search("borough"));
        await store.WriteAsync(SinkPosts.Batch(
            SinkPosts.Hashed(1) with { Text = "now about Hyde Park" },
            SinkPosts.Hashed(3) with { Text = "a new post about the Tower" }), default);

        Assert.Empty(await Search("borough"));
        Assert.Equal(["x:1"], await Search("hyde"));
        Assert.Equal(["x:2", "x:3"], await Search("tower"));
        Assert.Equal((long)SqliteStore.SchemaVersion, RawDb.Scalar(DbPath, "PRAGMA user_version"));
        Assert.Equal(0L, RawDb.Scalar(DbPath, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"));
        Assert.Equal(16L, RawDb.Scalar(DbPath, "SELECT v FROM post_text_config WHERE k = 'automerge'"));
        Assert.Equal(4096L, RawDb.Scalar(DbPath, "PRAGMA page_size")); // an existing file keeps its pages
    }

    [Fact]
    public async Task Filters_by_source_hashtag_and_redaction_type_narrow_pages_and_statistics()
    {
        using var store = CreateStore();
        var posts = Enumerable.Range(0, 12).Select(i => SinkPosts.Hashed(i, SinkPosts.T0.AddMinutes(10 * i), i % 3 == 0 ? ["UK_PHONE"] : []) with
        {
            Source = i % 4 == 0 ? "mastodon" : "x",
            Hashtags = i % 2 == 0 ? ["London", "Tea"] : ["london"],
        }).ToArray();
        await store.WriteAsync(SinkPosts.Batch(posts), default);
        var filter = new PostFilter(Source: "mastodon", Hashtag: "#TEA", RedactionType: "UK_PHONE");

        var page = await store.QueryAsync(Everything() with { Filter = filter }, default);
        var stats = await store.GetStatisticsAsync(new PostStatisticsQuery(SinkPosts.T0, SinkPosts.T0.AddDays(1)) { Filter = filter with { Source = null } }, default);
        var all = await store.GetStatisticsAsync(new PostStatisticsQuery(SinkPosts.T0, SinkPosts.T0.AddDays(1)) { TopHashtags = 2 }, default);

        Assert.Equal(["x:0"], page.Items.Select(p => p.Id));
        Assert.Equal(1, page.TotalCount);
        Assert.Equal(2, stats.PostsPerHour.Sum(h => h.Value)); // posts 0 and 6
        Assert.Equal(new Dictionary<string, long> { ["mastodon"] = 3, ["x"] = 9 }, all.PostsBySource);
        Assert.Equal([new("london", 12L), new KeyValuePair<string, long>("tea", 6)], all.TopHashtags);
    }

    [Fact]
    public async Task Hours_can_start_on_the_half_hour_for_a_viewer_in_Kolkata()
    {
        using var store = CreateStore();
        // 08:40 UTC is 14:10 in Kolkata (+05:30).
        await store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(1, new DateTimeOffset(2026, 11, 26, 8, 40, 0, TimeSpan.Zero))), default);

        var utc = await store.GetStatisticsAsync(new PostStatisticsQuery(SinkPosts.T0.AddDays(-1), SinkPosts.T0.AddDays(1)), default);
        var kolkata = await store.GetStatisticsAsync(new PostStatisticsQuery(SinkPosts.T0.AddDays(-1), SinkPosts.T0.AddDays(1)) { HourOffset = TimeSpan.FromMinutes(330) }, default);

        Assert.Equal(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero), Assert.Single(utc.PostsPerHour).Key);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 8, 30, 0, TimeSpan.Zero), Assert.Single(kolkata.PostsPerHour).Key);
    }

    [Fact]
    public async Task A_version_1_database_is_migrated_and_its_posts_become_searchable()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DbPath)!);
        RawDb.Scalar(DbPath, Version1Posts + """
            INSERT INTO posts VALUES ('x:old', 'x', 1795687200000, NULL, 'k1:a', 'k1:b', 'an older post about Borough Market', 'en', '["london"]', '[]', '[]', NULL, NULL);
            PRAGMA user_version = 1;
            """);
        using var store = CreateStore();

        var page = await store.QueryAsync(Everything() with { Filter = new PostFilter(Text: "borough") }, default);

        Assert.Equal(["x:old"], page.Items.Select(p => p.Id));
        Assert.Equal((long)SqliteStore.SchemaVersion, RawDb.Scalar(DbPath, "PRAGMA user_version"));
    }

    [Fact]
    public async Task Range_bounds_compare_instants_whatever_the_offset()
    {
        using var store = CreateStore();
        await store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(1, SinkPosts.T0)), default);
        var sameInstantInParis = SinkPosts.T0.ToOffset(TimeSpan.FromHours(1));

        Assert.Equal(1, (await store.QueryAsync(new PostQuery(sameInstantInParis, sameInstantInParis.AddTicks(TimeSpan.TicksPerMillisecond)), default)).TotalCount);
        Assert.Equal(0, (await store.QueryAsync(new PostQuery(sameInstantInParis.AddHours(-1), sameInstantInParis), default)).TotalCount);
        Assert.Equal(0, (await store.QueryAsync(new PostQuery(SinkPosts.T0.AddTicks(1), SinkPosts.T0.AddHours(1)), default)).TotalCount);
        Assert.Equal(1, (await store.QueryAsync(new PostQuery(SinkPosts.T0.AddHours(-1), SinkPosts.T0.AddTicks(1)), default)).TotalCount);
    }

    [Fact]
    public async Task Page_size_is_capped_at_MaxPageSize()
    {
        using var store = CreateStore(maxPageSize: 3);
        await store.WriteAsync(SinkPosts.Batch([.. Enumerable.Range(0, 10).Select(i => SinkPosts.Hashed(i))]), default);

        var page = await store.QueryAsync(Everything(page: 2, pageSize: 1000), default);

        Assert.Equal(3, page.PageSize);
        Assert.Equal(["x:6", "x:5", "x:4"], page.Items.Select(p => p.Id));
        Assert.Equal(10, page.TotalCount);
    }

    [Fact]
    public async Task Statistics_count_posts_per_UTC_hour_and_posts_per_PII_type()
    {
        using var store = CreateStore();
        var h10 = SinkPosts.T0;
        await store.WriteAsync(SinkPosts.Batch(
            SinkPosts.Hashed(1, h10.AddMinutes(1), "EMAIL"),
            SinkPosts.Hashed(2, h10.AddMinutes(59), "EMAIL", "EMAIL", "UK_PHONE"),
            SinkPosts.Hashed(3, h10.AddHours(1)),
            SinkPosts.Hashed(4, h10.AddHours(3).AddMinutes(30), "IBAN"),
            SinkPosts.Hashed(5, h10.AddHours(3).AddMinutes(31), "IBAN"),
            SinkPosts.Hashed(6, h10.AddHours(5), "CREDIT_CARD")), default);
        await store.WriteAsync(SinkPosts.Batch(Post.Tombstone("x:5", "x", h10.AddHours(6))), default);

        var stats = await store.GetStatisticsAsync(new PostStatisticsQuery(h10, h10.AddHours(5)), default);

        Assert.Equal(
            new KeyValuePair<DateTimeOffset, long>[] { new(h10, 2), new(h10.AddHours(1), 1), new(h10.AddHours(3), 1) },
            stats.PostsPerHour);
        Assert.Equal(
            new Dictionary<string, long> { ["EMAIL"] = 2, ["UK_PHONE"] = 1, ["IBAN"] = 1 }.OrderBy(p => p.Key, StringComparer.Ordinal),
            stats.RedactionsByType.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Refuses_a_post_whose_author_is_not_hashed()
    {
        var raw = SinkPosts.Hashed(1) with { Author = new PostAuthor("424242", "alice_raw_handle") };
        var batch = SinkPosts.Batch(raw, SinkPosts.Hashed(2));
        using (var store = CreateStore())
        {
            await store.WriteAsync(batch, default);
        }

        Assert.Equal(SinkGuards.UnhashedAuthor, batch.GetFailure(0)?.Reason);
        Assert.False(batch.GetFailure(0)!.Retryable);
        Assert.Null(batch.GetFailure(1));
        Assert.Equal(["x:2"], RawDb.Rows(DbPath).Select(r => r["id"]));
        var bytes = RawDb.AllBytes(DbPath);
        Assert.Equal(-1, bytes.AsSpan().IndexOf("alice_raw_handle"u8));
        Assert.NotEqual(-1, bytes.AsSpan().IndexOf("k1:handle2"u8));
    }

    [Fact]
    public async Task Reads_are_not_blocked_by_an_open_write_transaction()
    {
        using var store = CreateStore();
        await store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(1)), default);

        using var other = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        other.Open();
        // EXCLUSIVE: without WAL this would lock readers out until the writer commits.
        using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE; UPDATE posts SET text = 'changing' WHERE id = 'x:1';";
            begin.ExecuteNonQuery();
        }

        var page = await store.QueryAsync(Everything(), default);

        Assert.Equal("post 1 #london", Assert.Single(page.Items).Text);
    }

    [Fact]
    public async Task A_write_blocked_by_another_writer_throws_after_the_busy_timeout_so_the_pipeline_retries()
    {
        using var store = new SqliteStore(new SqliteStoreOptions { Path = DbPath, BusyTimeout = TimeSpan.FromMilliseconds(1) });
        await store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(1)), default);
        using var other = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        other.Open();
        var holding = other.BeginTransaction(deferred: false);

        var error = await Assert.ThrowsAsync<SqliteException>(() => store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(2)), default).AsTask());
        Assert.Equal(5, error.SqliteErrorCode); // SQLITE_BUSY
        holding.Dispose();
        await store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(2)), default);
        Assert.Equal(2, (await store.QueryAsync(Everything(), default)).TotalCount);
    }

    [Fact]
    public async Task Batches_queued_behind_the_writer_commit_together_in_one_transaction()
    {
        using var store = CreateStore();
        using var other = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        var (holding, first) = await HoldTheWriterAsync(store, other);
        var before = store.Transactions; // the first write's own transaction is still to come

        // Three more batches queue behind the first.
        var queued = Enumerable.Range(2, 3).Select(i => Task.Run(() => store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(i), SinkPosts.Hashed(i + 10)), default).AsTask())).ToArray();
        await Patience.UntilAsync(() => store.QueuedWrites == 3);
        holding.Dispose();
        await Task.WhenAll([first, .. queued]).WithinSafetyNet("the four writes");

        Assert.Equal(2, store.Transactions - before); // the first alone, then the three queued behind it together
        Assert.Equal(8, (await store.QueryAsync(Everything(), default)).TotalCount);
        Assert.Equal(["x:13"], (await store.QueryAsync(Everything() with { Filter = new PostFilter(Text: "13") }, default)).Items.Select(p => p.Id));
    }

    [Fact]
    public async Task A_batch_with_a_row_SQLite_refuses_fails_alone_when_it_shared_a_transaction()
    {
        using var store = CreateStore();
        using var other = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        var (holding, first) = await HoldTheWriterAsync(store, other);
        var good = Task.Run(() => store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(2)), default).AsTask());
        var bad = Task.Run(() => store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(3) with { Text = null! }), default).AsTask()); // text is NOT NULL
        var after = Task.Run(() => store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(4)), default).AsTask());
        await Patience.UntilAsync(() => store.QueuedWrites == 3);
        holding.Dispose();

        await Task.WhenAll(first, good, after).WithinSafetyNet("the good writes");
        var error = await Assert.ThrowsAsync<SqliteException>(() => bad.WithinSafetyNet("the bad write"));
        Assert.Equal(19, error.SqliteErrorCode); // SQLITE_CONSTRAINT
        Assert.Equal(["x:0", "x:1", "x:2", "x:4"], (await store.QueryAsync(Everything(), default)).Items.Select(p => p.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_failed_group_transaction_fails_every_batch_in_it_and_the_next_write_succeeds()
    {
        using var store = new SqliteStore(new SqliteStoreOptions { Path = DbPath, BusyTimeout = TimeSpan.FromMilliseconds(200) });
        using var other = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        var (holding, first) = await HoldTheWriterAsync(store, other);
        var queued = Enumerable.Range(2, 2).Select(i => Task.Run(() => store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(i)), default).AsTask())).ToArray();

        // Nothing is released: every batch, the queued ones too, fails with SQLITE_BUSY for the pipeline to retry.
        foreach (var write in (Task[])[first, .. queued])
        {
            var error = await Assert.ThrowsAsync<SqliteException>(() => write.WithinSafetyNet("a write that times out"));
            Assert.Equal(5, error.SqliteErrorCode);
        }

        holding.Dispose();
        await store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(1), SinkPosts.Hashed(2), SinkPosts.Hashed(3)), default);
        Assert.Equal(4, (await store.QueryAsync(Everything(), default)).TotalCount);
    }

    /// <summary>
    /// Writes post 0, then has <paramref name="other"/> take the write lock and starts writing post 1, which takes the
    /// store's writer and waits on that lock: what is written next queues behind it until the lock is released.
    /// </summary>
    private static async Task<(SqliteTransaction Holding, Task First)> HoldTheWriterAsync(SqliteStore store, SqliteConnection other)
    {
        await store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(0)), default);
        other.Open();
        var holding = other.BeginTransaction(deferred: false);
        var first = Task.Run(() => store.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(1)), default).AsTask()); // run apart: it blocks
        await Patience.UntilAsync(() => store.Writing && store.QueuedWrites == 0);
        return (holding, first);
    }

    [Fact]
    public async Task Concurrent_batches_all_commit()
    {
        using var store = CreateStore();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var b = 0; b < 10; b++)
            {
                var batch = SinkPosts.Batch([.. Enumerable.Range(0, 50).Select(i => SinkPosts.Hashed((t * 10_000) + (b * 100) + i))]);
                await store.WriteAsync(batch, default);
                _ = await store.QueryAsync(Everything(pageSize: 5), default);
            }
        })));

        Assert.Equal(4000, (await store.QueryAsync(Everything(), default)).TotalCount);
    }

    [Fact]
    public async Task Registration_shares_one_store_between_the_sink_and_IPostStore()
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.AddSqliteStore(o => o.Path = DbPath));
        services.AddTweetStream("second", p => p.AddSqliteStore(o => o.Path = DbPath));
        await using var provider = services.BuildServiceProvider();

        var components = provider.GetRequiredService<IOptionsMonitor<PipelineComponents>>();
        var first = Assert.IsType<ManagedSink>(components.Get("default").Sinks.Single()(provider)).Inner;
        var second = Assert.IsType<ManagedSink>(components.Get("second").Sinks.Single()(provider)).Inner;
        var reader = provider.GetRequiredService<IPostStore>();

        Assert.IsType<SqliteStore>(first);
        Assert.Same(first, second);
        Assert.Same(first, reader);
        await first.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(1)), default);
        Assert.Equal(1, (await reader.QueryAsync(Everything(), default)).TotalCount);
    }

    [Fact]
    public void Invalid_options_are_rejected_at_start_up()
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.AddSqliteStore(o => o.MaxPageSize = 0));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<SqliteStoreOptions>>().Get("default"));
        Assert.Contains("MaxPageSize", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Measures_write_throughput()
    {
        const int Total = 100_000, BatchSize = 500;
        var posts = Enumerable.Range(0, Total).Select(i => SinkPosts.Hashed(i, piiTypes: i % 10 == 0 ? ["EMAIL"] : [])).ToArray();
        using var store = CreateStore();
        await store.WriteAsync(SinkPosts.Batch(posts[0]), default);

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Total; i += BatchSize)
        {
            await store.WriteAsync(SinkPosts.Batch(posts[i..(i + BatchSize)]), default);
        }

        watch.Stop();
        var rate = Total / watch.Elapsed.TotalSeconds;
        output.WriteLine(FormattableString.Invariant($"SQLite upsert: {Total} new rows in batches of {BatchSize}: {watch.Elapsed.TotalMilliseconds:F0} ms, {rate:F0} rows/s"));

        watch.Restart();
        for (var i = 0; i < Total; i += BatchSize)
        {
            await store.WriteAsync(SinkPosts.Batch(posts[i..(i + BatchSize)]), default);
        }

        watch.Stop();
        output.WriteLine(FormattableString.Invariant($"SQLite upsert: {Total} duplicate rows in batches of {BatchSize}: {watch.Elapsed.TotalMilliseconds:F0} ms, {Total / watch.Elapsed.TotalSeconds:F0} rows/s"));
        Assert.Equal(Total, (await store.QueryAsync(Everything(), default)).TotalCount);
    }
}
