using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Gcp;
using TweetStream.Gcp.Auth;
using TweetStream.Gcp.BigQuery;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the BigQuery streaming sink, batch-load sink and query store.</summary>
public static class BigQueryExtensions
{
    private const string LoggerName = "TweetStream.Gcp.BigQuery";

    /// <summary>Streams the pipeline's posts into BigQuery (tabledata.insertAll), configured from named options only.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddBigQueryStreamingSink(this ITweetStreamBuilder builder) => builder.AddBigQueryStreamingSink(_ => { });

    /// <summary>Streams the pipeline's posts into BigQuery (tabledata.insertAll; billed per GB ingested).</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the project, dataset and table.</param>
    /// <returns>The builder.</returns>
    /// <example><code>p.AddBigQueryStreamingSink(o => { o.ProjectId = "my-project"; o.DatasetId = "tweetstream"; });</code></example>
    public static ITweetStreamBuilder AddBigQueryStreamingSink(this ITweetStreamBuilder builder, Action<BigQueryStreamingSinkOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        StreamingOptions(builder).Configure(configure);
        return AddStreamingSink(builder);
    }

    /// <summary>Streams the pipeline's posts into BigQuery, configured from <paramref name="section"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The section, e.g. <c>TweetStream:BigQuery</c>.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddBigQueryStreamingSink(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        StreamingOptions(builder).Bind(section);
        return AddStreamingSink(builder);
    }

    /// <summary>Loads the pipeline's posts into BigQuery with free load jobs, configured from named options only.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddBigQueryLoadSink(this ITweetStreamBuilder builder) => builder.AddBigQueryLoadSink(_ => { });

    /// <summary>
    /// Loads the pipeline's posts into BigQuery with load jobs (free ingestion, the zero-cost profile). A sink call
    /// completes when the job holding its rows is done, about once a minute: raise the pipeline's MaxParallelBatches so
    /// that parallel batches × batch size covers the posts expected per <see cref="BigQueryLoadSinkOptions.MinLoadInterval"/>.
    /// </summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the project, dataset, table and buffer directory.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddBigQueryLoadSink(this ITweetStreamBuilder builder, Action<BigQueryLoadSinkOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        LoadOptions(builder).Configure(configure);
        return AddLoadSink(builder);
    }

    /// <summary>Loads the pipeline's posts into BigQuery with load jobs, configured from <paramref name="section"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The section, e.g. <c>TweetStream:BigQueryLoad</c>.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddBigQueryLoadSink(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        LoadOptions(builder).Bind(section);
        return AddLoadSink(builder);
    }

    /// <summary>Registers the BigQuery table as the host's <see cref="IPostStore"/>, configured from named options only.</summary>
    /// <param name="builder">The pipeline whose name keys the options.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddBigQueryQueryStore(this ITweetStreamBuilder builder) => builder.AddBigQueryQueryStore(_ => { });

    /// <summary>
    /// Registers the BigQuery table as the host's <see cref="IPostStore"/> (date-range queries with parameters and a
    /// partition filter) so the dashboard can read it. The first store registered wins.
    /// </summary>
    /// <param name="builder">The pipeline whose name keys the options.</param>
    /// <param name="configure">Sets the project, dataset and table.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddBigQueryQueryStore(this ITweetStreamBuilder builder, Action<BigQueryQueryStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        StoreOptions(builder).Configure(configure);
        return AddStore(builder);
    }

    /// <summary>Registers the BigQuery table as the host's <see cref="IPostStore"/>, configured from <paramref name="section"/>.</summary>
    /// <param name="builder">The pipeline whose name keys the options.</param>
    /// <param name="section">The section, e.g. <c>TweetStream:BigQuery</c>.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddBigQueryQueryStore(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        StoreOptions(builder).Bind(section);
        return AddStore(builder);
    }

    private static OptionsBuilder<BigQueryStreamingSinkOptions> StreamingOptions(ITweetStreamBuilder builder)
    {
        AddShared(builder.Services);
        return ValidateTable(builder.AddComponentOptions<BigQueryStreamingSinkOptions, BigQueryStreamingSinkOptionsValidator>());
    }

    private static OptionsBuilder<BigQueryLoadSinkOptions> LoadOptions(ITweetStreamBuilder builder)
    {
        AddShared(builder.Services);
        return ValidateTable(builder.AddComponentOptions<BigQueryLoadSinkOptions, BigQueryLoadSinkOptionsValidator>());
    }

    private static OptionsBuilder<BigQueryQueryStoreOptions> StoreOptions(ITweetStreamBuilder builder)
    {
        AddShared(builder.Services);
        return builder.AddComponentOptions<BigQueryQueryStoreOptions, BigQueryQueryStoreOptionsValidator>();
    }

    private static OptionsBuilder<T> ValidateTable<T>(OptionsBuilder<T> options)
        where T : BigQueryTableOptions =>
        options
            .Validate(o => o.ClusteringFieldList().Count <= 4, "ClusteringFields: BigQuery allows at most 4 clustering columns.")
            .Validate(
                o => o.ClusteringFieldList().All(BigQueryPostSchema.Clusterable.Contains),
                "ClusteringFields: each must be a top-level, non-repeated column of the post schema (" + string.Join(", ", BigQueryPostSchema.Clusterable) + ").");

    private static void AddShared(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        // The transport asks for gzip responses; query pages are large and compress well.
        services.AddHttpClient(BigQueryApi.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.GZip });
        services.TryAddKeyedSingleton<IGoogleAccessTokenSource>(
            BigQueryApi.TokenSourceKey,
            (_, _) => new ApplicationDefaultTokenSource([BigQueryApi.Scope]));
        if (!services.Any(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(BigQueryStartupCheck)))
        {
            // Hosted services start in registration order: the table check goes before the pipelines' runner, so an
            // incompatible table stops the host before any batch is written (and dead-lettered).
            var first = services.TakeWhile(d => d.ServiceType != typeof(IHostedService)).Count();
            services.Insert(first, ServiceDescriptor.Singleton<IHostedService, BigQueryStartupCheck>());
        }
    }

    private static BigQueryApi CreateApi(IServiceProvider services, BigQueryClientOptions options) =>
        BigQueryApi.Create(
            options,
            services.GetRequiredService<IHttpClientFactory>().CreateClient(BigQueryApi.HttpClientName),
            services.GetRequiredKeyedService<IGoogleAccessTokenSource>(BigQueryApi.TokenSourceKey),
            services.GetRequiredService<TimeProvider>());

    private static BigQueryQueryRunner CreateRunner(IServiceProvider services, BigQueryApi api) =>
        new(api, services.GetRequiredService<TimeProvider>(), TimeSpan.FromSeconds(10), 1000, null, TimeSpan.FromMinutes(2));

    private static ILogger Logger(IServiceProvider services) => services.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerName);

    private static ITweetStreamBuilder AddStreamingSink(ITweetStreamBuilder builder)
    {
        var name = builder.Name;
        var key = "streaming:" + name;
        builder.Services.AddSingleton(new BigQueryTableRegistration(key));
        builder.Services.TryAddKeyedSingleton(key, (sp, _) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<BigQueryStreamingSinkOptions>>().Get(name);
            return new BigQueryProvisioner(CreateApi(sp, options), options, Logger(sp));
        });
        return builder.AddSink(sp =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<BigQueryStreamingSinkOptions>>().Get(name);
            var api = CreateApi(sp, options);
            return new BigQueryStreamingSink(
                api,
                options,
                sp.GetRequiredKeyedService<BigQueryProvisioner>(key),
                new BigQueryDeleter(api, CreateRunner(sp, api), Logger(sp)),
                Logger(sp));
        },
            o => o.MaxConcurrency = int.MaxValue);
    }

    private static ITweetStreamBuilder AddLoadSink(ITweetStreamBuilder builder)
    {
        var name = builder.Name;
        var key = "load:" + name;
        builder.Services.AddSingleton(new BigQueryTableRegistration(key));
        builder.Services.TryAddKeyedSingleton(key, (sp, _) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<BigQueryLoadSinkOptions>>().Get(name);
            return new BigQueryProvisioner(CreateApi(sp, options), options, Logger(sp));
        });
        return builder.AddSink(sp =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<BigQueryLoadSinkOptions>>().Get(name);
            var api = CreateApi(sp, options);
            return new BigQueryLoadSink(
                api,
                options,
                sp.GetRequiredKeyedService<BigQueryProvisioner>(key),
                new BigQueryDeleter(api, CreateRunner(sp, api), Logger(sp)),
                sp.GetRequiredService<TimeProvider>(),
                Logger(sp));
        },
            o => o.MaxConcurrency = int.MaxValue);
    }

    private static ITweetStreamBuilder AddStore(ITweetStreamBuilder builder)
    {
        var name = builder.Name;
        builder.Services.TryAddSingleton<IPostStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<BigQueryQueryStoreOptions>>().Get(name);
            var api = CreateApi(sp, options);
            return new BigQueryQueryStore(
                api,
                new BigQueryQueryRunner(api, sp.GetRequiredService<TimeProvider>(), options.QueryTimeout, options.MaxResultsPerPage, options.MaximumBytesBilled, options.MaxQueryDuration),
                options.MaxPageSize);
        });
        return builder;
    }
}
