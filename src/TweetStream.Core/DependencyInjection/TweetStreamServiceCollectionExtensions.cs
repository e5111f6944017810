using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Pipeline;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers TweetStream pipelines.</summary>
public static class TweetStreamServiceCollectionExtensions
{
    /// <summary>The name of the pipeline registered without an explicit name.</summary>
    public const string DefaultPipelineName = "default";

    /// <summary>Registers the default pipeline and runs it in a hosted service.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Adds the source, transforms and sinks.</param>
    /// <returns>The services, for chaining.</returns>
    /// <example><code>
    /// services.AddTweetStream(p => p.AddReplaySource(o => o.Path = "posts.ndjson.gz").AddHashHandles().AddSink&lt;MySink&gt;());
    /// </code></example>
    public static IServiceCollection AddTweetStream(this IServiceCollection services, Action<ITweetStreamBuilder> configure) =>
        services.AddTweetStream(DefaultPipelineName, configure);

    /// <summary>Registers a named pipeline and runs it in a hosted service.</summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The pipeline's name, unique per host.</param>
    /// <param name="configure">Adds the source, transforms and sinks.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddTweetStream(this IServiceCollection services, string name, Action<ITweetStreamBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddLogging();
        services.TryAddSingleton<PipelineMetrics>();
        services.TryAddSingleton<TweetStreamRunner>();
        services.TryAddSingleton<ITweetStreamStatus>(sp => sp.GetRequiredService<TweetStreamRunner>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TweetStreamHostedService>());
        services.Configure<TweetStreamHostOptions>(o =>
        {
            if (!o.Pipelines.Contains(name))
            {
                o.Pipelines.Add(name);
            }
        });
        services.AddOptions<PipelineOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PipelineOptions>, PipelineOptionsValidator>());

        var builder = new TweetStreamBuilder(services, name);
        configure(builder);
        return services;
    }

    /// <summary>Sets the pipeline's runtime options (batching, buffering, retries, drain deadline).</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder ConfigurePipeline(this ITweetStreamBuilder builder, Action<PipelineOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure(builder.Name, configure);
        return builder;
    }

    /// <summary>Binds the pipeline's runtime options from configuration (e.g. <c>TweetStream:Pipeline</c>).</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The section.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder ConfigurePipeline(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<PipelineOptions>(builder.Name, section);
        return builder;
    }

    /// <summary>Sets the pipeline's source, replacing any set before.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="factory">Creates the source.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder SetSource(this ITweetStreamBuilder builder, Func<IServiceProvider, ITweetSource> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.Configure<PipelineComponents>(builder.Name, c => c.Source = factory);
        return builder;
    }

    /// <summary>Sets the pipeline's source to a type created from the container.</summary>
    /// <typeparam name="TSource">The source type.</typeparam>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder SetSource<TSource>(this ITweetStreamBuilder builder)
        where TSource : class, ITweetSource =>
        builder.SetSource(sp => ActivatorUtilities.CreateInstance<TSource>(sp));

    /// <summary>Appends a transform; transforms run in the order added.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="factory">Creates the transform.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddTransform(this ITweetStreamBuilder builder, Func<IServiceProvider, ITransform> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.Configure<PipelineComponents>(builder.Name, c => c.Transforms.Add(factory));
        return builder;
    }

    /// <summary>Appends a transform of a type created from the container.</summary>
    /// <typeparam name="TTransform">The transform type.</typeparam>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddTransform<TTransform>(this ITweetStreamBuilder builder)
        where TTransform : class, ITransform =>
        builder.AddTransform(sp => ActivatorUtilities.CreateInstance<TTransform>(sp));

    /// <summary>Adds a sink; every item must be committed by every sink before it is acknowledged.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="factory">Creates the sink.</param>
    /// <returns>The builder.</returns>
    /// <remarks>The pipeline calls the sink one batch at a time and disposes it when it stops; see <see cref="SinkRegistrationOptions"/>.</remarks>
    public static ITweetStreamBuilder AddSink(this ITweetStreamBuilder builder, Func<IServiceProvider, ISink> factory) =>
        builder.AddSink(factory, _ => { });

    /// <summary>Adds a sink with its registration options (declared parallelism, disposal).</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="factory">Creates the sink.</param>
    /// <param name="configure">Sets how the pipeline treats the sink.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddSink(this ITweetStreamBuilder builder, Func<IServiceProvider, ISink> factory, Action<SinkRegistrationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SinkRegistrationOptions();
        configure(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrency, 1, "MaxConcurrency");
        builder.Services.Configure<PipelineComponents>(builder.Name, c => c.Sinks.Add(sp => new ManagedSink(factory(sp), options)));
        return builder;
    }

    /// <summary>Adds a sink of a type created from the container: the one line a custom sink needs.</summary>
    /// <typeparam name="TSink">The sink type.</typeparam>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddSink<TSink>(this ITweetStreamBuilder builder)
        where TSink : class, ISink =>
        builder.AddSink<TSink>(_ => { });

    /// <summary>Adds a sink of a type created from the container, with its registration options.</summary>
    /// <typeparam name="TSink">The sink type.</typeparam>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets how the pipeline treats the sink (for example <c>o =&gt; o.MaxConcurrency = 4</c>).</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddSink<TSink>(this ITweetStreamBuilder builder, Action<SinkRegistrationOptions> configure)
        where TSink : class, ISink =>
        builder.AddSink(sp => ActivatorUtilities.CreateInstance<TSink>(sp), configure);

    /// <summary>Sets where dead letters go, replacing the default JSON Lines files.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="factory">Creates the dead-letter sink.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder SetDeadLetterSink(this ITweetStreamBuilder builder, Func<IServiceProvider, IDeadLetterSink> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.Configure<PipelineComponents>(builder.Name, c => c.DeadLetters = factory);
        return builder;
    }

    /// <summary>Stops the host once every pipeline has finished (finite sources); for batch runs.</summary>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection StopHostWhenPipelinesComplete(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.Configure<TweetStreamHostOptions>(o => o.StopHostWhenComplete = true);
        return services;
    }

    /// <summary>Named options of a pipeline component, checked by its source-generated validator at start-up.</summary>
    internal static OptionsBuilder<TOptions> AddComponentOptions<TOptions, TValidator>(this ITweetStreamBuilder builder)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return builder.Services.AddOptions<TOptions>(builder.Name).ValidateOnStart();
    }

    internal static IOptionsMonitor<T> Monitor<T>(this IServiceProvider services) =>
        services.GetRequiredService<IOptionsMonitor<T>>();
}
