using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace TweetStream.Samples.Tests.Snippets;

/// <summary>The C# fragments of docs/*.md, compiled here and included there verbatim (see SnippetDriftTests).</summary>
internal static class DocSnippets
{
    public static void BigQueryLoadPipeline(IServiceCollection services)
    {
        #region bigquery-load-pipeline
        services.AddTweetStream(p => p
            .AddPubSubSource(o => { o.ProjectId = "my-project"; o.SubscriptionId = "posts-sub"; })
            .AddBigQueryLoadSink(o => { o.ProjectId = "my-project"; o.DatasetId = "tweetstream"; o.Location = "EU"; })
            .ConfigurePipeline(o => o.MaxParallelBatches = 16)
            .AddBigQueryQueryStore(o => { o.ProjectId = "my-project"; o.DatasetId = "tweetstream"; o.Location = "EU"; }));
        #endregion
    }

    public static void DlpRedaction(IServiceCollection services)
    {
        #region dlp-redaction
        services.AddTweetStream(p => p
            .AddReplaySource(o => o.Path = "posts.ndjson.gz")
            .AddHashHandles(o => o.GenerateKeyFile = true)      // the key also hashes mentions before DLP sees them
            .AddDlpRedaction(o => { o.ProjectId = "my-project"; o.Location = "europe-west2"; })
            .AddSqliteStore());
        #endregion
    }

    public static void MastodonAndBluesky(IServiceCollection services, IConfiguration config)
    {
        #region mastodon-bluesky
        services.AddTweetStream(p => p
            .AddMastodonHashtagSource(config.GetSection("TweetStream:Mastodon"))
            .AddBlueskyJetstreamSource(o => o.Hashtags.Add("london"))
            .AddHashHandles(config.GetSection("TweetStream:Hashing"))
            .AddSink<MySink>());
        #endregion
    }
}

/// <summary>The placeholder sink the fragments register.</summary>
internal sealed class MySink : ISink
{
    public string Name => "mine";

    public ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
