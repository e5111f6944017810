using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TweetStream.Tests.Sources.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Worker.Tests;

/// <summary>The worker process with <c>mastodon,bluesky</c> in one pipeline, against the local Mastodon and Jetstream doubles.</summary>
public sealed partial class MastodonBlueskyEndToEndTests
{
    private const string BlueskyAuthor = "did:plc:worker2e2authoraaaaaaaa";
    private const string UntaggedAuthor = "did:plc:worker2e2authorbbbbbbbb";
    private const long TaggedTimeUs = 1795000002000000;

    [SkippableFact]
    public async Task Source_mastodon_and_bluesky_feed_one_store_with_hashed_authors_and_only_tagged_posts()
    {
        Skip.If(OperatingSystem.IsWindows(), "the worker is stopped gracefully with SIGTERM to check its saved state");
        await using var mastodon = await FakeMastodonServer.StartAsync();
        mastodon.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(113000000000000001, "Rain again in #london"))], Close: false));

        // The untagged post comes first: once the tagged one after it is stored, the untagged one was seen and dropped.
        await using var jetstream = await FakeJetstreamServer.StartAsync(
        [
            JetstreamPost(UntaggedAuthor, 1795000001000000, "3mzzpost0001", "No hashtag here, just fog", tag: null),
            JetstreamPost(BlueskyAuthor, TaggedTimeUs, "3mzzpost0002", "Foggy morning #London", tag: "London"),
        ]);

        using var dir = TestPaths.CreateTempDirectory();
        await using var worker = ServedWorker.Start(dir.Path, new Dictionary<string, string>
        {
            ["TweetStream__Source"] = "mastodon,bluesky",
            ["TweetStream__Mastodon__Instances__0"] = mastodon.BaseUri.ToString(),
            ["TweetStream__Mastodon__AccessToken"] = mastodon.Token,
            ["TweetStream__Mastodon__Tags__0"] = "london",
            ["TweetStream__Bluesky__Endpoints__0"] = jetstream.Endpoint.ToString(),
            ["TweetStream__Bluesky__Hashtags__0"] = "london",
        });

        await worker.WaitForAsync(() => worker.Posts().Count >= 2, "a Mastodon and a Bluesky post in data/tweetstream.db");
        var posts = worker.Posts();
        Assert.Equal(2, posts.Count);
        Assert.Equal(["bluesky", "mastodon"], posts.Select(p => (string)p["source"]!).Order(StringComparer.Ordinal));
        Assert.Contains(posts, p => (string)p["source"]! == "mastodon" && ((string)p["text"]!).Contains("Rain again in #london", StringComparison.Ordinal));
        Assert.Contains(posts, p => (string)p["source"]! == "bluesky" && ((string)p["text"]!).Contains("Foggy morning #London", StringComparison.Ordinal));
        // The DID names the author, so the post id carries its keyed hash instead.
        Assert.Contains(posts, p => Regex.IsMatch((string)p["id"]!, "^bluesky:k1:[A-Za-z0-9_-]{22}:3mzzpost0002$"));
        Assert.DoesNotContain(posts, p => ((string)p["text"]!).Contains("No hashtag here", StringComparison.Ordinal));
        Assert.All(posts, p => Assert.Matches("^k1:[A-Za-z0-9_-]+$", (string)p["author_hash"]!));
        Assert.All(posts, p => Assert.Matches("^k1:[A-Za-z0-9_-]+$", (string)p["author_id_hash"]!));
        Assert.Equal(1, mastodon.StreamConnections);
        Assert.Contains(mastodon.AuthorizationHeaders, h => h == "Bearer " + mastodon.Token);
        Assert.Contains(jetstream.Queries, q => q.Contains("wantedCollections=app.bsky.feed.post", StringComparison.Ordinal));

        // A graceful stop drains the pipeline and flushes the resume state (a quiet stream may hold the last cursor
        // back for StateFlushInterval; a kill would lose it), so the state can be checked exactly.
        await worker.TerminateAsync();
        Assert.Contains("received=2 written=2 deadlettered=0 shed=0", worker.Output, StringComparison.Ordinal);
        Assert.Contains("\"113000000000000001\"", ReadState(worker, "mastodon.json"), StringComparison.Ordinal);
        Assert.Equal(TaggedTimeUs, JetstreamCursor(ReadState(worker, "jetstream.json")));
        var places = worker.DataFiles();
        places["process output"] = worker.Output;
        var found = new List<string>();
        foreach (var (where, raw) in places)
        {
            var text = HashToken().Replace(raw, " ");
            foreach (var handle in new[] { "alice@example.social", "Alice Example", BlueskyAuthor, UntaggedAuthor })
            {
                if (text.Contains(handle, StringComparison.OrdinalIgnoreCase))
                {
                    found.Add($"{handle} in {Path.GetFileName(where)}");
                }
            }
        }

        Assert.True(found.Count == 0, "raw authors found: " + string.Join("; ", found));
    }

    private static string ReadState(ServedWorker worker, string name) =>
        worker.DataFiles().TryGetValue(Path.Combine(worker.DataDirectory, "state", name), out var text) ? text : string.Empty;

    private static long JetstreamCursor(string state)
    {
        try
        {
            using var doc = JsonDocument.Parse(state);
            return doc.RootElement.GetProperty("cursor").GetInt64();
        }
        catch (JsonException)
        {
            // Not written yet (the file is replaced atomically, so never half-written).
            return 0;
        }
    }

    /// <summary>A Jetstream commit creating an app.bsky.feed.post, in the shape of the Jetstream fixtures (tag as a facet).</summary>
    private static string JetstreamPost(string did, long timeUs, string rkey, string text, string? tag)
    {
        var facets = string.Empty;
        if (tag is not null)
        {
            var start = System.Text.Encoding.UTF8.GetByteCount(text[..text.IndexOf('#', StringComparison.Ordinal)]);
            var end = start + 1 + System.Text.Encoding.UTF8.GetByteCount(tag);
            facets = string.Create(CultureInfo.InvariantCulture, $$$""","facets":[{"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"{{{tag}}}"}],"index":{"byteStart":{{{start}}},"byteEnd":{{{end}}}}}]""");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $$$"""{"did":"{{{did}}}","time_us":{{{timeUs}}},"kind":"commit","commit":{"rev":"3mzz{{{rkey[^4..]}}}aa2a","operation":"create","collection":"app.bsky.feed.post","rkey":"{{{rkey}}}","record":{"$type":"app.bsky.feed.post","createdAt":"2026-11-26T10:00:01.000Z","text":"{{{text}}}"{{{facets}}},"langs":["en"]},"cid":"bafyrei{{{rkey}}}"}}""");
    }

    [GeneratedRegex(@"k1:[A-Za-z0-9_-]{22}")]
    private static partial Regex HashToken();
}
