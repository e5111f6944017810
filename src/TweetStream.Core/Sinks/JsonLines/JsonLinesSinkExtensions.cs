using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Sinks;
using TweetStream.Sinks.JsonLines;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the JSON Lines sink.</summary>
public static class JsonLinesSinkExtensions
{
    /// <summary>Appends posts to <c>data/posts/posts-{yyyy-MM-dd}.jsonl</c>, one file per UTC day of creation.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddJsonLinesSink(this ITweetStreamBuilder builder) => builder.AddJsonLinesSink(_ => { });

    /// <summary>Appends posts to JSON Lines files, one per UTC day of creation.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the folder and file prefix.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddJsonLinesSink(this ITweetStreamBuilder builder, Action<JsonLinesSinkOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddOptions(builder).Configure(configure);
        return AddSink(builder);
    }

    /// <summary>Appends posts to JSON Lines files, with options bound from <paramref name="section"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The configuration section (e.g. <c>TweetStream:JsonLines</c>).</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddJsonLinesSink(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddOptions(builder).Bind(section);
        return AddSink(builder);
    }

    private static OptionsBuilder<JsonLinesSinkOptions> AddOptions(ITweetStreamBuilder builder)
    {
        return builder.AddComponentOptions<JsonLinesSinkOptions, JsonLinesSinkOptionsValidator>();
    }

    private static ITweetStreamBuilder AddSink(ITweetStreamBuilder builder)
    {
        var name = builder.Name;
        // Appends are serialized per directory inside the sink, so any number of calls may overlap.
        return builder.AddSink(sp => new JsonLinesSink(sp.GetRequiredService<IOptionsMonitor<JsonLinesSinkOptions>>().Get(name)), o => o.MaxConcurrency = int.MaxValue);
    }
}
