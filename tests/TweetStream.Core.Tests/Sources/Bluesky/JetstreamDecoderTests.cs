using System.Text;
using TweetStream.Sources.Bluesky;
using TweetStream.Tests.Sources.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sources.Bluesky;

/// <summary>Decoding of real Jetstream frames (skipped without ../shared) and of the project's fixtures.</summary>
public sealed class JetstreamDecoderTests
{
    private static readonly DateTimeOffset Received = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    [SkippableFact]
    public void Every_line_of_the_real_capture_decodes_and_only_tagged_posts_are_kept()
    {
        var path = TestPaths.RequireSharedReference("bluesky", "samples", "jetstream-v1-capture-2026-07-04.jsonl");
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        var all = new JetstreamDecoder(["HowToTellAiToShutUp", "talesatwonderworld"]);

        var decoded = lines.Select(l => all.Decode(Encoding.UTF8.GetBytes(l), Received)).ToArray();

        Assert.Equal(152, decoded.Length);
        Assert.DoesNotContain(decoded, d => d.Kind == JetstreamEventKind.Malformed);
        var posts = decoded.Where(d => d.Kind == JetstreamEventKind.Post).ToArray();
        Assert.Equal(2, posts.Length);
        Assert.Contains(posts, p => p.Post!.Id == "bluesky:did:plc:tn3hni2jpphsgl6amfbb7ja6:3mptbypfywk2v");
        Assert.Contains(posts, p => p.Post!.Id == "bluesky:did:plc:ynfp6wddjqpl44gordpsqkuw:3mptbyo7tas2u");

        // Four deletes in the capture, of which one is a post (the others are follows).
        Assert.Equal(1, decoded.Count(d => d.Kind == JetstreamEventKind.Delete));
        Assert.All(decoded, d => Assert.True(d.TimeUs > 0));
    }

    public static TheoryData<string, string> ReferenceSamples() => new()
    {
        { "jetstream-v1-post-create-tag-facets.json", "post" },
        { "jetstream-v1-post-create-link-tag-facets-images.json", "skip" },
        { "jetstream-v1-post-create-reply.json", "skip" },
        { "jetstream-v1-post-create-no-langs-link-facet.json", "skip" },
        { "jetstream-v1-post-delete.json", "delete" },
        { "jetstream-v1-identity.json", "skip" },
        { "jetstream-v1-account.json", "skip" },
        { "jetstream-v1-first-line-of-capture.json", "skip" },
        { "jetstream-v1-readme-like-create.json", "skip" },
        { "jetstream-v1-readme-identity-with-handle.json", "skip" },
        { "jetstream-v1-readme-heartbeat-response.json", "skip" },
        { "jetstream-v1-subscribe-with-cursor-field-v2-docs.json", "skip" },
    };

    [SkippableTheory]
    [MemberData(nameof(ReferenceSamples))]
    public void Every_reference_sample_decodes_to_the_expected_kind(string file, string expected)
    {
        var path = TestPaths.RequireSharedReference("bluesky", "samples", file);
        var decoder = new JetstreamDecoder(["indierebellion"]);

        var result = decoder.Decode(File.ReadAllBytes(path), Received);

        Assert.Equal(expected, result.Kind.ToString().ToLowerInvariant());
    }

    [SkippableFact]
    public void Reference_tagged_post_maps_every_field_and_matches_case_insensitively()
    {
        var path = TestPaths.RequireSharedReference("bluesky", "samples", "jetstream-v1-post-create-tag-facets.json");
        var decoder = new JetstreamDecoder(["#howtotellaitoshutup"]);

        var post = decoder.Decode(File.ReadAllBytes(path), Received).Post!;

        Assert.Equal("bluesky:did:plc:tn3hni2jpphsgl6amfbb7ja6:3mptbypfywk2v", post.Id);
        Assert.Equal("bluesky", post.Source);
        Assert.Equal(new PostAuthor("did:plc:tn3hni2jpphsgl6amfbb7ja6", "did:plc:tn3hni2jpphsgl6amfbb7ja6"), post.Author);
        Assert.Equal(new DateTimeOffset(2026, 7, 4, 14, 38, 7, 323, TimeSpan.Zero), post.CreatedAt);
        Assert.Equal(Received, post.ReceivedAt);
        Assert.Equal("de", post.Language);
        Assert.Equal(["HowToTellAiToShutUp", "IndieRebellion"], post.Hashtags);
        Assert.Equal(["howtotellaitoshutup"], post.MatchedRules);
        Assert.StartsWith("#HowToTellAiToShutUp!", post.Text, StringComparison.Ordinal);
        Assert.Null(post.Url);
    }

