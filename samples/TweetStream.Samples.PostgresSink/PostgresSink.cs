using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using TweetStream;

namespace TweetStream.Samples.Postgres;

/// <summary>Writes posts to a PostgreSQL table: upsert by post id, tombstones kept as deletion marks.</summary>
/// <remarks>Each batch is one transaction, so any number of calls may run at once on the connection pool.</remarks>
public sealed class PostgresSink(NpgsqlDataSource dataSource, string table = "posts") : ISink, IAsyncDisposable
{
    public string Name => "postgres";

    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        await using var create = dataSource.CreateCommand($"""
            CREATE TABLE IF NOT EXISTS {table} (
                id text PRIMARY KEY, source text NOT NULL, created_at timestamptz NOT NULL,
                author_hash text NOT NULL, text text NOT NULL, lang text, hashtags text[] NOT NULL,
                deleted_at timestamptz)
            """);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        var rows = new NpgsqlBatch();
        await using var _ = rows;
        for (var i = 0; i < batch.Count; i++)
        {
            var post = batch[i];
            if (!post.Author.IsHashed)
            {
                batch.MarkFailed(i, "author is not hashed: add HashHandles before this sink");
                continue;
            }

            // A deleted row stays deleted: a redelivered post must not bring it back.
            var row = new NpgsqlBatchCommand($"""
                INSERT INTO {table} (id, source, created_at, author_hash, text, lang, hashtags, deleted_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (id) DO UPDATE SET text = excluded.text, author_hash = excluded.author_hash,
                    lang = excluded.lang, hashtags = excluded.hashtags, deleted_at = excluded.deleted_at
                WHERE {table}.deleted_at IS NULL
                """);
            row.Parameters.Add(new() { Value = post.Id });
            row.Parameters.Add(new() { Value = post.Source });
            row.Parameters.Add(new() { Value = post.CreatedAt.UtcDateTime });
            row.Parameters.Add(new() { Value = post.Author.Handle });
            row.Parameters.Add(new() { Value = post.Text });
            row.Parameters.Add(new() { Value = (object?)post.Language ?? DBNull.Value });
            row.Parameters.Add(new() { Value = post.Hashtags.ToArray() });
            row.Parameters.Add(new() { Value = post.DeletedAt is { } at ? at.UtcDateTime : DBNull.Value });
            rows.BatchCommands.Add(row);
        }

        if (rows.BatchCommands.Count == 0)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        rows.Connection = connection;
        rows.Transaction = transaction;
        await rows.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}

/// <summary>Registers <see cref="PostgresSink"/>.</summary>
public static class PostgresSinkExtensions
{
    /// <summary>Adds the PostgreSQL sink: <c>pipeline.AddPostgresSink("Host=…;Database=…")</c>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddPostgresSink(this ITweetStreamBuilder builder, string connectionString) =>
        builder.AddSink(_ => new PostgresSink(NpgsqlDataSource.Create(connectionString)), o => o.MaxConcurrency = 8);
}
