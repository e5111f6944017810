using Microsoft.Extensions.Logging.Abstractions;
using TweetStream.Sources.Bluesky;
using TweetStream.Sources.Mastodon;
using TweetStream.Tests.Sources.Support;

namespace TweetStream.Tests.Sources;

/// <summary>
/// Opt-in tests against real services, skipped unless the environment names them:
/// MASTODON_INSTANCE (+ MASTODON_TOKEN, optional MASTODON_TAG) and JETSTREAM_URL (optional JETSTREAM_TAG).
/// </summary>
public sealed class LiveSourceTests
{
    [SkippableFact]
    public async Task Live_Mastodon_instance_streams_or_catches_up_a_hashtag()
    {
        var instance = Environment.GetEnvironmentVariable("MASTODON_INSTANCE");
        var token = Environment.GetEnvironmentVariable("MASTODON_TOKEN");
        Skip.If(string.IsNullOrEmpty(instance) || string.IsNullOrEmpty(token), "Set MASTODON_INSTANCE and MASTODON_TOKEN to run against a real instance.");
        var tag = Environment.GetEnvironmentVariable("MASTODON_TAG") ?? "london";
        using var dir = TweetStream.Tests.Support.TestPaths.CreateTempDirectory();
        var stateFile = dir.Combine("mastodon.json");

        // Seed the state one id back so the catch-up path returns the newest posts at once.
        await File.WriteAllTextAsync(stateFile, "{\"" + new Uri(instance!).Authority + "|" + tag.ToLowerInvariant() + "\":\"1\"}");
        var options = new MastodonHashtagSourceOptions
        {
            Instances = [new Uri(instance!)],
            Tags = [tag],
            AccessToken = token,
            StateFile = stateFile,
            MaxCatchUpPages = 1,
            CatchUpPageSize = 5,
        };
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var source = new MastodonHashtagSource(options, http, TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var reader = new ItemReader(source.ReadAsync(stop.Token), stop);

        var item = await reader.NextAsync(liveSeconds: 60);

        Assert.StartsWith("mastodon:" + new Uri(instance!).Authority + ":", item.Post!.Id, StringComparison.Ordinal);
        Assert.DoesNotContain("/@", item.Post.Url ?? string.Empty, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Live_Jetstream_delivers_posts_for_a_common_hashtag()
    {
        var url = Environment.GetEnvironmentVariable("JETSTREAM_URL");
        Skip.If(string.IsNullOrEmpty(url), "Set JETSTREAM_URL (e.g. wss://jetstream2.us-east.bsky.network/subscribe) to run against Jetstream.");
        var tag = Environment.GetEnvironmentVariable("JETSTREAM_TAG") ?? "art";
        var options = new BlueskyJetstreamSourceOptions { Endpoints = [new Uri(url!)], Hashtags = [tag], StateFile = string.Empty };
        var source = new BlueskyJetstreamSource(options, TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var reader = new ItemReader(source.ReadAsync(stop.Token), stop);

        var item = await reader.NextAsync(liveSeconds: 120);

        Assert.StartsWith("bluesky:did:", item.Post!.Id, StringComparison.Ordinal);
    }
}
