using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sources.X;

/// <summary>Every reference sample and every own fixture, sent through the double's stream and read by the source.</summary>
public sealed class XFilteredStreamSampleTests
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // On the wire every message is one line of compact JSON; the doc samples are re-indented.
    private static string OneLine(string path) => JsonNode.Parse(File.ReadAllText(path))!.ToJsonString(Compact);

    /// <summary>Sends the line then a marker post; returns what the source produced before the marker.</summary>
    private static async Task<(List<SourceItem> Items, XStreamHarness Harness)> ThroughTheSource(string line)
    {
        var h = await XStreamHarness.CreateAsync();
        h.Start();
        var stream = await h.Api.NextStreamAsync();
        await stream.SendLineAsync(line);
        await stream.SendLineAsync(XLines.Post(999));
        var items = new List<SourceItem>();
        while (true)
        {
            var item = await h.NextItemAsync();
            if (item.Post?.Id == "x:999")
            {
                return (items, h);
            }

            items.Add(item);
        }
    }

    [SkippableTheory]
    [InlineData("stream-line-captured-tweepy-issue-1884.json", "x:1523395190584610816")]
    [InlineData("stream-line-edited-post-docs.json", "x:1234567893")]
    [InlineData("stream-line-embedding-match-docs.json", "x:1784600000000000001")]
    [InlineData("stream-line-quickstart-docs-2026.json", "x:1234567890")]
    public async Task Reference_post_samples_come_out_as_posts(string file, string id)
    {
        var path = TestPaths.RequireSharedReference("x", "samples", file);
        var (items, h) = await ThroughTheSource(OneLine(path));
        await using var _ = h;

        var post = Assert.Single(items).Post;
        Assert.NotNull(post);
        Assert.Equal(id, post.Id);
        Assert.Equal("x", post.Source);
    }

    [SkippableFact]
    public async Task Reference_quickstart_sample_joins_the_author_and_keeps_the_rule_tag()
    {
        var path = TestPaths.RequireSharedReference("x", "samples", "stream-line-quickstart-docs-2026.json");
        var (items, h) = await ThroughTheSource(OneLine(path));
        await using var _ = h;

        var post = Assert.Single(items).Post!;
        Assert.Equal("catperson", post.Author.Handle);
        Assert.Equal(["cats with images"], post.MatchedRules);
    }

    [SkippableTheory]
    [InlineData("stream-http429-too-many-connections-docs.json")]
    [InlineData("stream-http429-too-many-connections-captured-tweepy-issue-1962.json")]
    [InlineData("http429-rate-limit-body-docs.json")]
    [InlineData("rules-get-response-docs-2020.json")]
    public async Task Reference_non_post_messages_in_the_stream_produce_no_item_and_keep_the_connection(string file)
    {
        var path = TestPaths.RequireSharedReference("x", "samples", file);
        var (items, h) = await ThroughTheSource(OneLine(path));
        await using var _ = h;

        Assert.Empty(items);
        Assert.DoesNotContain(h.Events.All, e => e.Kind == "disconnected");
    }

    [SkippableFact]
    public async Task Reference_matching_rules_fragment_without_a_post_is_malformed()
    {
        var path = TestPaths.RequireSharedReference("x", "samples", "stream-matching-rules-fragment-docs.json");
        var (items, h) = await ThroughTheSource(OneLine(path));
        await using var _ = h;

        Assert.NotNull(Assert.Single(items).Error);
    }

    [SkippableFact]
    public async Task Reference_operational_disconnect_sample_makes_the_source_reconnect()
    {
        var path = TestPaths.RequireSharedReference("x", "samples", "stream-error-operational-disconnect-docs.json");
        await using var h = await XStreamHarness.CreateAsync();
        h.Start();
        var stream = await h.Api.NextStreamAsync();
        await stream.SendLineAsync(OneLine(path));

        Assert.Contains("UpstreamOperationalDisconnect", (await h.Events.NextAsync("disconnected")).Reason, StringComparison.Ordinal);
        await h.Api.NextStreamAsync();
    }

    [SkippableFact]
    public void Every_stream_sample_in_the_reference_is_covered_here()
    {
        var dir = TestPaths.RequireSharedReference("x", "samples");
        var covered = new[]
        {
            "stream-line-captured-tweepy-issue-1884.json", "stream-line-edited-post-docs.json", "stream-line-embedding-match-docs.json",
            "stream-line-quickstart-docs-2026.json", "stream-http429-too-many-connections-docs.json",
            "stream-http429-too-many-connections-captured-tweepy-issue-1962.json", "stream-matching-rules-fragment-docs.json",
            "stream-error-operational-disconnect-docs.json",
        };
        var streamSamples = Directory.GetFiles(dir, "stream-*.json").Select(Path.GetFileName);
        Assert.Empty(streamSamples.Except(covered));
    }

    [Theory]
    [InlineData("stream-line-post.json", "post")]
    [InlineData("stream-line-minimal.json", "post")]
    [InlineData("stream-line-reordered-untagged-rule.json", "post")]
    [InlineData("stream-compliance-delete.json", "tombstone")]
    [InlineData("stream-http429-too-many-connections.json", "none")]
    public async Task Own_fixtures_come_out_as_their_kind(string file, string kind)
    {
        var line = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "x", file)).TrimEnd();
        var (items, h) = await ThroughTheSource(line);
        await using var _ = h;

        switch (kind)
        {
            case "post":
                Assert.False(Assert.Single(items).Post!.IsTombstone);
                break;
            case "tombstone":
                Assert.True(Assert.Single(items).Post!.IsTombstone);
                break;
            default:
                Assert.Empty(items);
                break;
        }
    }
}
