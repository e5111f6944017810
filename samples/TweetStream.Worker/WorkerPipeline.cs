using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Samples;

namespace TweetStream.Worker;

/// <summary>Wires the #london pipeline from configuration; every choice is a configuration key (see README).</summary>
internal static class WorkerPipeline
{
    public const string Section = "TweetStream";

    public static string DataDirectory(IConfiguration configuration) => SampleConfiguration.DataDirectory(configuration);

    /// <summary>
    /// One pipeline named <c>default</c> configured from <c>TweetStream</c> itself, or, when
    /// <c>TweetStream:Pipelines</c> has children (the gcp profile: <c>ingest</c> and <c>load</c>), one pipeline per
    /// child, each with its own <c>Source</c>, <c>Redaction</c> and <c>Sinks</c>; component settings
    /// (<c>X</c>, <c>PubSub</c>, <c>Sqlite</c>, …) are shared from <c>TweetStream</c>.
    /// </summary>
    public static IServiceCollection AddWorkerPipeline(this IServiceCollection services, IConfiguration configuration, bool once)
    {
        var root = configuration.GetSection(Section);
        var dataDirectory = DataDirectory(configuration);

        services.UseGeneratedHashingKeyBesideData(dataDirectory);

        var pipelines = root.GetSection("Pipelines").GetChildren().ToList();
        if (pipelines.Count == 0)
        {
            services.AddTweetStream(pipeline => Configure(pipeline, root, root, once, dataDirectory));
        }
        else
        {
            foreach (var spec in pipelines)
            {
                services.AddTweetStream(spec.Key, pipeline => Configure(pipeline, spec, root, once, dataDirectory));
            }
        }

        if (!once)
        {
            // The store the dashboard reads is host-wide; register it once, after the sinks.
            services.AddTweetStream(pipelines.Count == 0 ? TweetStreamServiceCollectionExtensions.DefaultPipelineName : pipelines[0].Key,
                pipeline => pipeline.AddConfiguredStore(root));
        }

        if (once)
        {
            services.StopHostWhenPipelinesComplete();
        }

        return services;
    }

    private static void Configure(ITweetStreamBuilder pipeline, IConfigurationSection spec, IConfigurationSection root, bool once, string dataDirectory)
    {
        // Push sources (X, Jetstream) spill past the memory bound into the data directory instead of shedding.
        var spill = Path.Combine(dataDirectory, "spill", pipeline.Name);
        pipeline.ConfigurePipeline(o => o.SpillDirectory = spill);
        pipeline.ConfigurePipeline(root.GetSection("Pipeline"));
        if (!ReferenceEquals(spec, root))
        {
            pipeline.ConfigurePipeline(spec.GetSection("Pipeline"));
        }

        AddSource(pipeline, spec["Source"], root, once, dataDirectory);
        pipeline.AddHashHandles(root.GetSection("Hashing"));
        AddRedaction(pipeline, spec["Redaction"], root);
        pipeline.AddConfiguredSinks(spec["Sinks"], root, dataDirectory);
    }

    private static void AddSource(ITweetStreamBuilder pipeline, string? source, IConfigurationSection root, bool once, string dataDirectory)
    {
        // "auto": the X stream when a bearer token is configured, otherwise the bundled replay.
        var configured = (source ?? "auto").Trim().ToLowerInvariant();
        if (configured == "auto")
        {
            configured = string.IsNullOrWhiteSpace(root.GetSection("X")["BearerToken"]) ? "replay" : "x";
        }

        foreach (var kind in configured.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (kind)
            {
                case "replay":
                    pipeline.AddReplaySource(o =>
                    {
                        root.GetSection("Replay").Bind(o);
                        if (string.IsNullOrWhiteSpace(o.Path))
                        {
                            o.Path = Path.Combine(AppContext.BaseDirectory, "sample", "london.ndjson.gz");
                        }

                        if (once)
                        {
                            // A batch run reads the file to its end as fast as it can, once.
                            o.Pace = false;
                            o.Loop = false;
                            o.RebaseTimestamps = false;
                            o.Backfill = TimeSpan.Zero;
                        }
                    });
                    break;
                case "x":
                    pipeline.AddXFilteredStream(root.GetSection("X"));
                    break;
                case "mastodon":
                    pipeline.AddMastodonHashtagSource(o =>
                    {
                        o.StateFile = Path.Combine(dataDirectory, "state", "mastodon.json");
                        root.GetSection("Mastodon").Bind(o);
                    });
                    break;
                case "bluesky":
                    pipeline.AddBlueskyJetstreamSource(o =>
                    {
                        o.StateFile = Path.Combine(dataDirectory, "state", "jetstream.json");
                        root.GetSection("Bluesky").Bind(o);
                    });
                    break;
                case "pubsub":
                    pipeline.AddPubSubSource(root.GetSection("PubSub"));
                    break;
                default:
                    throw new OptionsValidationException(Section + ":Source", typeof(string),
                        [$"Unknown source '{kind}' in TweetStream:Source. Use auto, replay, x, mastodon, bluesky, pubsub or a comma-separated mix."]);
            }
        }
    }

    private static void AddRedaction(ITweetStreamBuilder pipeline, string? redaction, IConfigurationSection root)
    {
        var mode = (redaction ?? "local").Trim().ToLowerInvariant();
        switch (mode)
        {
            case "none":
                break;
            case "local":
                pipeline.AddRedactPii(root.GetSection("Pii"));
                break;
            case "dlp":
                // Cloud DLP with the local redactor as its fallback (TweetStream:Dlp, docs/gcp-dlp.md).
                pipeline.AddDlpRedaction(root.GetSection("Dlp"));
                break;
            default:
                throw new OptionsValidationException(Section + ":Redaction", typeof(string), [$"Unknown TweetStream:Redaction '{mode}'. Use local, dlp or none."]);
        }
    }
}
