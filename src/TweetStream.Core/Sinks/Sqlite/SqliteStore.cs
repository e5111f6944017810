using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace TweetStream.Sinks.Sqlite;

/// <summary>
/// The embedded store: one SQLite table keyed by post id, written as a sink and read as an
/// <see cref="IPostStore"/> (one instance per database file serves both roles).
/// </summary>
/// <remarks>
/// <para>Writes are serialized on one long-lived connection: one <c>BEGIN IMMEDIATE</c> transaction for
/// the batches queued at the writer (a batch alone when none waits behind it) through reused prepared
/// statements; a batch's write returns once its transaction has committed. Reads open pooled read-only
/// connections and, in WAL mode, run while a batch is being written; each query reads one snapshot (count
/// and page agree).</para>
/// <para>Upsert by id makes redelivered posts harmless. A tombstone blanks the row (text, author, tags)
/// and sets <c>deleted_at</c>, or inserts a blank row when the post was not seen yet; rows with
/// <c>deleted_at</c> are never updated again, so a late duplicate cannot resurrect a deleted post.</para>
/// <para>Timestamps are unix milliseconds (UTC) so range filters and ordering are integer comparisons.</para>
/// </remarks>
internal sealed class SqliteStore : ISink, IPostStore, IDisposable
{
    /// <summary>The schema this code writes; stored in <c>PRAGMA user_version</c> so later versions can migrate.</summary>
    internal const int SchemaVersion = 4;

    /// <summary>Commits between two background checkpoints: 2,000 to 8,000 posts, a few megabytes of WAL.</summary>
    internal const int CommitsPerCheckpoint = 4;

    /// <summary>
    /// Most rows one write transaction takes from the batches queued at the writer (a batch larger than this goes
    /// alone): four of the pipeline's default batches.
    /// </summary>
    internal const int MaxRowsPerTransaction = 2_000;

    /// <summary>
    /// The WAL size at which the writer checkpoints by itself, should the background checkpoints fall behind: 64 MiB,
    /// where SQLite's default of 1,000 pages made every fourth or so commit wait for one.
    /// </summary>
    internal const int WriterCheckpointBytes = 64 * 1024 * 1024;

    /// <summary>
    /// The page size of a new database file (an existing file keeps its own). A bulk load wrote a million posts 5 %
    /// faster with 16 KiB pages than with SQLite's 4 KiB (fewer page splits and WAL frames per row), and searches and
    /// pages read as fast (docs/performance.md).
    /// </summary>
    internal const int NewFilePageSize = 16_384;

    private const string EmptyArray = "[]";

    private const string UpsertSql = """
        INSERT INTO posts (id, source, created_at, received_at, author_id_hash, author_hash, text, lang,
                           hashtags, matched_rules, pii_types, url, deleted_at)
        VALUES ($id, $source, $created_at, $received_at, $author_id_hash, $author_hash, $text, $lang,
                $hashtags, $matched_rules, $pii_types, $url, $deleted_at)
        ON CONFLICT (id) DO UPDATE SET
            source = excluded.source,
            created_at = CASE WHEN excluded.deleted_at IS NULL THEN excluded.created_at ELSE posts.created_at END,
            received_at = CASE WHEN excluded.deleted_at IS NULL THEN excluded.received_at ELSE posts.received_at END,
            author_id_hash = excluded.author_id_hash,
            author_hash = excluded.author_hash,
            text = excluded.text,
            lang = excluded.lang,
            hashtags = excluded.hashtags,
            matched_rules = excluded.matched_rules,
            pii_types = excluded.pii_types,
            url = excluded.url,
            deleted_at = excluded.deleted_at
        WHERE posts.deleted_at IS NULL
        """;

