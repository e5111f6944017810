using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TweetStream.Sources.Mastodon;
using TweetStream.Tests.Sources.Support;

namespace TweetStream.Tests.Sources.Mastodon;

internal static class MastodonTestSupport
{
    public static MastodonHashtagSource Create(
        FakeMastodonServer server,
        Action<MastodonHashtagSourceOptions>? configure = null,
        TimeProvider? time = null,
        ILogger? logger = null)
    {
        var options = new MastodonHashtagSourceOptions
        {
            Instances = [server.BaseUri],
            Tags = ["london"],
            AccessToken = server.Token,
            StateFile = string.Empty,
            ReconnectMinDelay = TimeSpan.Zero,
            ReconnectMaxDelay = TimeSpan.Zero,
            StateFlushInterval = TimeSpan.Zero,
        };
        configure?.Invoke(options);
#pragma warning disable CA2000 // The HttpClient lives as long as the source under test.
        var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
#pragma warning restore CA2000
        return new MastodonHashtagSource(options, http, time ?? TimeProvider.System, logger ?? NullLogger.Instance);
    }

    public static ItemReader Read(MastodonHashtagSource source)
    {
        var stop = new CancellationTokenSource();
        return new ItemReader(source.ReadAsync(stop.Token), stop);
    }

    public static string StatusId(SourceItem item) => item.Post!.Id[(item.Post.Id.LastIndexOf(':') + 1)..];
}
