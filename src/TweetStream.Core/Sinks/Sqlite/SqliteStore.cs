using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace TweetStream.Sinks.Sqlite;

/// <summary>
/// The embedded store: one SQLite table keyed by post id, written as a sink and read as an
/// <see cref="IPostStore"/> (one instance per database file serves both roles).
/// </summary>
/// <remarks>
/// <para>Writes are serialized on one long-lived connection: one <c>BEGIN IMMEDIATE</c> transaction per
/// batch through one reused prepared upsert. Reads open pooled read-only connections and, in WAL mode,
/// run while a batch is being written; each query reads one snapshot (count and page agree).</para>
/// <para>Upsert by id makes redelivered posts harmless. A tombstone blanks the row (text, author, tags)
/// and sets <c>deleted_at</c>, or inserts a blank row when the post was not seen yet; rows with
/// <c>deleted_at</c> are never updated again, so a late duplicate cannot resurrect a deleted post.</para>
/// <para>Timestamps are unix milliseconds (UTC) so range filters and ordering are integer comparisons.</para>
/// </remarks>
internal sealed class SqliteStore : ISink, IPostStore, IDisposable
{
    /// <summary>The schema this code writes; stored in <c>PRAGMA user_version</c> so later versions can migrate.</summary>
    internal const int SchemaVersion = 1;

    private const string EmptyArray = "[]";

    private const string Filter = "deleted_at IS NULL AND created_at >= $from AND created_at < $to";

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

    private readonly string _path;
    private readonly int _maxPageSize;
    private readonly int _busyTimeoutMs;
    private readonly string _writeConnectionString;
    private readonly string _readConnectionString;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    private SqliteConnection? _writer;
    private Upsert? _upsert;
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

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            EnsureOpen();
            WriteBatch(batch, cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async ValueTask<PostPage> QueryAsync(PostQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Page, 1, nameof(query));
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        var pageSize = Math.Min(query.PageSize, _maxPageSize);
        var offset = (long)(query.Page - 1) * pageSize;

        var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One read transaction: the total and the page come from the same snapshot.
            var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                long total;
                var count = CreateRangeCommand(connection, $"SELECT COUNT(*) FROM posts WHERE {Filter}", query.From, query.To);
                await using (count.ConfigureAwait(false))
                {
                    total = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L);
                }

                var items = new List<Post>((int)Math.Clamp(total - offset, 0, pageSize));
                if (offset < total)
                {
                    var select = CreateRangeCommand(
                        connection,
                        $"""
                        SELECT id, source, created_at, received_at, author_id_hash, author_hash, text, lang,
                               hashtags, matched_rules, pii_types, url
                        FROM posts WHERE {Filter}
                        ORDER BY created_at DESC, id DESC
                        LIMIT $limit OFFSET $offset
                        """,
                        query.From,
                        query.To);
                    await using (select.ConfigureAwait(false))
                    {
                        select.Parameters.AddWithValue("$limit", pageSize);
                        select.Parameters.AddWithValue("$offset", offset);
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

    public async ValueTask<PostStatistics> GetStatisticsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var perHour = new List<KeyValuePair<DateTimeOffset, long>>();
                var hours = CreateRangeCommand(
                    connection,
                    $"SELECT created_at - (((created_at % 3600000) + 3600000) % 3600000) AS hour, COUNT(*) FROM posts WHERE {Filter} GROUP BY hour ORDER BY hour",
                    from,
                    to);
                await using (hours.ConfigureAwait(false))
                {
                    var reader = await hours.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            perHour.Add(new(FromUnixMilliseconds(reader.GetInt64(0)), reader.GetInt64(1)));
                        }
                    }
                }

