using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TweetStream.Tests.Support;

namespace TweetStream.Worker.Tests;

/// <summary>The worker process against the local X API v2 double: rule sync, stream, store, dead letters, privacy.</summary>
public sealed partial class XEndToEndTests
{
    private static readonly (string Id, string Username, string Name)[] Authors =
    [
        ("2244994945", "jowalker_ldn", "Jo Walker"),
        ("3355005056", "thames_rower_77", "Thames Rower"),
        ("4466116167", "fogwatcher_se1", "Fog Watcher"),
    ];

    [Fact]
    public async Task Source_x_syncs_rules_streams_posts_into_the_store_with_hashed_authors_and_dead_letters_the_malformed_line()
    {
        await using var api = await XApiDouble.StartAsync();
        using var dir = TestPaths.CreateTempDirectory();
        await using var worker = ServedWorker.Start(dir.Path, XEnvironment(api, source: "x"));

        await worker.WaitForAsync(() => api.StreamRequests > 0, "a stream connection on the X double");
        var stream = await api.NextStreamAsync();

        // The worker's configured rule (appsettings.json) is created under the owned tag prefix before streaming.
        Assert.Contains(api.Rules, r => r.Value == "#london -is:retweet" && r.Tag == "tweetstream:london");
        Assert.Contains(api.RuleWrites, w => w.Contains("\"add\"", StringComparison.Ordinal));

        await stream.SendLineAsync(Post(1860000000000000001, Authors[0], "Morning fog over Tower Bridge #london"));
        await stream.SendLineAsync("{not json");
        await stream.SendKeepAliveAsync();
        await stream.SendLineAsync(Post(1860000000000000002, Authors[1], "Rowing past Westminster #london"));
        await stream.SendLineAsync(Post(1860000000000000003, Authors[2], "Fog warning for SE1 #london"));

        await worker.WaitForAsync(() => worker.Posts().Count == 3, "three posts in data/tweetstream.db");
        var deadLetters = Path.Combine(worker.DataDirectory, "deadletters");
        await worker.WaitForAsync(() => DeadLetterReasons(deadLetters).Contains("malformed JSON"), "the malformed line in data/deadletters");

        var posts = worker.Posts();
        Assert.Equal(["x:1860000000000000001", "x:1860000000000000002", "x:1860000000000000003"], posts.Select(p => (string)p["id"]!));
        Assert.All(posts, p => Assert.Equal("x", p["source"]));
        Assert.All(posts, p => Assert.Matches("^k1:[A-Za-z0-9_-]+$", (string)p["author_hash"]!));
        Assert.All(posts, p => Assert.Matches("^k1:[A-Za-z0-9_-]+$", (string)p["author_id_hash"]!));
        Assert.Equal(3, posts.Select(p => p["author_hash"]).Distinct().Count());
        Assert.Single(DeadLetterReasons(deadLetters));

        await worker.StopAsync();
        AssertNoRawAuthor(worker);
    }

    [Fact]
    public async Task Source_auto_with_a_bearer_token_streams_from_x()
    {
        await using var api = await XApiDouble.StartAsync();
        using var dir = TestPaths.CreateTempDirectory();
        var environment = XEnvironment(api, source: null);
        environment["TweetStream__Replay__Speed"] = "100000";
        await using var worker = ServedWorker.Start(dir.Path, environment);

        await worker.WaitForAsync(() => api.StreamRequests > 0, "a stream connection on the X double");
        var stream = await api.NextStreamAsync();
        await stream.SendLineAsync(Post(1860000000000000009, Authors[0], "Auto picked X #london"));

        // Only the X post lands: the bundled replay (thousands of posts) was not selected.
        await worker.WaitForAsync(() => worker.Posts().Count > 0, "the X post in the store");
        Assert.Equal("x:1860000000000000009", Assert.Single(worker.Posts())["id"]);
    }

    private static Dictionary<string, string> XEnvironment(XApiDouble api, string? source)
    {
        var environment = new Dictionary<string, string>
        {
            ["TweetStream__X__BearerToken"] = XApiDouble.Token,
            ["TweetStream__X__BaseAddress"] = "http://127.0.0.1:" + api.BaseAddress.Port.ToString(CultureInfo.InvariantCulture),
        };
        if (source is not null)
        {
            environment["TweetStream__Source"] = source;
        }

        return environment;
    }

    /// <summary>One stream line in the shape the X source tests use (data + includes.users + matching_rules).</summary>
    private static string Post(long id, (string Id, string Username, string Name) author, string text) =>
        $$"""{"data":{"author_id":"{{author.Id}}","created_at":"2026-11-20T09:15:02.000Z","id":"{{id}}","lang":"en","text":"{{text}}","edit_history_tweet_ids":["{{id}}"]},"includes":{"users":[{"id":"{{author.Id}}","name":"{{author.Name}}","username":"{{author.Username}}"}]},"matching_rules":[{"id":"1860000000000000900","tag":"tweetstream:london"}]}""";

    private static List<string> DeadLetterReasons(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var reasons = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.jsonl"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { Length: > 0 } line)
            {
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    reasons.Add(doc.RootElement.GetProperty("reason").GetString()!);
                }
                catch (JsonException)
                {
                    // A line still being written; the next poll reads it whole.
                }
            }
        }

        return reasons;
    }

    private static void AssertNoRawAuthor(ServedWorker worker)
    {
        var places = worker.DataFiles();
        places["process output"] = worker.Output;
        Assert.Contains(places.Keys, k => k.EndsWith("tweetstream.db", StringComparison.Ordinal));
        Assert.Contains(places.Keys, k => k.Contains("deadletters", StringComparison.Ordinal));
        foreach (var (where, raw) in places)
        {
            // Keyed hashes are random base64url: strip them so a handle cannot match inside one by chance.
            var text = HashToken().Replace(raw, " ");
            foreach (var (_, username, name) in Authors)
            {
                Assert.False(text.Contains(username, StringComparison.OrdinalIgnoreCase), $"raw username {username} found in {where}");
                Assert.False(text.Contains(name, StringComparison.Ordinal), $"display name {name} found in {where}");
            }
        }
    }

    [GeneratedRegex(@"k1:[A-Za-z0-9_-]{22}")]
    private static partial Regex HashToken();
}
