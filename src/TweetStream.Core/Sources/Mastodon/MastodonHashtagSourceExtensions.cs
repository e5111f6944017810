using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Sources.Common;
using TweetStream.Sources.Mastodon;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Mastodon hashtag source.</summary>
public static class MastodonHashtagSourceExtensions
{
    internal const string HttpClientName = "TweetStream.Mastodon";

    /// <summary>Adds a Mastodon hashtag source configured only through options of the pipeline's name (e.g. bound elsewhere).</summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddMastodonHashtagSource(this ITweetStreamBuilder builder) =>
        builder.AddMastodonHashtagSource(static _ => { });

    /// <summary>Adds a Mastodon hashtag source; combines with other sources added to the pipeline.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets instances, tags and the access token.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddMastodonHashtagSource(this ITweetStreamBuilder builder, Action<MastodonHashtagSourceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder).Configure(configure);
        return AddFactory(builder);
    }

    /// <summary>Adds a Mastodon hashtag source bound from <paramref name="section"/> (e.g. <c>TweetStream:Mastodon</c>).</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddMastodonHashtagSource(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder).Bind(section);
        return AddFactory(builder);
    }

    private static OptionsBuilder<MastodonHashtagSourceOptions> AddCore(ITweetStreamBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MastodonHashtagSourceOptions>, MastodonHashtagSourceOptionsValidator>());

        // The stream stays open for hours: no overall timeout; the source times out stalls itself.
        builder.Services.AddHttpClient(HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        return builder.Services.AddOptions<MastodonHashtagSourceOptions>(builder.Name)
            .Validate(o => o.Instances.All(i => i is { IsAbsoluteUri: true } && (i.Scheme == Uri.UriSchemeHttps || i.Scheme == Uri.UriSchemeHttp)),
                "Mastodon Instances must be absolute http(s) URLs such as https://mastodon.social.")
            .Validate(o => o.Tags.All(t => !string.IsNullOrWhiteSpace(t?.TrimStart('#'))), "Mastodon Tags must not be empty.")
            .Validate(o => o.ReconnectMaxDelay >= o.ReconnectMinDelay, "Mastodon ReconnectMaxDelay must not be shorter than ReconnectMinDelay.")
            .ValidateOnStart();
    }

    private static ITweetStreamBuilder AddFactory(ITweetStreamBuilder builder)
    {
        var name = builder.Name;
        return builder.AddSource(sp => new MastodonHashtagSource(
            sp.Monitor<MastodonHashtagSourceOptions>().Get(name),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("TweetStream.Sources.Mastodon." + name)));
    }
}