    // Each changed row's id is numbered in post_keys as it is written (KeySql; a new id gets the next number). The
    // rows a batch changed, by number ($keys, a JSON array), then leave the full-text index and come back in with their
    // text as it now stands, in one statement each: FTS5 writes its pending terms out at every statement that opens a
    // savepoint, so a statement per row would make a segment per row. Only keys that were numbered before the batch
    // can be in the index already; a tombstone leaves its row out. CROSS JOIN keeps the planner walking from the
    // batch's few keys.
    private const string KeySql = "INSERT INTO post_keys (id) VALUES ($id) ON CONFLICT (id) DO NOTHING";
    private const string KeyLookupSql = "SELECT n FROM post_keys WHERE id = $id";
    private const string UnindexSql = "DELETE FROM post_text WHERE rowid IN (SELECT value FROM json_each($keys))";
    private const string IndexSql = """
        INSERT INTO post_text (rowid, text)
            SELECT k.n, p.text FROM json_each($keys) AS j
            CROSS JOIN post_keys AS k ON k.n = j.value CROSS JOIN posts AS p ON p.id = k.id
            WHERE p.deleted_at IS NULL;
        """;

    private readonly string _path;
    private readonly int _maxPageSize;
    private readonly int _busyTimeoutMs;
    private readonly string _writeConnectionString;
    private readonly string _readConnectionString;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly List<QueuedWrite> _queue = [];
    private long _transactions;

    private SqliteConnection? _writer;
    private Upsert? _upsert;

    // Checkpoints run beside the writer, on a connection of their own (see CheckpointLoopAsync).
    private readonly SemaphoreSlim _checkpointDue = new(0, 1);
    private readonly CancellationTokenSource _checkpointStop = new();
    private Task? _checkpointing;
    private int _commitsSinceCheckpoint;
    private long _checkpoints;
    private volatile bool _initialized;
    private volatile bool _disposed;

