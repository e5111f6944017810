using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Samples;

namespace TweetStream.Worker;

/// <summary>Wires the #london pipeline from configuration; every choice is a configuration key (see README).</summary>
internal static class WorkerPipeline
{
    public const string Section = "TweetStream";

    public static string DataDirectory(IConfiguration configuration) => SampleConfiguration.DataDirectory(configuration);

    public static IServiceCollection AddWorkerPipeline(this IServiceCollection services, IConfiguration configuration, bool once)
    {
        var root = configuration.GetSection(Section);
        var dataDirectory = DataDirectory(configuration);

        services.UseGeneratedHashingKeyBesideData(dataDirectory);

        services.AddTweetStream(pipeline =>
        {
            pipeline.ConfigurePipeline(root.GetSection("Pipeline"));
            AddSource(pipeline, root, once, dataDirectory);
            pipeline.AddHashHandles(root.GetSection("Hashing"));
            AddRedaction(pipeline, root);
            pipeline.AddConfiguredSinks(root, dataDirectory);
        });

        if (once)
        {
            services.StopHostWhenPipelinesComplete();
        }

        return services;
    }

    private static void AddSource(ITweetStreamBuilder pipeline, IConfigurationSection root, bool once, string dataDirectory)
    {
        // "auto": the X stream when a bearer token is configured, otherwise the bundled replay.
        var configured = (root["Source"] ?? "auto").Trim().ToLowerInvariant();
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
                default:
                    throw new OptionsValidationException(Section + ":Source", typeof(string),
                        [$"Unknown source '{kind}' in TweetStream:Source. Use auto, replay, x, mastodon, bluesky or a comma-separated mix."]);
            }
        }
    }

    private static void AddRedaction(ITweetStreamBuilder pipeline, IConfigurationSection root)
    {
        var mode = (root["Redaction"] ?? "local").Trim().ToLowerInvariant();
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
