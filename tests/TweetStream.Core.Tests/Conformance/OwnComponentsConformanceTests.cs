using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Sinks.JsonLines;
using TweetStream.Sinks.Sqlite;
using TweetStream.Sources.Replay;
using TweetStream.Testing;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Conformance;

/// <summary>The project's own sinks and sources pass the conformance suite it ships to sink authors.</summary>
public sealed class OwnComponentsConformanceTests : IDisposable
{
    private readonly TempDirectory _dir = TestPaths.CreateTempDirectory();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_SQLite_store_passes_the_sink_conformance_suite_at_its_declared_parallelism()
    {
        var path = _dir.Combine("store", "tweetstream.db");
        await SinkConformance.VerifyAllAsync(new SinkConformanceOptions
        {
            CreateSink = () => new SqliteStore(new SqliteStoreOptions { Path = path }),
            ReadStoredAsync = _ => ValueTask.FromResult(ReadSqlite(path)),
            MaxConcurrency = 8,
        });
    }

    [Fact]
    public async Task The_JSON_Lines_sink_passes_the_sink_conformance_suite_as_an_append_only_store()
    {
        var folder = _dir.Combine("posts");
        await SinkConformance.VerifyAllAsync(new SinkConformanceOptions
        {
            CreateSink = () => new JsonLinesSink(new JsonLinesSinkOptions { Directory = folder }),
            ReadStoredAsync = _ => ValueTask.FromResult(ReadJsonLines(folder)),
            MaxConcurrency = 8,
            AppendOnly = true,
        });
    }

    [Fact]
    public async Task The_replay_source_passes_the_source_conformance_suite_on_the_bundled_sample()
    {
        var sample = Path.Combine(TestPaths.RepositoryRoot, "samples", "data", "london.ndjson.gz");
        await SourceConformance.VerifyAllAsync(() => new ReplaySource(new ReplayOptions { Path = sample }, new FakeTimeProvider()));
    }

    private static IReadOnlyList<StoredPost> ReadSqlite(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, text, deleted_at IS NOT NULL FROM posts";
        using var reader = command.ExecuteReader();
        var records = new List<StoredPost>();
        while (reader.Read())
        {
            records.Add(new StoredPost(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
        }

        return records;
    }

    /// <summary>Reads the files as their readers do: every line a record, a tombstone line marks its id deleted for good.</summary>
    private static IReadOnlyList<StoredPost> ReadJsonLines(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var records = new List<StoredPost>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.jsonl"))
        {
            foreach (var line in File.ReadLines(file))
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                var deleted = root.TryGetProperty("deleted_at", out var at) && at.ValueKind != JsonValueKind.Null;
                var text = root.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : string.Empty;
                records.Add(new StoredPost(root.GetProperty("id").GetString()!, text, deleted));
            }
        }

        var deletedIds = records.Where(r => r.Deleted).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        return [.. records.Select(r => deletedIds.Contains(r.Id) ? r with { Deleted = true } : r)];
    }
}