    public SqliteStore(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _path = Path.GetFullPath(options.Path);
        _maxPageSize = options.MaxPageSize;
        _busyTimeoutMs = (int)Math.Clamp(options.BusyTimeout.TotalMilliseconds, 0, int.MaxValue);
        // Microsoft.Data.Sqlite retries busy statements for the command timeout, where 0 would mean forever.
        var timeoutSeconds = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds));

        // The writer is held for the store's lifetime and must really close on Dispose (the last
        // connection to close checkpoints the WAL), so it stays out of the pool.
        _writeConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = timeoutSeconds,
        }.ToString();
        _readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadOnly,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = timeoutSeconds,
        }.ToString();
    }

    public string Name => "sqlite";

    /// <summary>The full path of the database file.</summary>
    internal string FilePath => _path;

    public async ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (SinkGuards.MarkUnstorable(batch) == 0)
        {
            return;
        }

        // Encoded on the caller's thread, before the write gate: the one writer is the store's bottleneck in a bulk
        // load, and UTF-8 and the JSON of the lists were about a tenth of its time, with the other core to spare.
        using var rows = EncodedRows.Encode(batch);
        var mine = new QueuedWrite(rows);
        lock (_queue)
        {
            _queue.Add(mine);
        }

        try
        {
            await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_queue)
            {
                if (_queue.Remove(mine))
                {
                    throw;
                }
            }

            // Another write took these rows into its transaction: they may not be released before it ends, and once it
            // has committed them the batch is stored, cancelled or not.
            await mine.Done.Task.ConfigureAwait(false);
            return;
        }

        try
        {
            // Group commit: whoever holds the gate writes every batch queued behind it in one transaction. In a bulk
            // load batches queue at the one writer, and each commit wrote an index segment and WAL frames of its own.
            while (!mine.Done.Task.IsCompleted)
            {
                var group = TakeQueued();
                try
                {
                    ObjectDisposedException.ThrowIf(_disposed, this);
                    EnsureOpen();
                    WriteGroup(group, cancellationToken);
                    foreach (var write in group)
                    {
                        write.Done.TrySetResult();
                    }
                }
                catch (Exception ex) when (group.Count > 1 && !IsTransient(ex))
                {
                    // A row SQLite refuses fails its own batch only: the batches that shared its transaction go again
                    // one by one, so one bad batch cannot take others down with it through every retry.
                    foreach (var write in group)
                    {
                        try
                        {
                            WriteGroup([write], cancellationToken);
                            write.Done.TrySetResult();
                        }
                        catch (Exception alone)
                        {
                            write.Done.TrySetException(alone);
                        }
                    }
                }
                catch (Exception ex)
                {
                    foreach (var write in group)
                    {
                        write.Done.TrySetException(ex);
                    }
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }

        await mine.Done.Task.ConfigureAwait(false);
    }

    public async ValueTask<PostPage> QueryAsync(PostQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Page, 1, nameof(query));
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        var pageSize = Math.Min(query.PageSize, _maxPageSize);
        var offset = (long)(query.Page - 1) * pageSize;
        var where = new Where(query.From, query.To, query.Filter);

        var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One read transaction: the total and the page come from the same snapshot.
            var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                long total;
                var count = where.Command(connection, $"SELECT COUNT(*) FROM posts AS p WHERE {where.Sql}");
                await using (count.ConfigureAwait(false))
                {
                    total = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L);
                }

                var items = new List<Post>((int)Math.Clamp(total - offset, 0, pageSize));
                if (offset < total)
                {
                    // Keyset: the (created_at, id) index walks from the cursor, so a page costs the same wherever it is.
                    var keyset = query.After is null ? string.Empty : " AND (p.created_at < $after_at OR (p.created_at = $after_at AND p.id < $after_id))";
                    var select = where.Command(
                        connection,
                        $"""
                        SELECT p.id, p.source, p.created_at, p.received_at, p.author_id_hash, p.author_hash, p.text, p.lang,
                               p.hashtags, p.matched_rules, p.pii_types, p.url
                        FROM posts AS p WHERE {where.Sql}{keyset}
                        ORDER BY p.created_at DESC, p.id DESC
                        LIMIT $limit OFFSET $offset
                        """);
                    await using (select.ConfigureAwait(false))
                    {
                        select.Parameters.AddWithValue("$limit", pageSize);
                        select.Parameters.AddWithValue("$offset", offset);
                        if (query.After is { } after)
                        {
                            select.Parameters.AddWithValue("$after_at", after.CreatedAt.ToUnixTimeMilliseconds());
                            select.Parameters.AddWithValue("$after_id", after.Id);
                        }

                        var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                items.Add(ReadPost(reader));
                            }
                        }
                    }
                }

                return new PostPage(items, total, query.Page, pageSize);
            }
        }
    }

    public async ValueTask<PostStatistics> GetStatisticsAsync(PostStatisticsQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new Where(query.From, query.To, query.Filter);
        var offsetMs = (long)query.HourOffset.TotalMilliseconds;
        var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var perHour = new List<KeyValuePair<DateTimeOffset, long>>();
                var hours = where.Command(
                    connection,
                    $"""
                    SELECT (p.created_at + $shift) - ((((p.created_at + $shift) % 3600000) + 3600000) % 3600000) - $shift AS hour, COUNT(*)
                    FROM posts AS p WHERE {where.Sql} GROUP BY hour ORDER BY hour
                    """);
                hours.Parameters.AddWithValue("$shift", offsetMs);
                await ReadPairsAsync(hours, r => perHour.Add(new(FromUnixMilliseconds(r.GetInt64(0)), r.GetInt64(1))), cancellationToken).ConfigureAwait(false);

                var byType = new Dictionary<string, long>(StringComparer.Ordinal);
                var types = where.Command(
                    connection,
                    $"SELECT t.value, COUNT(DISTINCT p.id) FROM posts AS p, json_each(p.pii_types) AS t WHERE {where.Sql} GROUP BY t.value");
                await ReadPairsAsync(types, r => byType[r.GetString(0)] = r.GetInt64(1), cancellationToken).ConfigureAwait(false);

                var bySource = new Dictionary<string, long>(StringComparer.Ordinal);
                var sources = where.Command(connection, $"SELECT p.source, COUNT(*) FROM posts AS p WHERE {where.Sql} GROUP BY p.source");
                await ReadPairsAsync(sources, r => bySource[r.GetString(0)] = r.GetInt64(1), cancellationToken).ConfigureAwait(false);

                var tags = new List<KeyValuePair<string, long>>();
                var top = where.Command(
                    connection,
                    $"""
                    SELECT lower(t.value) AS tag, COUNT(DISTINCT p.id) AS n FROM posts AS p, json_each(p.hashtags) AS t
                    WHERE {where.Sql} GROUP BY tag ORDER BY n DESC, tag LIMIT $top
                    """);
                top.Parameters.AddWithValue("$top", Math.Clamp(query.TopHashtags, 0, 100));
                await ReadPairsAsync(top, r => tags.Add(new(r.GetString(0), r.GetInt64(1))), cancellationToken).ConfigureAwait(false);

                return new PostStatistics(perHour, byType) { PostsBySource = bySource, TopHashtags = tags };
            }
        }
    }

    private static async ValueTask ReadPairsAsync(SqliteCommand command, Action<SqliteDataReader> read, CancellationToken cancellationToken)
    {
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    read(reader);
                }
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // The checkpointer closes first: the last connection to close checkpoints the WAL and removes it.
        _checkpointStop.Cancel();
        _checkpointing?.GetAwaiter().GetResult();
        _checkpointStop.Dispose();

        // Let a batch in progress finish; the writer connection is not thread-safe.
        _writeGate.Wait();
        try
        {
            _upsert?.Dispose();
            _upsert = null;
            using (var pooled = new SqliteConnection(_readConnectionString))
            {
                SqliteConnection.ClearPool(pooled);
            }

            _writer?.Dispose();
            _writer = null;
        }
        finally
        {
            _writeGate.Release();
            _writeGate.Dispose();
            _checkpointDue.Dispose();
        }
    }

    private async ValueTask<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_initialized)
        {
            // The reader opens read-only, so the file and schema must exist first.
            await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                EnsureOpen();
            }
            finally
            {
                _writeGate.Release();
            }
        }

        var connection = new SqliteConnection(_readConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens the writer, applies the pragmas and migrates the schema; call under the write gate.</summary>
    private void EnsureOpen()
    {
        if (_writer is not null)
        {
            return;
        }

        var folder = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var connection = new SqliteConnection(_writeConnectionString);
        try
        {
            connection.Open();
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {_busyTimeoutMs};"));
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA page_size = {NewFilePageSize};"));
            var mode = Convert.ToString(Scalar(connection, "PRAGMA journal_mode = WAL;"), CultureInfo.InvariantCulture);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite refused WAL mode (journal_mode is '{mode}'); use a file on a local disk.");
            }

            // NORMAL in WAL mode: a power loss may drop the last commits, never corrupt the file; the
            // pipeline redelivers what was not acknowledged.
            Execute(connection, "PRAGMA synchronous = NORMAL;");
            var pageSize = Convert.ToInt32(Scalar(connection, "PRAGMA page_size;"), CultureInfo.InvariantCulture);
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA wal_autocheckpoint = {WriterCheckpointBytes / pageSize};"));
            Migrate(connection);
            _upsert = new Upsert(connection);
            _writer = connection;
            _initialized = true;
            _checkpointing = Task.Run(() => CheckpointLoopAsync(_checkpointStop.Token), CancellationToken.None);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Migrate(SqliteConnection connection)
    {
        var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"), CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"The database has schema version {version}; this TweetStream understands up to {SchemaVersion}. Upgrade TweetStream or use another file.");
        }

        if (version == SchemaVersion)
        {
            return;
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        if (version < 1)
        {
            // WITHOUT ROWID: the id is the key, so the created_at index carries (created_at, id) and
            // pages ordered by both come straight from it. The index is partial because every read
            // excludes deleted posts.
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS posts (
                    id TEXT NOT NULL PRIMARY KEY,
                    source TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    received_at INTEGER,
                    author_id_hash TEXT NOT NULL,
                    author_hash TEXT NOT NULL,
                    text TEXT NOT NULL,
                    lang TEXT,
                    hashtags TEXT NOT NULL,
                    matched_rules TEXT NOT NULL,
                    pii_types TEXT NOT NULL,
                    url TEXT,
                    deleted_at INTEGER
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS posts_created_at ON posts (created_at) WHERE deleted_at IS NULL;
                """);
        }

        if (version < 2)
        {
            // Full-text search over the stored (already redacted) text. FTS5 wants integer row numbers and
            // posts is keyed by id, so post_keys numbers the ids; the index is contentless (no second copy
            // of the text).
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS post_keys (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE) STRICT;
                CREATE VIRTUAL TABLE IF NOT EXISTS post_text USING fts5(
                    text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
                INSERT INTO post_keys (id) SELECT id FROM posts WHERE true ON CONFLICT (id) DO NOTHING;
                INSERT INTO post_text (rowid, text) SELECT k.n, p.text FROM posts AS p JOIN post_keys AS k ON k.id = p.id WHERE p.deleted_at IS NULL;
                """);
        }

        if (version < 3)
        {
            // Version 2's triggers wrote the index row by row. FTS5 writes its pending terms out at each
            // savepoint, and each upsert that fires a trigger inside the batch's transaction opens one, so
            // every post became an index segment of its own, to be merged: 35 to 45 µs a post, most of
            // a bulk load. The sink now indexes the rows each batch changed in one statement before its
            // commit (IndexSql), so the index stays exactly in step with the table.
            Execute(connection, """
                DROP TRIGGER IF EXISTS posts_text_insert;
                DROP TRIGGER IF EXISTS posts_text_update;
                """);
        }

        if (version < 4)
        {
            // Each batch's commit writes one index segment, and FTS5 merges them as they pile up: with its default of
            // merging 4 segments of a level, those merges were about a sixth of the writer's time in a bulk load.
            // Merging 16 at a time rewrites each term list less often (worker --once, a million posts: 16.7 -> 14.9 s)
            // and left search times unchanged at a million posts (docs/performance.md). The setting lives in the index.
            Execute(connection, "INSERT INTO post_text (post_text, rank) VALUES ('automerge', 16);");
        }

        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {SchemaVersion};"));
        transaction.Commit();
    }

    /// <summary>
    /// Failures that would fail each batch of a group alone too (a lock held too long, the deadline, a closed store):
    /// writing the batches one by one would only repeat the wait.
    /// </summary>
    private static bool IsTransient(Exception ex) =>
        ex is OperationCanceledException or ObjectDisposedException or SqliteException { SqliteErrorCode: 5 or 6 }; // SQLITE_BUSY, SQLITE_LOCKED

    /// <summary>The writes queued for the gate, oldest first, up to <see cref="MaxRowsPerTransaction"/> rows (at least one write).</summary>
    private List<QueuedWrite> TakeQueued()
    {
        lock (_queue)
        {
            var take = 0;
            var rows = 0;
            while (take < _queue.Count && (take == 0 || rows + _queue[take].Rows.Count <= MaxRowsPerTransaction))
            {
                rows += _queue[take].Rows.Count;
                take++;
            }

            var group = _queue.GetRange(0, take);
            _queue.RemoveRange(0, take);
            return group;
        }
    }

    private void WriteGroup(List<QueuedWrite> group, CancellationToken cancellationToken)
    {
        var upsert = _upsert!;
        using var transaction = _writer!.BeginTransaction(deferred: false);
        upsert.BeginBatch();
        foreach (var write in group)
        {
            for (var r = 0; r < write.Rows.Count; r++)
            {
                upsert.Write(write.Rows, r);
            }
        }

        upsert.IndexChanged(transaction);

        // Past the deadline, roll back rather than commit: the pipeline leaves the items unacknowledged.
        cancellationToken.ThrowIfCancellationRequested();
        transaction.Commit();
        Interlocked.Increment(ref _transactions);

        // Only this writer (under the write gate) releases, and only an empty semaphore: it never overflows.
        if (++_commitsSinceCheckpoint >= CommitsPerCheckpoint && _checkpointDue.CurrentCount == 0)
        {
            _commitsSinceCheckpoint = 0;
            _checkpointDue.Release();
        }
    }

    /// <summary>Background checkpoints completed; tests read it.</summary>
    internal long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Write transactions committed; tests read it.</summary>
    internal long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Whether a write holds the gate; tests read it.</summary>
    internal bool Writing => _writeGate.CurrentCount == 0;

    /// <summary>Writes waiting for the gate; tests read it.</summary>
    internal int QueuedWrites
    {
        get
        {
            lock (_queue)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>
    /// Copies the WAL into the database beside the writer. SQLite's automatic checkpoint runs inside the commit that
    /// crosses its threshold, so the writer, the store's bottleneck in a bulk load, stopped for it: about 2.5 s of a
    /// million-post run's 16, on a thread of its own now (docs/performance.md). A passive checkpoint takes no write
    /// lock, so commits go on meanwhile; the writer keeps a far larger threshold of its own as a safety net.
    /// </summary>
    private async Task CheckpointLoopAsync(CancellationToken stop)
    {
        try
        {
            using var connection = new SqliteConnection(_writeConnectionString);
            connection.Open();
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {_busyTimeoutMs};"));
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            while (true)
            {
                await _checkpointDue.WaitAsync(stop).ConfigureAwait(false);
                checkpoint.ExecuteNonQuery();
                Interlocked.Increment(ref _checkpoints);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (SqliteException)
        {
            // The writer's own threshold still bounds the WAL; a store that cannot checkpoint at all fails its writes.
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
#pragma warning disable CA2100 // Constants and integers formatted by this class only.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
#pragma warning disable CA2100 // Constants only.
        command.CommandText = sql;
#pragma warning restore CA2100
        return command.ExecuteScalar();
    }

    private static Post ReadPost(SqliteDataReader reader)
    {
        var authorId = reader.GetString(4);
        var handle = reader.GetString(5);
        return new Post
        {
            Id = reader.GetString(0),
            Source = reader.GetString(1),
            CreatedAt = FromUnixMilliseconds(reader.GetInt64(2)),
            ReceivedAt = reader.IsDBNull(3) ? default : FromUnixMilliseconds(reader.GetInt64(3)),
            Author = authorId.Length == 0 && handle.Length == 0 ? PostAuthor.Unknown : new PostAuthor(authorId, handle) { IsHashed = true },
            Text = reader.GetString(6),
            Language = reader.IsDBNull(7) ? null : reader.GetString(7),
            Hashtags = FromJson(reader.GetString(8)),
            MatchedRules = FromJson(reader.GetString(9)),
            PiiTypes = FromJson(reader.GetString(10)),
            Url = reader.IsDBNull(11) ? null : reader.GetString(11),
        };
    }

    // Stored times are whole milliseconds; rounding a bound with sub-millisecond ticks up keeps
    // [from, to) exact for them (10:00:00.0005 must not admit a post at 10:00:00.000).
    private static long CeilingUnixMilliseconds(DateTimeOffset value)
    {
        var ms = value.ToUnixTimeMilliseconds();
        return value.UtcTicks % TimeSpan.TicksPerMillisecond == 0 ? ms : ms + 1;
    }

    private static DateTimeOffset FromUnixMilliseconds(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);

    private static string[] FromJson(string json) =>
        json == EmptyArray ? [] : JsonSerializer.Deserialize(json, SqliteJsonContext.Default.StringArray) ?? [];

    /// <summary>
    /// The WHERE clause of a range and filter over <c>posts AS p</c>, assembled from constant fragments; every value
    /// travels as a parameter.
    /// </summary>
    private sealed class Where
    {
        private readonly long _from;
        private readonly long _to;
        private readonly string? _match;
        private readonly string? _source;
        private readonly string? _hashtag;
        private readonly string? _type;

        public Where(DateTimeOffset from, DateTimeOffset to, PostFilter? filter)
        {
            _from = CeilingUnixMilliseconds(from);
            _to = CeilingUnixMilliseconds(to);
            var sql = new StringBuilder("p.deleted_at IS NULL AND p.created_at >= $from AND p.created_at < $to");
            if (filter is not null)
            {
                _match = MatchExpression(filter.Words());
                _source = NullIfEmpty(filter.Source);
                _hashtag = NullIfEmpty(filter.Hashtag?.TrimStart('#'));
                _type = NullIfEmpty(filter.RedactionType);
            }

            if (_source is not null)
            {
                sql.Append(" AND p.source = $source");
            }

            if (_hashtag is not null)
            {
                sql.Append(" AND EXISTS (SELECT 1 FROM json_each(p.hashtags) AS h WHERE h.value = $hashtag COLLATE NOCASE)");
            }

            if (_type is not null)
            {
                sql.Append(" AND EXISTS (SELECT 1 FROM json_each(p.pii_types) AS x WHERE x.value = $type)");
            }

            if (_match is not null)
            {
                // The range index drives the scan; the full-text match is computed once as a set of row numbers.
                sql.Append(" AND EXISTS (SELECT 1 FROM post_keys AS k WHERE k.id = p.id AND k.n IN (SELECT rowid FROM post_text WHERE post_text MATCH $match))");
            }

            Sql = sql.ToString();
        }

        public string Sql { get; }

        public SqliteCommand Command(SqliteConnection connection, string sql)
        {
            var command = connection.CreateCommand();
#pragma warning disable CA2100 // The SQL is assembled from constants only; values travel as parameters.
            command.CommandText = sql;
#pragma warning restore CA2100
            command.Parameters.AddWithValue("$from", _from);
            command.Parameters.AddWithValue("$to", _to);
            AddIfSet(command, "$source", _source);
            AddIfSet(command, "$hashtag", _hashtag);
            AddIfSet(command, "$type", _type);
            AddIfSet(command, "$match", _match);
            return command;
        }

        /// <summary>Each word becomes a quoted prefix phrase, so FTS5 operators in the input are plain text.</summary>
        internal static string? MatchExpression(IReadOnlyList<string> words)
        {
            var parts = new List<string>(words.Count);
            foreach (var word in words)
            {
                if (word.Any(char.IsLetterOrDigit))
                {
                    parts.Add("\"" + word.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"*");
                }
            }

            return parts.Count == 0 ? null : string.Join(' ', parts);
        }

        private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

        private static void AddIfSet(SqliteCommand command, string name, string? value)
        {
            if (value is not null)
            {
                command.Parameters.AddWithValue(name, value);
            }
        }
    }

    /// <summary>The prepared upsert, bound anew for each post, and the batch's index update.</summary>
    /// <remarks>
    /// The upsert goes through SQLite's own statement API on the writer's handle, binding by position: through a
    /// <see cref="SqliteCommand"/> every execution looked each of its 13 parameters up by name and checked the
    /// connection and command state, about an eighth of the writer's time per row (19.9 against 17.5 s for a million
    /// posts). It runs inside the transaction the connection began.
    /// </remarks>
    private sealed class Upsert : IDisposable
    {
        // The numbers of the rows this batch changed, and those of them numbered before the batch.
        private readonly HashSet<long> _changed = [];
        private readonly List<long> _renumbered = [];
        private readonly SqliteCommand _unindex;
        private readonly SqliteParameter _unindexKeys;
        private readonly SqliteCommand _index;
        private readonly SqliteParameter _indexKeys;
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement;
        private readonly sqlite3_stmt _key;
        private readonly sqlite3_stmt _keyLookup;
        private readonly int _id, _source, _createdAt, _receivedAt, _authorId, _author, _text, _lang,
            _hashtags, _matchedRules, _piiTypes, _url, _deletedAt;

        public Upsert(SqliteConnection connection)
        {
            _db = connection.Handle ?? throw new InvalidOperationException("The SQLite writer is not open.");
            Check(raw.sqlite3_prepare_v2(_db, UpsertSql, out _statement));
            Check(raw.sqlite3_prepare_v2(_db, KeySql, out _key));
            Check(raw.sqlite3_prepare_v2(_db, KeyLookupSql, out _keyLookup));
            _id = Position("$id");
            _source = Position("$source");
            _createdAt = Position("$created_at");
            _receivedAt = Position("$received_at");
            _authorId = Position("$author_id_hash");
            _author = Position("$author_hash");
            _text = Position("$text");
            _lang = Position("$lang");
            _hashtags = Position("$hashtags");
            _matchedRules = Position("$matched_rules");
            _piiTypes = Position("$pii_types");
            _url = Position("$url");
            _deletedAt = Position("$deleted_at");
            _unindex = connection.CreateCommand();
            _unindex.CommandText = UnindexSql;
            _unindexKeys = _unindex.Parameters.Add("$keys", SqliteType.Text);
            _index = connection.CreateCommand();
            _index.CommandText = IndexSql;
            _indexKeys = _index.Parameters.Add("$keys", SqliteType.Text);
        }

        /// <summary>Forgets the changes of a batch that did not commit.</summary>
        public void BeginBatch()
        {
            _changed.Clear();
            _renumbered.Clear();
        }

        /// <summary>Brings the full-text index in step with the rows changed since the last call.</summary>
        public void IndexChanged(SqliteTransaction transaction)
        {
            if (_changed.Count == 0)
            {
                return;
            }

            if (_renumbered.Count > 0)
            {
                _unindexKeys.Value = Keys(_renumbered);
                _unindex.Transaction = transaction;
                _unindex.ExecuteNonQuery();
            }

            _indexKeys.Value = Keys(_changed);
            _index.Transaction = transaction;
            _index.ExecuteNonQuery();
            BeginBatch();
        }

        /// <summary>Writes one row, and numbers its id for the index when it inserted or changed a row (not when a tombstone kept it).</summary>
        public void Write(EncodedRows rows, int row)
        {
            var id = rows.Field(row, EncodedRows.Id);
            Text(_statement, _id, id);
            Text(_statement, _source, rows.Field(row, EncodedRows.Source));
            Integer(_createdAt, rows.CreatedAt(row));
            Integer(_receivedAt, rows.ReceivedAt(row));
            Text(_statement, _authorId, rows.Field(row, EncodedRows.AuthorId));
            Text(_statement, _author, rows.Field(row, EncodedRows.Author));
            Text(_statement, _text, rows.Field(row, EncodedRows.TextField));
            Text(_statement, _lang, rows.Field(row, EncodedRows.Lang));
            Text(_statement, _hashtags, rows.Field(row, EncodedRows.Hashtags));
            Text(_statement, _matchedRules, rows.Field(row, EncodedRows.MatchedRules));
            Text(_statement, _piiTypes, rows.Field(row, EncodedRows.PiiTypes));
            Text(_statement, _url, rows.Field(row, EncodedRows.Url));
            Integer(_deletedAt, rows.DeletedAt(row));
            Step(_statement);
            if (raw.sqlite3_changes(_db) == 0)
            {
                return;
            }

            Text(_key, 1, id);
            Step(_key);
            if (raw.sqlite3_changes(_db) > 0)
            {
                // Numbered now: nothing of it is in the index yet.
                _changed.Add(raw.sqlite3_last_insert_rowid(_db));
                return;
            }

            // Numbered before (a redelivery, an edit, or the same post twice in this batch).
            Text(_keyLookup, 1, id);
            var result = raw.sqlite3_step(_keyLookup);
            var known = result == raw.SQLITE_ROW ? raw.sqlite3_column_int64(_keyLookup, 0) : 0;
            raw.sqlite3_reset(_keyLookup);
            if (result != raw.SQLITE_ROW)
            {
                SqliteException.ThrowExceptionForRC(result == raw.SQLITE_DONE ? raw.SQLITE_NOTFOUND : result, _db);
            }

            if (_changed.Add(known))
            {
                // Not numbered in this batch, so its old text may be in the index: out it goes before the batch's text.
                _renumbered.Add(known);
            }
        }

        public void Dispose()
        {
            _statement.Dispose();
            _key.Dispose();
            _keyLookup.Dispose();
            _unindex.Dispose();
            _index.Dispose();
        }

        private static string Keys(IReadOnlyCollection<long> keys)
        {
            var json = new StringBuilder((keys.Count * 8) + 2).Append('[');
            foreach (var key in keys)
            {
                json.Append(json.Length == 1 ? string.Empty : ",").Append(key.ToString(CultureInfo.InvariantCulture));
            }

            return json.Append(']').ToString();
        }

        private void Step(sqlite3_stmt statement)
        {
            var result = raw.sqlite3_step(statement);
            raw.sqlite3_reset(statement);
            if (result != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(result, _db);
            }
        }

        private int Position(string name)
        {
            var position = raw.sqlite3_bind_parameter_index(_statement, name);
            return position > 0 ? position : throw new InvalidOperationException($"The upsert has no parameter {name}.");
        }

        // The empty string goes as a string: an empty span may pin as a null pointer, which SQLite binds as NULL.
        private void Text(sqlite3_stmt statement, int position, EncodedRows.Utf8 value) =>
            Check(value.IsNull ? raw.sqlite3_bind_null(statement, position)
                : value.Bytes.IsEmpty ? raw.sqlite3_bind_text(statement, position, string.Empty)
                : raw.sqlite3_bind_text(statement, position, value.Bytes));

        private void Integer(int position, long? value) =>
            Check(value is { } v ? raw.sqlite3_bind_int64(_statement, position, v) : raw.sqlite3_bind_null(_statement, position));

        private void Check(int result)
        {
            if (result != raw.SQLITE_OK)
            {
                SqliteException.ThrowExceptionForRC(result, _db);
            }
        }
    }

    /// <summary>A batch's rows waiting for the write gate, and the outcome of the transaction that took them.</summary>
    private sealed class QueuedWrite(EncodedRows rows)
    {
        public EncodedRows Rows { get; } = rows;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
