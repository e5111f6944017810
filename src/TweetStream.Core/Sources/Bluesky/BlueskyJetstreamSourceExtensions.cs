using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Sources.Bluesky;
using TweetStream.Sources.Common;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Bluesky Jetstream source.</summary>
public static class BlueskyJetstreamSourceExtensions
{
    /// <summary>Adds a Bluesky Jetstream source configured only through options of the pipeline's name (e.g. bound elsewhere).</summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddBlueskyJetstreamSource(this ITweetStreamBuilder builder) =>
        builder.AddBlueskyJetstreamSource(static _ => { });

    /// <summary>Adds a Bluesky Jetstream source; combines with other sources added to the pipeline.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the hashtags and, optionally, endpoints.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddBlueskyJetstreamSource(this ITweetStreamBuilder builder, Action<BlueskyJetstreamSourceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder).Configure(configure);
        return AddFactory(builder);
    }

    /// <summary>Adds a Bluesky Jetstream source bound from <paramref name="section"/> (e.g. <c>TweetStream:Bluesky</c>).</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddBlueskyJetstreamSource(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder).Bind(section);
        return AddFactory(builder);
    }

    private static OptionsBuilder<BlueskyJetstreamSourceOptions> AddCore(ITweetStreamBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder.AddComponentOptions<BlueskyJetstreamSourceOptions, BlueskyJetstreamSourceOptionsValidator>()
            .Validate(o => o.Endpoints.All(e => e is { IsAbsoluteUri: true } && (e.Scheme == "wss" || e.Scheme == "ws")),
                "Bluesky Endpoints must be absolute ws(s) URLs such as wss://jetstream1.us-east.bsky.network/subscribe.")
            .Validate(o => o.Hashtags.All(t => !string.IsNullOrWhiteSpace(t?.TrimStart('#'))), "Bluesky Hashtags must not be empty.")
            .Validate(o => o.ReconnectMaxDelay >= o.ReconnectMinDelay, "Bluesky ReconnectMaxDelay must not be shorter than ReconnectMinDelay.");
    }

    private static ITweetStreamBuilder AddFactory(ITweetStreamBuilder builder)
    {
        var name = builder.Name;
        return builder.AddSource(sp =>
        {
            // With a hashing key registered (HashHandles, RedactPii), DIDs in post ids are pseudonymised too.
            var keys = sp.GetService<TweetStream.Transforms.Hashing.IHashingKeyProvider>();
            var hasher = keys is null ? null : new TweetStream.Transforms.Hashing.HandleHasher(keys.Key);
            return new BlueskyJetstreamSource(
                sp.Monitor<BlueskyJetstreamSourceOptions>().Get(name),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("TweetStream.Sources.Bluesky." + name),
                pseudonymizeDid: hasher is null ? null : hasher.Hash);
        });
    }
}
