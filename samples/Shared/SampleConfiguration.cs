using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TweetStream.Samples;

/// <summary>
/// The configuration conventions both sample hosts share: the data directory, the generated hashing key,
/// the sinks chosen by <c>TweetStream:Sinks</c> and the dead-letter files.
/// </summary>
internal static class SampleConfiguration
{
    public const string Section = "TweetStream";

    public static string DataDirectory(IConfiguration configuration) =>
        Path.GetFullPath(configuration.GetSection(Section)["DataDirectory"] is { Length: > 0 } d ? d : "data");

    /// <summary>Without a configured key, keep a generated one beside the data, never in the repository.</summary>
    public static IServiceCollection UseGeneratedHashingKeyBesideData(this IServiceCollection services, string dataDirectory) =>
        services.PostConfigure<HashHandlesOptions>(o =>
        {
            if (string.IsNullOrWhiteSpace(o.Key) && string.IsNullOrWhiteSpace(o.KeyFile))
            {
                o.KeyFile = Path.Combine(dataDirectory, "hashing.key");
            }
        });

    /// <summary>
    /// The store the dashboard reads, from <c>TweetStream:Store</c>: <c>sqlite</c> (default; the file the
    /// <c>sqlite</c> sink writes), <c>bigquery</c> (the BigQuery table, by date range with a partition filter), or
    /// <c>none</c> (no dashboard, e.g. an ingest-only worker).
    /// </summary>
    public static string ConfiguredStore(IConfigurationSection root) => (root["Store"] ?? "sqlite").Trim().ToLowerInvariant();

    /// <summary>Registers the configured store for the dashboard; the SQLite store is registered by its sink.</summary>
    public static void AddConfiguredStore(this ITweetStreamBuilder pipeline, IConfigurationSection root)
    {
        switch (ConfiguredStore(root))
        {
            case "sqlite":
                if (!pipeline.Services.Any(d => d.ServiceType == typeof(IPostStore)))
                {
                    throw new OptionsValidationException(Section + ":Store", typeof(string),
                        ["TweetStream:Store=sqlite reads the file the sqlite sink writes: add sqlite to TweetStream:Sinks, or set TweetStream:Store to bigquery or none."]);
                }

                break;
            case "bigquery":
                pipeline.AddBigQueryQueryStore(root.GetSection("BigQuery"));
                break;
            case "none":
                break;
            default:
                throw new OptionsValidationException(Section + ":Store", typeof(string),
                    [$"Unknown store '{root["Store"]}' in TweetStream:Store. Use sqlite, bigquery or none."]);
        }
    }

    /// <summary>Adds the sinks named in <c>TweetStream:Sinks</c> (default <c>sqlite</c>) and the dead-letter files.</summary>
    public static ITweetStreamBuilder AddConfiguredSinks(this ITweetStreamBuilder pipeline, IConfigurationSection root, string dataDirectory) =>
        pipeline.AddConfiguredSinks(root["Sinks"], root, dataDirectory);

    /// <summary>Adds the named sinks (comma-separated; default <c>sqlite</c>), configured from <paramref name="root"/>, and the dead-letter files.</summary>
    public static ITweetStreamBuilder AddConfiguredSinks(this ITweetStreamBuilder pipeline, string? names, IConfigurationSection root, string dataDirectory)
    {
        var sinks = (names ?? "sqlite").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var sink in sinks)
        {
            switch (sink.ToLowerInvariant())
            {
                case "sqlite":
                    pipeline.AddSqliteStore(o =>
                    {
                        o.Path = Path.Combine(dataDirectory, "tweetstream.db");
                        root.GetSection("Sqlite").Bind(o);
                    });
                    break;
                case "jsonl":
                    pipeline.AddJsonLinesSink(o =>
                    {
                        o.Directory = Path.Combine(dataDirectory, "posts");
                        root.GetSection("JsonLines").Bind(o);
                    });
                    break;
                case "console":
                    pipeline.AddConsoleSink(root.GetSection("Console"));
                    break;
                case "pubsub":
                    pipeline.AddPubSubSink(root.GetSection("PubSub"));
                    break;
                case "bigquery":
                    pipeline.AddBigQueryStreamingSink(root.GetSection("BigQuery"));
                    break;
                case "bigquery-load":
                    // The free-tier profile: load jobs cost nothing, streaming inserts do.
                    pipeline.AddBigQueryLoadSink(o =>
                    {
                        o.BufferDirectory = Path.Combine(dataDirectory, "bigquery-load");
                        root.GetSection("BigQuery").Bind(o);
                    });
                    break;
                default:
                    throw new OptionsValidationException(Section + ":Sinks", typeof(string),
                        [$"Unknown sink '{sink}' in TweetStream:Sinks. Use sqlite, jsonl, console, pubsub, bigquery or bigquery-load."]);
            }
        }

        return pipeline.SetJsonLinesDeadLetters(o =>
        {
            // Named pipelines (the gcp profile) keep their dead letters apart.
            o.Directory = pipeline.Name == TweetStreamServiceCollectionExtensions.DefaultPipelineName
                ? Path.Combine(dataDirectory, "deadletters")
                : Path.Combine(dataDirectory, "deadletters", pipeline.Name);
            root.GetSection("DeadLetters").Bind(o);
        });
    }
}