    [SkippableFact]
    public void Reference_delete_becomes_a_tombstone_id()
    {
        var path = TestPaths.RequireSharedReference("bluesky", "samples", "jetstream-v1-post-delete.json");
        var result = new JetstreamDecoder(["x"]).Decode(File.ReadAllBytes(path), Received);
        Assert.Equal(JetstreamEventKind.Delete, result.Kind);
        Assert.True(result.Post!.IsTombstone);
        Assert.Equal("bluesky:did:plc:4smmjsqf6l5jkzczvw6vsrqc:3mpt73z3ejc2p", result.Post.Id);
        Assert.Equal(1783175888377628, result.TimeUs);
    }

    [Fact]
    public void Fixture_frames_keep_facet_and_record_tag_posts_and_drop_the_rest()
    {
        var decoder = new JetstreamDecoder(["london"]);
        var results = File.ReadAllLines(Fixtures.Path("bluesky", "jetstream-mixed.jsonl"))
            .Select(l => decoder.Decode(Encoding.UTF8.GetBytes(l), Received))
            .ToArray();

        Assert.Equal(
            ["Skip", "Post", "Skip", "Post", "Skip", "Skip", "Skip", "Delete", "Delete"],
            results.Select(r => r.Kind.ToString()));
        Assert.Equal(["London"], results[1].Post!.Hashtags);
        Assert.Equal(["LONDON", "travel"], results[3].Post!.Hashtags);
        Assert.Equal("en", results[3].Post!.Language);
        Assert.Equal("bluesky:did:plc:testauthoraaaaaaaaaaaaaa:3mzzpost0001", results[7].PostId);
    }

    [Fact]
    public void A_double_encoded_frame_decodes_like_the_plain_one()
    {
        var line = File.ReadAllLines(Fixtures.Path("bluesky", "jetstream-mixed.jsonl"))[1];
        var doubleEncoded = "\"" + line.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        Assert.StartsWith("\"{\\\"did\\\"", doubleEncoded, StringComparison.Ordinal);
        var decoder = new JetstreamDecoder(["london"]);

        var plain = decoder.Decode(Encoding.UTF8.GetBytes(line), Received);
        var wrapped = decoder.Decode(Encoding.UTF8.GetBytes(doubleEncoded), Received);

        Assert.Equal(JetstreamEventKind.Post, wrapped.Kind);
        Assert.NotNull(plain.Post);
        Assert.NotNull(wrapped.Post);
        Assert.Equal(plain.Post, wrapped.Post with { Hashtags = plain.Post.Hashtags, MatchedRules = plain.Post.MatchedRules });
        Assert.Equal(plain.Post.Hashtags, wrapped.Post.Hashtags);
        Assert.Equal(plain.TimeUs, wrapped.TimeUs);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"did\":\"did:plc:x\",\"time_us\":\"soon\",\"kind\":\"commit\"}")]
    [InlineData("{\"did\":\"did:plc:x\",\"time_us\":1,\"kind\":\"commit\",\"commit\":{\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"r\"}}")]
    [InlineData("{\"time_us\":1,\"kind\":\"commit\",\"commit\":{\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"r\",\"record\":{\"text\":\"#london\"}}}")]
    [InlineData("{\"did\":\"did:plc:x\",\"time_us\":1,\"kind\":\"commit\",\"commit\":{\"operation\":\"mutate\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"r\"}}")]
    [InlineData("{\"did\":\"did:plc:x\",\"time_us\":1,\"kind\":\"commit\",\"commit\":{\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"r\",\"record\":{\"text\":42}}}")]
    [InlineData("\"not an event\"")]
    [InlineData("null")]
    public void Undecodable_frames_are_malformed_with_a_reason(string frame)
    {
        var result = new JetstreamDecoder(["london"]).Decode(Encoding.UTF8.GetBytes(frame), Received);
        Assert.Equal(JetstreamEventKind.Malformed, result.Kind);
        Assert.StartsWith("jetstream:", result.Reason, StringComparison.Ordinal);
    }
}
