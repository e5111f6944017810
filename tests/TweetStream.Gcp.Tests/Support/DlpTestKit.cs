using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using TweetStream.Gcp.Dlp;
using TweetStream.Pipeline;
using TweetStream.Tests.Support;
using TweetStream.Transforms.Hashing;

namespace TweetStream.Gcp.Tests.Support;

/// <summary>Builds DLP transforms and pipelines against a <see cref="DlpTestServer"/>.</summary>
internal static class DlpTestKit
{
    public const string Project = "test-project";

    public static readonly HashingKey Key = new("k1", [.. Enumerable.Range(1, 32).Select(i => (byte)i)]);


    public static DlpRedactionOptions Options(DlpTestServer server, Action<DlpRedactionOptions>? configure = null)
    {
        var options = new DlpRedactionOptions
        {
            ProjectId = Project,
            Location = "europe-west2",
            BaseAddress = server.BaseAddress,
            ValidateAtStartup = false,
            MaxAttempts = 1,
        };
        configure?.Invoke(options);
        return options;
    }

    public static DlpRedactionTransform Transform(DlpTestServer server, DlpRedactionOptions options, TimeProvider? time = null, PipelineMetrics? metrics = null) =>
        new(
            DlpClientFactory.Create(options, new HttpClient(), new FakeTokenSource(), time ?? TimeProvider.System),
            options,
            Key,
            time ?? TimeProvider.System,
            NullLogger.Instance,
            metrics,
            "test");

    /// <summary>Metrics on a meter factory of their own, so a listener sees only this test's measurements.</summary>
    public static PipelineMetrics Metrics() => PipelineHarness.Metrics();

    /// <summary>A pipeline without a host on the real clock (or <paramref name="time"/>) with fast pipeline retries.</summary>
    public static TweetPipeline CreatePipeline(ITweetSource source, ITransform transform, ISink sink, IDeadLetterSink? deadLetters = null, int batchSize = 500, TimeProvider? time = null) =>
        PipelineHarness.Create(
            source,
            [sink],
            deadLetters ?? new CollectingDeadLetterSink(),
            [transform],
            new PipelineOptions
            {
                BatchSize = batchSize,
                BatchMaxBytes = 64 * 1024 * 1024,
                BatchMaxDelay = TimeSpan.FromMilliseconds(20),
                RetryBaseDelay = TimeSpan.FromMilliseconds(1),
                RetryMaxDelay = TimeSpan.FromMilliseconds(5),
                DrainTimeout = TimeSpan.FromSeconds(10),
                MaxParallelBatches = 1,
            },
            time);

    public static Post Post(int n, string text) => TweetStream.Tests.Support.Posts.Make(n) with { Text = text };

    /// <summary>Runs <paramref name="posts"/> through the transform as one batch, outside a pipeline.</summary>
    public static async Task<List<Post>> ApplyAsync(ITransform transform, IEnumerable<Post> posts)
    {
        var items = posts.Select(p => new PipelineItem(SourceItem.ForPost(p, p.Text.Length))).ToList();
        await transform.ApplyAsync(new TransformBatch(items), CancellationToken.None);
        return [.. items.Select(i => i.Post!)];
    }
}
