using System.Text;
using System.Text.Json;
using TweetStream.Sources.X;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sources.X;

public sealed class XStreamLineParserTests
{
    private static readonly DateTimeOffset Received = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "x", name);

    private static XStreamLine ParseFile(string path) => XStreamLineParser.Parse(Compact(File.ReadAllBytes(path)), Received);

    // Some reference samples are pretty-printed; on the wire each message is one compact line.
    internal static byte[] Compact(byte[] json)
    {
        if (XStreamLineParser.IsBlank(json))
        {
            return json;
        }

        using var doc = JsonDocument.Parse(json);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            doc.WriteTo(w);
        }

        return ms.ToArray();
    }

    private static XStreamLine Parse(string line) => XStreamLineParser.Parse(Encoding.UTF8.GetBytes(line), Received);

    [SkippableTheory]
    [InlineData("stream-line-captured-tweepy-issue-1884.json", "Post")]
    [InlineData("stream-line-edited-post-docs.json", "Post")]
    [InlineData("stream-line-embedding-match-docs.json", "Post")]
    [InlineData("stream-line-quickstart-docs-2026.json", "Post")]
    [InlineData("stream-error-operational-disconnect-docs.json", "Errors")]
    [InlineData("stream-http429-too-many-connections-docs.json", "Errors")]
    [InlineData("stream-http429-too-many-connections-captured-tweepy-issue-1962.json", "Errors")]
    // A bare matching_rules fragment carries no post: it cannot become one.
    [InlineData("stream-matching-rules-fragment-docs.json", "Malformed")]
    public void Reference_samples_parse_to_their_kind(string file, string kind)
    {
        var path = TestPaths.RequireSharedReference("x", "samples", file);
        var result = ParseFile(path);
        Assert.Equal(Enum.Parse<XStreamLineKind>(kind), result.Kind);
    }

    [SkippableFact]
    public void Every_stream_sample_in_the_reference_is_covered()
    {
        var dir = TestPaths.RequireSharedReference("x", "samples");
        foreach (var file in Directory.EnumerateFiles(dir, "stream-*.json"))
        {
            var result = ParseFile(file);
            Assert.True(result.Kind is XStreamLineKind.Post or XStreamLineKind.Errors or XStreamLineKind.Malformed, file);
            if (Path.GetFileName(file).StartsWith("stream-line-", StringComparison.Ordinal))
            {
                Assert.Equal(XStreamLineKind.Post, result.Kind);
            }
            else if (Path.GetFileName(file).StartsWith("stream-error-", StringComparison.Ordinal) ||
                     Path.GetFileName(file).StartsWith("stream-http429-", StringComparison.Ordinal))
            {
                Assert.Equal(XStreamLineKind.Errors, result.Kind);
            }
        }
    }

    [SkippableFact]
    public void Captured_line_maps_untagged_rule_to_its_id_and_joins_the_author()
    {
        var result = ParseFile(TestPaths.RequireSharedReference("x", "samples", "stream-line-captured-tweepy-issue-1884.json"));
        var post = result.Post!;
        Assert.Equal("x:1523395190584610816", post.Id);
        Assert.Equal(["1523394252348309504"], post.MatchedRules);
        Assert.Equal(new PostAuthor("581464808", "someuser", "Some Userj"), post.Author);
        Assert.Equal(new DateTimeOffset(2022, 5, 8, 20, 11, 31, TimeSpan.Zero), post.CreatedAt);
    }

    [SkippableFact]
    public void Operational_disconnect_sample_carries_its_problem_fields()
    {
        var result = ParseFile(TestPaths.RequireSharedReference("x", "samples", "stream-error-operational-disconnect-docs.json"));
        var e = Assert.Single(result.Errors!);
        Assert.Equal("operational-disconnect", e.Title);
        Assert.Equal("UpstreamOperationalDisconnect", e.DisconnectType);
        Assert.Equal("https://api.x.com/2/problems/operational-disconnect", e.Type);
        Assert.NotNull(e.Detail);
    }

    [Fact]
    public void Post_line_maps_every_field()
    {
        var result = ParseFile(Fixture("stream-line-post.json"));
        Assert.Equal(XStreamLineKind.Post, result.Kind);
        var post = result.Post!;
        Assert.Equal("x:1860000000000000001", post.Id);
        Assert.Equal("x", post.Source);
        Assert.Equal("Morning fog over Tower Bridge #london #fog", post.Text);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 9, 15, 2, TimeSpan.Zero), post.CreatedAt);
        Assert.Equal(Received, post.ReceivedAt);
        Assert.Equal("en", post.Language);
        Assert.Equal(["london", "fog"], post.Hashtags);
        Assert.Equal(["london"], post.MatchedRules);
        Assert.Equal(new PostAuthor("2244994945", "jowalker_ldn", "Jo Walker"), post.Author);
        Assert.Equal("https://x.com/i/web/status/1860000000000000001", post.Url);
        Assert.DoesNotContain("jowalker", post.Url, StringComparison.OrdinalIgnoreCase);
        Assert.False(post.IsTombstone);
    }

    [Fact]
    public void Reordered_members_unknown_fields_and_includes_posts_are_tolerated()
    {
        var result = ParseFile(Fixture("stream-line-reordered-untagged-rule.json"));
        Assert.Equal(XStreamLineKind.Post, result.Kind);
        var post = result.Post!;
        Assert.Equal("Queue at the Tate é #Tate_Modern then #london", post.Text);
        Assert.Equal(new PostAuthor("581464808", "ed_smith", "Ed Smith"), post.Author);
        Assert.Equal(["1860000000000000901"], post.MatchedRules);
        Assert.Equal(["Tate_Modern", "london"], post.Hashtags);
    }

    [Fact]
    public void Minimal_post_without_author_or_created_at_uses_unknown_author_and_received_time()
    {
        var result = ParseFile(Fixture("stream-line-minimal.json"));
        Assert.Equal(XStreamLineKind.Post, result.Kind);
        Assert.Same(PostAuthor.Unknown, result.Post!.Author);
        Assert.Equal(Received, result.Post.CreatedAt);
        Assert.Null(result.Post.Language);
        Assert.Empty(result.Post.MatchedRules);
    }

    [Fact]
    public void Compliance_delete_becomes_a_tombstone()
    {
        var result = ParseFile(Fixture("stream-compliance-delete.json"));
        Assert.Equal(XStreamLineKind.Delete, result.Kind);
        var post = result.Post!;
        Assert.True(post.IsTombstone);
        Assert.Equal("x:1860000000000000004", post.Id);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero), post.DeletedAt);
        Assert.Equal(Received, post.ReceivedAt);
    }

    [Fact]
    public void Fixture_errors_and_http_problem_bodies_become_errors()
    {
        var disconnect = ParseFile(Fixture("stream-error-operational-disconnect.json"));
        Assert.Equal("UpstreamOperationalDisconnect", Assert.Single(disconnect.Errors!).DisconnectType);
        var tooMany = ParseFile(Fixture("stream-http429-too-many-connections.json"));
        Assert.Equal(XStreamLineKind.Errors, tooMany.Kind);
        Assert.Equal("TooManyConnections", Assert.Single(tooMany.Errors!).ConnectionIssue);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\r\n")]
    [InlineData("  \t \r\n")]
    public void Blank_lines_are_keep_alives(string line) =>
        Assert.Equal(XStreamLineKind.KeepAlive, Parse(line).Kind);

    [Fact]
    public void Keep_alive_fixture_is_a_keep_alive() =>
        Assert.Equal(XStreamLineKind.KeepAlive, XStreamLineParser.Parse(File.ReadAllBytes(Fixture("stream-keep-alive.txt")), Received).Kind);

    [Theory]
    [InlineData("{\"data\":{\"id\":\"1\",\"text\":\"x\"", XStreamReasons.MalformedJson)]
    [InlineData("{\"data\":{\"id\":\"1\",\"text\":\"x\"}}{}", XStreamReasons.MalformedJson)]
    [InlineData("not json", XStreamReasons.MalformedJson)]
    [InlineData("[1,2]", XStreamReasons.NotAnObject)]
    [InlineData("{\"data\":{\"text\":\"secret text\"}}", XStreamReasons.MissingId)]
    [InlineData("{\"data\":{\"id\":\"1\"}}", XStreamReasons.MissingText)]
    [InlineData("{\"data\":{\"id\":\"1\",\"text\":\"t\",\"author_id\":\"5\"},\"includes\":{\"users\":[{\"id\":\"6\",\"username\":\"u\"}]}}", XStreamReasons.UnknownAuthor)]
    [InlineData("{\"data\":{\"id\":\"1\",\"text\":\"t\",\"author_id\":\"5\"}}", XStreamReasons.UnknownAuthor)]
    [InlineData("{\"data\":{\"id\":\"1\",\"text\":\"t\",\"created_at\":\"yesterday\"}}", XStreamReasons.InvalidCreatedAt)]
    [InlineData("{\"matching_rules\":[{\"id\":\"1\",\"tag\":\"london\"}]}", XStreamReasons.MissingId)]
    [InlineData("{\"data\":{\"delete\":{\"event_at\":\"2026-11-20T10:00:00.000Z\"}}}", XStreamReasons.MissingDeleteId)]
    public void Bad_lines_are_malformed_with_a_value_free_reason(string line, string reason)
    {
        var result = Parse(line);
        Assert.Equal(XStreamLineKind.Malformed, result.Kind);
        Assert.Equal(reason, result.Reason);
        Assert.DoesNotContain("secret", result.Reason!, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_malformed()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"data\":{\"id\":\"1\",\"text\":\"ab\"}}");
        bytes[26] = 0xC3; // a lead byte followed by an ASCII byte is not UTF-8
        var result = XStreamLineParser.Parse(bytes, Received);
        Assert.Equal(XStreamReasons.InvalidUtf8, result.Reason);
    }

    [Fact]
    public void Unknown_message_types_and_other_compliance_events_are_ignored()
    {
        Assert.Equal(XStreamLineKind.Ignored, Parse("{\"something_new\":{\"a\":1}}").Kind);
        Assert.Equal(XStreamLineKind.Ignored, Parse("{\"data\":{\"withheld\":{\"tweet\":{\"id\":\"1\",\"author_id\":\"2\"},\"withheld_in_countries\":[\"DE\"],\"event_at\":\"2026-11-20T10:00:00.000Z\"}}}").Kind);
    }

    [Fact]
    public void Escaped_author_ids_and_handles_are_unescaped_and_joined()
    {
        var result = Parse("{\"data\":{\"id\":\"7\",\"text\":\"t\",\"author_id\":\"\\u0035\"},\"includes\":{\"users\":[{\"id\":\"5\",\"username\":\"a\\u005fb\",\"name\":\"N\\\"M\"}]}}");
        Assert.Equal(XStreamLineKind.Post, result.Kind);
        Assert.Equal(new PostAuthor("5", "a_b", "N\"M"), result.Post!.Author);
    }

    [Fact]
    public void Hashtags_are_extracted_from_text_when_entities_are_absent()
    {
        var result = Parse("{\"data\":{\"id\":\"1\",\"text\":\"#London rain &#39; a#b #1 #2026Goals (#tube)\"}}");
        Assert.Equal(["London", "2026Goals", "tube"], result.Post!.Hashtags);
    }

    [Fact]
    public void Includes_tweets_of_the_older_spec_are_accepted()
    {
        var result = Parse("{\"data\":{\"id\":\"2\",\"text\":\"t\",\"author_id\":\"5\"},\"includes\":{\"tweets\":[{\"id\":\"1\",\"text\":\"q\",\"author_id\":\"6\"}],\"users\":[{\"id\":\"5\",\"username\":\"u\"}]}}");
        Assert.Equal(XStreamLineKind.Post, result.Kind);
        Assert.Equal("u", result.Post!.Author.Handle);
        Assert.Null(result.Post.Author.DisplayName);
    }

    [Fact]
    public void Source_name_can_be_overridden_but_ids_keep_the_x_prefix()
    {
        var result = XStreamLineParser.Parse("{\"data\":{\"id\":\"9\",\"text\":\"t\"}}"u8, Received, "replay");
        Assert.Equal("replay", result.Post!.Source);
        Assert.Equal("x:9", result.Post.Id);
    }
}
