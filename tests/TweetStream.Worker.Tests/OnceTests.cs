using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using TweetStream.Tests.Support;

namespace TweetStream.Worker.Tests;

public sealed partial class OnceTests
{
    [Fact]
    public async Task Once_on_the_bundled_sample_prints_the_summary_and_exits_zero()
    {
        using var dir = TestPaths.CreateTempDirectory();

        var (exitCode, stdout, stderr) = await WorkerProcess.RunAsync(dir.Path, null, "--once");

        Assert.True(exitCode == 0, stderr);
        var last = stdout.TrimEnd().Split('\n')[^1].Trim();
        var match = SummaryLine().Match(last);
        Assert.True(match.Success, "last line: " + last);
        long received = long.Parse(match.Groups[1].Value), written = long.Parse(match.Groups[2].Value), dead = long.Parse(match.Groups[3].Value);
        Assert.True(received >= 2000, last);
        Assert.Equal(received, written + dead);
        Assert.Equal("0", match.Groups[4].Value);
        Assert.True(dead > 0, "the bundled sample holds malformed lines");

        // The store holds every written post once, and the key was generated beside it, not in the repository.
        Assert.Equal(written, CountRows(Path.Combine(dir.Path, "data", "tweetstream.db")));
        // A batch run keeps the recording as it is: its own day (2026-11-26) and its own ids, however the demo replays.
        var (first, final, passIds) = Span(Path.Combine(dir.Path, "data", "tweetstream.db"));
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(first.Date, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(final.Date, TimeSpan.Zero));
        Assert.Equal(0, passIds);
        Assert.True(File.Exists(Path.Combine(dir.Path, "data", "hashing.key")));
        Assert.Contains("generated a random one", stdout, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir.Path, "data", "deadletters"), "*.jsonl"));
    }

    [Fact]
    public async Task No_raw_handle_from_the_input_reaches_the_store_the_dead_letters_or_the_logs()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var (users, names) = ReadAuthors(Path.Combine(TestPaths.RepositoryRoot, "samples", "data", "london.ndjson.gz"));
        Assert.True(users.Count > 100);

        var (exitCode, stdout, stderr) = await WorkerProcess.RunAsync(dir.Path, null, "--once", "--TweetStream:Sinks=sqlite,jsonl");
        Assert.True(exitCode == 0, stderr);

        var outputs = new Dictionary<string, string> { ["stdout"] = stdout, ["stderr"] = stderr };
        foreach (var file in Directory.EnumerateFiles(Path.Combine(dir.Path, "data"), "*", SearchOption.AllDirectories))
        {
            outputs[file] = Encoding.UTF8.GetString(File.ReadAllBytes(file));
        }

        Assert.Contains(outputs.Keys, k => k.EndsWith(".jsonl", StringComparison.Ordinal) && k.Contains("posts", StringComparison.Ordinal));
        foreach (var (where, raw) in outputs)
        {
            // Keyed hashes are random base64url: a short handle can occur inside one by chance.
            var text = HashToken().Replace(raw, " ");
            foreach (var handle in users)
            {
                var pattern = $@"(?<![A-Za-z0-9_]){Regex.Escape(handle)}(?![A-Za-z0-9_])";
                Assert.False(Regex.IsMatch(text, pattern, RegexOptions.IgnoreCase), $"raw handle {handle} found in {where}");
            }

            foreach (var name in names)
            {
                Assert.False(text.Contains(name, StringComparison.Ordinal), $"display name found in {where}");
            }
        }
    }

    [Fact]
    public async Task Unknown_configuration_fails_with_a_clear_message_and_a_non_zero_exit()
    {
        using var dir = TestPaths.CreateTempDirectory();

        var (exitCode, stdout, stderr) = await WorkerProcess.RunAsync(dir.Path, null, "--once", "--TweetStream:Sinks=nowhere");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Unknown sink 'nowhere'", stdout + stderr, StringComparison.Ordinal);
    }

    /// <summary>The first and last created_at (UTC) and how many ids a rebased loop pass renamed.</summary>
    internal static (DateTime First, DateTime Last, long PassIds) Span(string db)
    {
        using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(created_at), MAX(created_at), SUM(id GLOB '*-r[0-9]*.[0-9]*') FROM posts WHERE deleted_at IS NULL";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)).UtcDateTime, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)).UtcDateTime, reader.GetInt64(2));
    }

    private static long CountRows(string db)
    {
        using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM posts";
        return (long)command.ExecuteScalar()!;
    }

    private static (HashSet<string> Users, HashSet<string> Names) ReadAuthors(string path)
    {
        var users = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        while (reader.ReadLine() is { } line)
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("includes", out var includes) && includes.TryGetProperty("users", out var list))
                {
                    foreach (var user in list.EnumerateArray())
                    {
                        users.Add(user.GetProperty("username").GetString()!);
                        if (user.TryGetProperty("name", out var name) && name.GetString() is { Length: > 6 } n)
                        {
                            names.Add(n);
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // Malformed lines are part of the sample.
            }
        }

        return (users, names);
    }

    [GeneratedRegex(@"k1:[A-Za-z0-9_-]{22}")]
    private static partial Regex HashToken();

    [GeneratedRegex(@"^received=(\d+) written=(\d+) deadlettered=(\d+) shed=(\d+)$")]
    private static partial Regex SummaryLine();
}
