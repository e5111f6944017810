using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Sources.X;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the X API v2 filtered-stream source.</summary>
public static class XFilteredStreamExtensions
{
    /// <summary>The configuration section the parameterless overload binds: <c>TweetStream:X</c>.</summary>
    public const string DefaultSection = "TweetStream:X";

    internal const string HttpClientName = "TweetStream.X";

    /// <summary>Reads the pipeline from the X filtered stream, configured from <c>TweetStream:X</c>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddXFilteredStream(this ITweetStreamBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<XFilteredStreamOptions>(builder.Name)
            .Configure<IServiceProvider>((o, sp) =>
            {
                if (sp.GetService<IConfiguration>() is { } configuration)
                {
                    configuration.GetSection(DefaultSection).Bind(o);
                }
            });
        return Register(builder);
    }

    /// <summary>Reads the pipeline from the X filtered stream.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the token, rules and connection settings.</param>
    /// <returns>The builder.</returns>
    /// <example><code>
    /// p.AddXFilteredStream(o =>
    /// {
    ///     o.BearerToken = configuration["X:BearerToken"];
    ///     o.Rules.Add(new XStreamRuleOptions { Value = "#london -is:retweet", Tag = "london" });
    /// });
    /// </code></example>
    public static ITweetStreamBuilder AddXFilteredStream(this ITweetStreamBuilder builder, Action<XFilteredStreamOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(builder.Name, configure);
        return Register(builder);
    }

    /// <summary>Reads the pipeline from the X filtered stream, configured from <paramref name="section"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The configuration section (e.g. <c>TweetStream:X</c>).</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddXFilteredStream(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.Services.Configure<XFilteredStreamOptions>(builder.Name, section);
        return Register(builder);
    }

    private static ITweetStreamBuilder Register(ITweetStreamBuilder builder)
    {
        var services = builder.Services;
        var name = builder.Name;
        services.AddOptions<XFilteredStreamOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<XFilteredStreamOptions>, XFilteredStreamOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<XFilteredStreamOptions>, XFilteredStreamRulesValidator>());

        // The stream lives for hours: no client timeout (the stall watchdog and per-request timeouts bound it).
        services.AddHttpClient(HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);

        return builder.AddSource(sp => new XFilteredStreamSource(
            sp.GetRequiredService<IOptionsMonitor<XFilteredStreamOptions>>().Get(name),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILogger<XFilteredStreamSource>>()));
    }
}
