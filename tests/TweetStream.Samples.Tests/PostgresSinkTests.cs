using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TweetStream.Samples.Postgres;
using TweetStream.Samples.Tests.Support;
using TweetStream.Testing;
using TweetStream.Tests.Support;

namespace TweetStream.Samples.Tests;

public sealed class PostgresSinkTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    [SkippableFact]
    public async Task The_PostgreSQL_sample_sink_passes_the_sink_conformance_suite_against_a_real_server()
    {
        Skip.If(server.SkipReason is not null, server.SkipReason);
        var table = "conformance_" + Guid.NewGuid().ToString("N")[..8];

        #region conformance-test
        await SinkConformance.VerifyAllAsync(new SinkConformanceOptions
        {
            CreateSink = () => new PostgresSink(NpgsqlDataSource.Create(server.ConnectionString), table),
            ReadStoredAsync = ct => ReadAsync(table, ct),   // SELECT id, text, deleted_at IS NOT NULL FROM …
            MaxConcurrency = 8,                             // as declared at registration
        });
        #endregion
    }

    [SkippableFact]
    public async Task The_bundled_sample_lands_in_PostgreSQL_as_2500_rows_through_the_one_line_registration()
    {
        Skip.If(server.SkipReason is not null, server.SkipReason);
        var sample = Path.Combine(TestPaths.RepositoryRoot, "samples", "data", "london.ndjson.gz");
        await using var harness = new PipelineHarness(p => p
            .AddReplaySource(o => o.Path = sample)
            .AddHashHandles(o => o.Key = Convert.ToBase64String(new byte[32]))
            .AddPostgresSink(server.ConnectionString));

        var statistics = await harness.RunToCompletionAsync();

        Assert.Equal(2500, statistics.Written);
        var rows = await ReadAsync("posts", CancellationToken.None);
        Assert.Equal(2500, rows.Count);
        Assert.All(rows, r => Assert.False(r.Deleted));
    }

    private async ValueTask<IReadOnlyList<StoredPost>> ReadAsync(string table, CancellationToken cancellationToken)
    {
        await using var source = NpgsqlDataSource.Create(server.ConnectionString);
        await using var command = source.CreateCommand($"SELECT id, text, deleted_at IS NOT NULL FROM {table}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<StoredPost>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new StoredPost(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
        }

        return rows;
    }
}
