using System.Text;
using TweetStream.Sources.Mastodon;
using TweetStream.Tests.Sources.Support;
using TweetStream.Tests.Support;
using static TweetStream.Tests.Sources.Mastodon.MastodonTestSupport;

namespace TweetStream.Tests.Sources.Mastodon;

/// <summary>Parsing of the real reference samples (skipped without ../shared) and of the project's own fixtures.</summary>
public sealed class MastodonSampleTests
{
    public static TheoryData<string> ReferenceStatusFiles() =>
    [
        "status-entity-example.json",
        "status-from-sse-hashtag-status-update.json",
        "status-from-sse-hashtag-update.json",
        "status-from-ws-public-update.json",
    ];

    [SkippableTheory]
    [MemberData(nameof(ReferenceStatusFiles))]
    public void Every_reference_status_maps_to_a_post_without_the_handle_in_its_url(string file)
    {
        var path = TestPaths.RequireSharedReference("mastodon", "samples", file);
        var status = MastodonStatusMapper.ParseStatus(File.ReadAllBytes(path), out var reason);
        Assert.NotNull(status);
        Assert.Null(reason);

        var post = MastodonStatusMapper.ToPost(status, "mastodon.social", "london", DateTimeOffset.UnixEpoch);

        Assert.Equal("mastodon:mastodon.social:" + status.Id, post.Id);
        Assert.Equal("mastodon", post.Source);
        Assert.Equal(status.Account!.Acct, post.Author.Handle);
        Assert.Equal(status.Account.Id, post.Author.Id);
        Assert.Equal("https://mastodon.social/web/statuses/" + status.Id, post.Url);
        Assert.DoesNotContain(status.Account.Acct!.Split('@')[0], post.Url!, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<", post.Text, StringComparison.Ordinal);
        Assert.Equal(status.CreatedAt!.Value.ToUniversalTime(), post.CreatedAt);
        Assert.Equal("en", post.Language);
    }

    [SkippableFact]
    public void Reference_edit_keeps_tag_names_as_the_server_sent_them()
    {
        var path = TestPaths.RequireSharedReference("mastodon", "samples", "status-from-sse-hashtag-status-update.json");
        var status = MastodonStatusMapper.ParseStatus(File.ReadAllBytes(path), out _)!;
        var post = MastodonStatusMapper.ToPost(status, "ruby.social", "musictuesday", DateTimeOffset.UnixEpoch);
        Assert.Equal(["MUSICTUESDAY", "piano", "neoclassical", "jazz"], post.Hashtags);
        Assert.StartsWith("#musicTuesday\nHere's a solo #piano track", post.Text, StringComparison.Ordinal);
        Assert.Contains("https://cstudios.bandcamp.com/track/celestia-gravity-assist-no-19-var-2", post.Text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Reference_SSE_frames_stream_as_update_edit_delete_and_heartbeats_yield_nothing()
    {
        var dir = TestPaths.RequireSharedReference("mastodon", "samples");
        await using var server = await FakeMastodonServer.StartAsync();
        server.Enqueue(new StreamScript(
        [
            File.ReadAllText(Path.Combine(dir, "sse-heartbeat-reconstructed.sse.txt")),
            File.ReadAllText(Path.Combine(dir, "sse-hashtag-update.sse.txt")),
            File.ReadAllText(Path.Combine(dir, "sse-hashtag-status-update.sse.txt")),
            File.ReadAllText(Path.Combine(dir, "sse-hashtag-delete.sse.txt")),
        ], Close: false));
        var source = Create(server, o => o.Tags = ["test"]);
        await using var reader = Read(source);

        var items = await reader.TakeAsync(3);

        Assert.All(items, i => Assert.Null(i.Error));
        Assert.Equal("mastodon:" + server.Authority + ":108914430312582020", items[0].Post!.Id);
        Assert.Equal("#test", items[0].Post!.Text);
        Assert.Equal("trwnh", items[0].Post!.Author.Handle);
        Assert.Equal(["test"], items[0].Post!.MatchedRules);
        Assert.Equal("mastodon:" + server.Authority + ":109348684737626801", items[1].Post!.Id);
        Assert.Equal("chrismo@ruby.social", items[1].Post!.Author.Handle);
        Assert.True(items[2].Post!.IsTombstone);
        Assert.Equal("mastodon:" + server.Authority + ":108914430312582020", items[2].Post!.Id);
    }

    [SkippableFact]
    public async Task Reference_WebSocket_frames_decode_their_string_payloads()
    {
        var dir = TestPaths.RequireSharedReference("mastodon", "samples");
        await using var server = await FakeMastodonServer.StartAsync();
        server.Enqueue(new StreamScript(
        [
            File.ReadAllText(Path.Combine(dir, "ws-server-public-update.json")),
            File.ReadAllText(Path.Combine(dir, "ws-server-public-delete.json")),
        ], Close: false));
        var source = Create(server, o => o.Transport = MastodonStreamingTransport.WebSocket);
        await using var reader = Read(source);

        var items = await reader.TakeAsync(2);

        Assert.Equal("mastodon:" + server.Authority + ":108913983692647032", items[0].Post!.Id);
        Assert.Equal("tobtobxx@fosstodon.org", items[0].Post!.Author.Handle);
        Assert.Equal("And now I can't exit the inner nvim because I mapped escape to the parent vim instance 😂", items[0].Post!.Text);
        Assert.True(items[1].Post!.IsTombstone);
        Assert.Equal("mastodon:" + server.Authority + ":106692867363994015", items[1].Post!.Id);
    }

    [SkippableFact]
    public async Task Reference_in_socket_error_stops_the_source_as_a_configuration_error()
    {
        var path = TestPaths.RequireSharedReference("mastodon", "samples", "ws-error-unknown-stream.json");
        await using var server = await FakeMastodonServer.StartAsync();
        server.Enqueue(new StreamScript([File.ReadAllText(path)], Close: false));
        var source = Create(server, o => o.Transport = MastodonStreamingTransport.WebSocket);
        await using var reader = Read(source);

        var error = await reader.FailureAsync<TweetStream.Sources.Common.SourceConfigurationException>();
        Assert.Contains("Unknown stream type", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fixture_status_maps_every_field()
    {
        var status = MastodonStatusMapper.ParseStatus(Fixtures.Bytes("mastodon", "status-update.json"), out _)!;
        var received = new DateTimeOffset(2026, 11, 26, 10, 0, 1, TimeSpan.Zero);

        var post = MastodonStatusMapper.ToPost(status, "example.social", "london", received);

        Assert.Equal("mastodon:example.social:113000000000000001", post.Id);
        Assert.Equal("mastodon", post.Source);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero), post.CreatedAt);
        Assert.Equal(received, post.ReceivedAt);
        Assert.Equal(new PostAuthor("9001", "alice@example.social", "Alice Example"), post.Author);
        Assert.Equal("en", post.Language);
        Assert.Equal(["london"], post.Hashtags);
        Assert.Equal(["london"], post.MatchedRules);
        Assert.Equal("https://example.social/web/statuses/113000000000000001", post.Url);
        Assert.Equal("Rain again in #London & fog\nSecond line\nthird <b>not bold</b> https://example.org/a?x=1&y=2", post.Text);
        Assert.False(post.IsTombstone);
    }

    [Fact]
    public void Content_warning_is_kept_in_the_text()
    {
        var status = MastodonStatusMapper.ParseStatus(Fixtures.Bytes("mastodon", "status-update.json"), out _)!;
        status.SpoilerText = "weather";
        var post = MastodonStatusMapper.ToPost(status, "example.social", "london", DateTimeOffset.UnixEpoch);
        Assert.StartsWith("weather\n\nRain again", post.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"id\":\"1\"}")]
    [InlineData("{\"id\":\"1\",\"created_at\":\"2026-11-26T10:00:00Z\",\"account\":{\"id\":\"2\"}}")]
    [InlineData("[1,2]")]
    [InlineData("not json")]
    [InlineData("{\"id\":\"1\",\"created_at\":\"yesterday\",\"account\":{\"id\":\"2\",\"acct\":\"a\"}}")]
    public void Incomplete_or_invalid_statuses_are_rejected_with_a_reason(string json)
    {
        Assert.Null(MastodonStatusMapper.ParseStatus(Encoding.UTF8.GetBytes(json), out var reason));
        Assert.StartsWith("mastodon:", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("108914430312582020", "108914430312582020")]
    [InlineData(" \"108914430312582020\"\n", "108914430312582020")]
    [InlineData("", null)]
    [InlineData("{\"id\":1}", null)]
    public void Delete_payload_is_a_bare_id(string payload, string? expected) =>
        Assert.Equal(expected, MastodonStatusMapper.DeletedId(Encoding.UTF8.GetBytes(payload)));
}
