using Microsoft.Data.Sqlite;
using TweetStream.Transforms.Hashing;

namespace TweetStream.Tests.Sinks.Support;

/// <summary>A fixed hashing key, as the configured provider would return it.</summary>
internal sealed class TestKeyProvider : IHashingKeyProvider
{
    public static readonly byte[] Secret = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    public HashingKey Key { get; } = new("k1", Secret);
}

internal static class SinkPosts
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A post whose author is already hashed, as sinks receive it after HashHandles.</summary>
    public static Post Hashed(int n, DateTimeOffset? createdAt = null, params string[] piiTypes) => new()
    {
        Id = "x:" + n,
        Source = "x",
        CreatedAt = createdAt ?? T0.AddSeconds(n),
        ReceivedAt = (createdAt ?? T0.AddSeconds(n)).AddMilliseconds(250),
        Text = "post " + n + " #london",
        Author = new PostAuthor("k1:id" + n, "k1:handle" + n) { IsHashed = true },
        Language = "en",
        Hashtags = ["london"],
        Url = "https://x.com/i/web/status/" + n,
        MatchedRules = ["london"],
        PiiTypes = piiTypes,
    };

    public static SinkBatch Batch(params Post[] posts) => new(posts);
}

/// <summary>Reads the database behind the store's back, to check what is really on disk.</summary>
internal static class RawDb
{
    public static List<Dictionary<string, object?>> Rows(string path, string where = "1 = 1")
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM posts WHERE " + where + " ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<Dictionary<string, object?>>();
        while (reader.Read())
        {
            var row = new Dictionary<string, object?>();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public static object? Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>The bytes of the database and its WAL/SHM files.</summary>
    public static byte[] AllBytes(string path)
    {
        var folder = Path.GetDirectoryName(path)!;
        return [.. Directory.GetFiles(folder, Path.GetFileName(path) + "*").SelectMany(File.ReadAllBytes)];
    }
}
