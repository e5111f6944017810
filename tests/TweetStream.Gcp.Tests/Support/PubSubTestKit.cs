using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using TweetStream.Gcp.Auth;
using TweetStream.Gcp.PubSub;
using TweetStream.Pipeline;
using TweetStream.Tests.Support;

namespace TweetStream.Gcp.Tests.Support;

/// <summary>A token source that counts calls and returns a fixed token.</summary>
internal sealed class FakeTokenSource(string token = "test-token") : IGoogleAccessTokenSource
{
    private int _calls;

    public int Calls => _calls;

    public ValueTask<string?> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return ValueTask.FromResult<string?>(token);
    }
}

/// <summary>Builds clients, sinks, sources and pipelines against a <see cref="PubSubTestServer"/>.</summary>
internal static class PubSubTestKit
{
    public const string Project = "test-project";


    public static PubSubApi Api(PubSubTestServer server, PubSubClientOptions options, IGoogleAccessTokenSource? tokens = null, TimeProvider? time = null)
    {
        if (options.EmulatorHost is null)
        {
            options.BaseAddress = server.BaseAddress;
        }

        return PubSubClientFactory.Create(options, new HttpClient(new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.GZip }), tokens ?? new FakeTokenSource(), time ?? TimeProvider.System);
    }

    public static PubSubSinkOptions SinkOptions(string topic = "posts") => new() { ProjectId = Project, TopicId = topic };

    public static PubSubSourceOptions SourceOptions(string subscription = "posts-sub") => new()
    {
        ProjectId = Project,
        SubscriptionId = subscription,
        AckDeadline = TimeSpan.FromSeconds(10),
        AckExtensionWindow = TimeSpan.FromSeconds(5),
    };

    public static PubSubSink Sink(PubSubTestServer server, PubSubSinkOptions? options = null, IGoogleAccessTokenSource? tokens = null)
    {
        options ??= SinkOptions();
        return new PubSubSink(Api(server, options, tokens), options, NullLogger.Instance);
    }

    public static PubSubSource Source(PubSubTestServer server, PubSubSourceOptions? options = null, TimeProvider? time = null)
    {
        options ??= SourceOptions();
        return new PubSubSource(Api(server, options, time: time), options, time ?? TimeProvider.System, NullLogger.Instance);
    }

    /// <summary>A pipeline without a host, on the real clock (or <paramref name="time"/>) with fast retries (TweetPipeline is internal to Core).</summary>
    public static TweetPipeline CreatePipeline(ITweetSource source, ISink sink, IDeadLetterSink? deadLetters = null, PipelineOptions? options = null, TimeProvider? time = null) =>
        PipelineHarness.Create(
            source,
            [sink],
            deadLetters ?? new CollectingDeadLetterSink(),
            options: options ?? new PipelineOptions
            {
                BatchSize = 50,
                BatchMaxDelay = TimeSpan.FromMilliseconds(5),
                RetryBaseDelay = TimeSpan.FromMilliseconds(1),
                RetryMaxDelay = TimeSpan.FromMilliseconds(5),
                DrainTimeout = TimeSpan.FromSeconds(5),
            },
            time: time);

    /// <summary>Decodes the posts a topic holds, by post id.</summary>
    public static List<Post> DecodePosts(IEnumerable<StoredMessage> messages) =>
        [.. messages.Select(m => PostJson.Deserialize(Convert.FromBase64String(m.Data!)))];

    public static byte[] Encode(Post post) => PostJson.SerializeToUtf8Bytes(post);

    public static ConcurrentDictionary<string, int> CountIds(IEnumerable<Post> posts)
    {
        var counts = new ConcurrentDictionary<string, int>();
        foreach (var post in posts)
        {
            counts.AddOrUpdate(post.Id, 1, (_, n) => n + 1);
        }

        return counts;
    }
}
