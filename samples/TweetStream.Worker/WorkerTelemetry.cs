using Microsoft.Extensions.Options;
using TweetStream.Pipeline;
using TweetStream.Samples;

namespace TweetStream.Worker;

/// <summary>
/// The worker's observability, kept out of Program.cs: OpenTelemetry (Prometheus <c>/metrics</c> for machines, OTLP
/// when configured), the Cloud Logging console format, readiness thresholds and, for <c>--once</c>, progress lines.
/// </summary>
internal static class WorkerTelemetry
{
    public const string ServiceName = "tweetstream-worker";

    /// <param name="builder">The worker's host builder.</param>
    /// <param name="once">A batch run: no HTTP, progress lines on stderr.</param>
    /// <param name="quiet">No progress lines (<c>--quiet</c>).</param>
    public static IHostApplicationBuilder AddWorkerTelemetry(this IHostApplicationBuilder builder, bool once, bool quiet = false)
    {
        builder.AddHostTelemetry(ServiceName, web: !once);
        builder.Services.AddOptions<ReadinessOptions>().Bind(builder.Configuration.GetSection(WorkerPipeline.Section + ":Health"));
        builder.Services.AddSingleton<PipelineHealthCheck>(); // one instance: "nothing read yet" counts from the first probe
        if (builder is WebApplicationBuilder web)
        {
            web.WebHost.ListenOnMetricsPort(builder.Configuration);
        }

        if (once && !quiet)
        {
            var interval = builder.Configuration.GetSection(WorkerPipeline.Section + ":Progress").GetValue("Interval", TimeSpan.FromSeconds(5));
            builder.Services.AddHostedService(sp => new OnceProgress(
                sp.GetRequiredService<ITweetStreamStatus>(),
                sp.GetRequiredService<TimeProvider>(),
                Console.Error.WriteLine,
                () => ReplayInputSize.Of(sp.GetRequiredService<IOptionsMonitor<ReplayOptions>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName).Path))
            {
                Interval = interval,
            });
        }

        return builder;
    }

    /// <summary>Maps <c>/metrics</c> for scrapers (management port, bearer token, or loopback; see README).</summary>
    public static WebApplication MapWorkerTelemetry(this WebApplication app) => app.MapHostMetrics();
}
