using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Sinks;
using TweetStream.Sinks.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the embedded SQLite store as a sink and as the host's <see cref="IPostStore"/>.</summary>
public static class SqliteStoreExtensions
{
    /// <summary>Writes posts to <c>data/tweetstream.db</c> and registers it as <see cref="IPostStore"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddSqliteStore(this ITweetStreamBuilder builder) => builder.AddSqliteStore(_ => { });

    /// <summary>Writes posts to a SQLite database and registers it as <see cref="IPostStore"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the path and limits.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// The first pipeline that adds a SQLite store provides the host's <see cref="IPostStore"/> (a singleton)
    /// unless one was registered before; the sink and the reader share one instance per file.
    /// </remarks>
    public static ITweetStreamBuilder AddSqliteStore(this ITweetStreamBuilder builder, Action<SqliteStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddOptions(builder).Configure(configure);
        return AddStore(builder);
    }

    /// <summary>Writes posts to a SQLite database configured from <paramref name="section"/> and registers it as <see cref="IPostStore"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The configuration section (e.g. <c>TweetStream:Sqlite</c>).</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddSqliteStore(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddOptions(builder).Bind(section);
        return AddStore(builder);
    }

    private static OptionsBuilder<SqliteStoreOptions> AddOptions(ITweetStreamBuilder builder)
    {
        return builder.AddComponentOptions<SqliteStoreOptions, SqliteStoreOptionsValidator>();
    }

    private static ITweetStreamBuilder AddStore(ITweetStreamBuilder builder)
    {
        var name = builder.Name;
        var services = builder.Services;
        services.TryAddSingleton<SqliteStoreRegistry>();
        services.TryAddSingleton<IPostStore>(sp => Resolve(sp, name));
        // The store serializes its own writes and is shared with the host's IPostStore: the registry disposes it.
        return builder.AddSink(sp => Resolve(sp, name), o =>
        {
            o.MaxConcurrency = int.MaxValue;
            o.DisposeWithPipeline = false;
        });
    }

    private static SqliteStore Resolve(IServiceProvider services, string name) =>
        services.GetRequiredService<SqliteStoreRegistry>().Get(services.GetRequiredService<IOptionsMonitor<SqliteStoreOptions>>().Get(name));
}
