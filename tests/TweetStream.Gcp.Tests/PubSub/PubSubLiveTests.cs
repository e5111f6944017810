using TweetStream.Gcp.Auth;
using TweetStream.Gcp.PubSub;
using TweetStream.Tests.Support;

namespace TweetStream.Gcp.Tests.PubSub;

/// <summary>Opt-in: runs against real Pub/Sub only with TWEETSTREAM_GCP_PROJECT and Application Default Credentials.</summary>
public sealed class PubSubLiveTests
{
    [SkippableFact]
    public async Task Publishes_pulls_and_acks_against_real_Pub_Sub()
    {
        var project = Environment.GetEnvironmentVariable("TWEETSTREAM_GCP_PROJECT");
        var credentials = Environment.GetEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS");
        Skip.If(
            string.IsNullOrEmpty(project) || string.IsNullOrEmpty(credentials) || !File.Exists(credentials),
            "Live Pub/Sub test: set TWEETSTREAM_GCP_PROJECT and GOOGLE_APPLICATION_CREDENTIALS (a service account key with Pub/Sub Editor) to run it.");

        var suffix = Guid.NewGuid().ToString("N")[..8];
        var sinkOptions = new PubSubSinkOptions { ProjectId = project!, TopicId = "tweetstream-live-" + suffix, CreateIfMissing = true };
        var sourceOptions = new PubSubSourceOptions
        {
            ProjectId = project!,
            SubscriptionId = "tweetstream-live-" + suffix + "-sub",
            TopicId = sinkOptions.TopicId,
            CreateIfMissing = true,
        };
        var tokens = new ApplicationDefaultTokenSource([PubSubClientFactory.Scope]);
        using var http = new HttpClient();
        var sourceApi = PubSubClientFactory.Create(sourceOptions, http, tokens, TimeProvider.System);
        await using var source = new PubSubSource(sourceApi, sourceOptions, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var items = source.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var first = items.MoveNextAsync().AsTask(); // provisions topic and subscription before publishing

        var sink = new PubSubSink(PubSubClientFactory.Create(sinkOptions, http, tokens, TimeProvider.System), sinkOptions, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        SinkBatch batch = new([Posts.Make(1)]);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            batch = new SinkBatch([Posts.Make(1)]);
            await sink.WriteAsync(batch, cts.Token);
            if (!batch.HasFailures)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cts.Token);
        }

        Assert.False(batch.HasFailures);
        Assert.True(await first);
        Assert.Equal("x:1", items.Current.Post!.Id);
        await items.Current.Acknowledgement.AcknowledgeAsync(cts.Token);
    }
}