                var byType = new Dictionary<string, long>(StringComparer.Ordinal);
                var types = CreateRangeCommand(
                    connection,
                    """
                    SELECT t.value, COUNT(DISTINCT p.id)
                    FROM posts AS p, json_each(p.pii_types) AS t
                    WHERE p.deleted_at IS NULL AND p.created_at >= $from AND p.created_at < $to
                    GROUP BY t.value
                    """,
                    from,
                    to);
                await using (types.ConfigureAwait(false))
                {
                    var reader = await types.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            byType[reader.GetString(0)] = reader.GetInt64(1);
                        }
                    }
                }

                return new PostStatistics(perHour, byType);
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

        // Let a batch in progress finish; the writer connection is not thread-safe.
        _writeGate.Wait();
        try
        {
            _upsert?.Command.Dispose();
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

    private static SqliteCommand CreateRangeCommand(SqliteConnection connection, string sql, DateTimeOffset from, DateTimeOffset to)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // The SQL is assembled from constants only; values travel as parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Parameters.AddWithValue("$from", CeilingUnixMilliseconds(from));
        command.Parameters.AddWithValue("$to", CeilingUnixMilliseconds(to));
        return command;
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
            var mode = Convert.ToString(Scalar(connection, "PRAGMA journal_mode = WAL;"), CultureInfo.InvariantCulture);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite refused WAL mode (journal_mode is '{mode}'); use a file on a local disk.");
            }

            // NORMAL in WAL mode: a power loss may drop the last commits, never corrupt the file; the
            // pipeline redelivers what was not acknowledged.
            Execute(connection, "PRAGMA synchronous = NORMAL;");
            Migrate(connection);
            _upsert = new Upsert(connection);
            _writer = connection;
            _initialized = true;
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

        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {SchemaVersion};"));
        transaction.Commit();
    }

    private void WriteBatch(SinkBatch batch, CancellationToken cancellationToken)
    {
        var upsert = _upsert!;
        using var transaction = _writer!.BeginTransaction(deferred: false);
        upsert.Command.Transaction = transaction;
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch.GetFailure(i) is not null)
            {
                continue;
            }

            upsert.Bind(batch[i]);
            upsert.Command.ExecuteNonQuery();
        }

        // Past the deadline, roll back rather than commit: the pipeline leaves the items unacknowledged.
        cancellationToken.ThrowIfCancellationRequested();
        transaction.Commit();
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

    private static string ToJson(IReadOnlyList<string> values) =>
        values.Count == 0 ? EmptyArray : JsonSerializer.Serialize(values, SqliteJsonContext.Default.IReadOnlyListString);

    /// <summary>The prepared upsert and its parameters, bound anew for each post.</summary>
    private sealed class Upsert
    {
        private readonly SqliteParameter _id, _source, _createdAt, _receivedAt, _authorId, _author, _text, _lang,
            _hashtags, _matchedRules, _piiTypes, _url, _deletedAt;

        public Upsert(SqliteConnection connection)
        {
            Command = connection.CreateCommand();
            Command.CommandText = UpsertSql;
            var p = Command.Parameters;
            _id = p.Add("$id", SqliteType.Text);
            _source = p.Add("$source", SqliteType.Text);
            _createdAt = p.Add("$created_at", SqliteType.Integer);
            _receivedAt = p.Add("$received_at", SqliteType.Integer);
            _authorId = p.Add("$author_id_hash", SqliteType.Text);
            _author = p.Add("$author_hash", SqliteType.Text);
            _text = p.Add("$text", SqliteType.Text);
            _lang = p.Add("$lang", SqliteType.Text);
            _hashtags = p.Add("$hashtags", SqliteType.Text);
            _matchedRules = p.Add("$matched_rules", SqliteType.Text);
            _piiTypes = p.Add("$pii_types", SqliteType.Text);
            _url = p.Add("$url", SqliteType.Text);
            _deletedAt = p.Add("$deleted_at", SqliteType.Integer);
        }

        public SqliteCommand Command { get; }

        public void Bind(Post post)
        {
            // A tombstone carries only what identifies the deletion: content is blanked whatever it holds.
            var tombstone = post.IsTombstone;
            _id.Value = post.Id;
            _source.Value = post.Source;
            _createdAt.Value = post.CreatedAt.ToUnixTimeMilliseconds();
            _receivedAt.Value = post.ReceivedAt == default ? DBNull.Value : post.ReceivedAt.ToUnixTimeMilliseconds();
            _authorId.Value = tombstone ? string.Empty : post.Author.Id;
            _author.Value = tombstone ? string.Empty : post.Author.Handle;
            _text.Value = tombstone ? string.Empty : post.Text;
            _lang.Value = tombstone || post.Language is null ? DBNull.Value : post.Language;
            _hashtags.Value = tombstone ? EmptyArray : ToJson(post.Hashtags);
            _matchedRules.Value = tombstone ? EmptyArray : ToJson(post.MatchedRules);
            _piiTypes.Value = tombstone ? EmptyArray : ToJson(post.PiiTypes);
            _url.Value = tombstone || post.Url is null ? DBNull.Value : post.Url;
            _deletedAt.Value = post.DeletedAt is { } deletedAt ? deletedAt.ToUnixTimeMilliseconds() : DBNull.Value;
        }
    }
}
