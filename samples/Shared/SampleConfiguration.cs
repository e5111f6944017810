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
                default:
                    throw new OptionsValidationException(Section + ":Sinks", typeof(string),
                        [$"Unknown sink '{sink}' in TweetStream:Sinks. Use sqlite, jsonl, console or pubsub."]);
            }
        }

        return pipeline.SetJsonLinesDeadLetters(o =>
        {
            o.Directory = Path.Combine(dataDirectory, "deadletters");
            root.GetSection("DeadLetters").Bind(o);
        });
    }
}
