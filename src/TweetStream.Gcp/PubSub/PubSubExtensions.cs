using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Gcp;
using TweetStream.Gcp.Auth;
using TweetStream.Gcp.PubSub;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Pub/Sub sink and pull source.</summary>
public static class PubSubExtensions
{
    /// <summary>Publishes the pipeline's posts to a Pub/Sub topic, configured from named options only.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddPubSubSink(this ITweetStreamBuilder builder) => builder.AddPubSubSink(_ => { });

    /// <summary>Publishes the pipeline's posts to a Pub/Sub topic.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the project and topic.</param>
    /// <returns>The builder.</returns>
    /// <example><code>p.AddPubSubSink(o => { o.ProjectId = "my-project"; o.TopicId = "posts"; });</code></example>
    public static ITweetStreamBuilder AddPubSubSink(this ITweetStreamBuilder builder, Action<PubSubSinkOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        SinkOptions(builder).Configure(configure);
        return AddSink(builder);
    }

    /// <summary>Publishes the pipeline's posts to a Pub/Sub topic configured from <paramref name="section"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The section, e.g. <c>TweetStream:PubSub</c>.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddPubSubSink(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        SinkOptions(builder).Bind(section);
        return AddSink(builder);
    }

    /// <summary>Reads the pipeline's posts from a Pub/Sub subscription, configured from named options only.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddPubSubSource(this ITweetStreamBuilder builder) => builder.AddPubSubSource(_ => { });

    /// <summary>Reads the pipeline's posts from a Pub/Sub subscription (pull), acking what the pipeline settled.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the project and subscription.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddPubSubSource(this ITweetStreamBuilder builder, Action<PubSubSourceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        SourceOptions(builder).Configure(configure);
        return SetSource(builder);
    }

    /// <summary>Reads the pipeline's posts from a Pub/Sub subscription configured from <paramref name="section"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The section, e.g. <c>TweetStream:PubSubSource</c>.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddPubSubSource(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        SourceOptions(builder).Bind(section);
        return SetSource(builder);
    }

    private static OptionsBuilder<PubSubSinkOptions> SinkOptions(ITweetStreamBuilder builder)
    {
        AddShared(builder.Services);
        return builder.AddComponentOptions<PubSubSinkOptions, PubSubSinkOptionsValidator>();
    }

    private static OptionsBuilder<PubSubSourceOptions> SourceOptions(ITweetStreamBuilder builder)
    {
        AddShared(builder.Services);
        return builder.AddComponentOptions<PubSubSourceOptions, PubSubSourceOptionsValidator>()
            .Validate(o => o.AckDeadline - o.AckExtensionWindow >= TimeSpan.FromSeconds(1), "AckExtensionWindow must be at least 1 s shorter than AckDeadline.")
            .Validate(o => !o.CreateIfMissing || !string.IsNullOrEmpty(o.TopicId), "TopicId is required when CreateIfMissing is set.");
    }

    private static void AddShared(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddHttpClient(PubSubClientFactory.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.GZip });
        services.TryAddKeyedSingleton<IGoogleAccessTokenSource>(
            PubSubClientFactory.TokenSourceKey,
            (_, _) => new ApplicationDefaultTokenSource([PubSubClientFactory.Scope]));
    }

    private static PubSubApi CreateApi(IServiceProvider services, PubSubClientOptions options) =>
        PubSubClientFactory.Create(
            options,
            services.GetRequiredService<IHttpClientFactory>().CreateClient(PubSubClientFactory.HttpClientName),
            services.GetRequiredKeyedService<IGoogleAccessTokenSource>(PubSubClientFactory.TokenSourceKey),
            services.GetRequiredService<TimeProvider>());

    private static ITweetStreamBuilder AddSink(ITweetStreamBuilder builder)
    {
        var name = builder.Name;
        return builder.AddSink(sp =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<PubSubSinkOptions>>().Get(name);
            return new PubSubSink(CreateApi(sp, options), options, sp.GetRequiredService<ILoggerFactory>().CreateLogger("TweetStream.Gcp.PubSub"));
        },
            o => o.MaxConcurrency = int.MaxValue);
    }

    private static ITweetStreamBuilder SetSource(ITweetStreamBuilder builder)
    {
        var name = builder.Name;
        return builder.SetSource(sp =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<PubSubSourceOptions>>().Get(name);
            return new PubSubSource(
                CreateApi(sp, options),
                options,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("TweetStream.Gcp.PubSub"));
        });
    }
}
