using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Sources.Replay;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the replay source.</summary>
public static class ReplaySourceExtensions
{
    /// <summary>Reads posts from an NDJSON replay file configured elsewhere (named options of this pipeline).</summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddReplaySource(this ITweetStreamBuilder builder) => builder.AddReplaySource(_ => { });

    /// <summary>Reads posts from an NDJSON replay file.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the path and the optional checkpoint, pacing and looping.</param>
    /// <returns>The builder.</returns>
    /// <example><code>p.AddReplaySource(o => { o.Path = "samples/data/london.ndjson.gz"; o.Pace = true; o.Loop = true; })</code></example>
    public static ITweetStreamBuilder AddReplaySource(this ITweetStreamBuilder builder, Action<ReplayOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddOptions(builder).Configure(configure);
        return SetSource(builder);
    }

    /// <summary>Reads posts from an NDJSON replay file, with options bound from <paramref name="section"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The configuration section (e.g. <c>TweetStream:Replay</c>).</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddReplaySource(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddOptions(builder).Bind(section);
        return SetSource(builder);
    }

    private static OptionsBuilder<ReplayOptions> AddOptions(ITweetStreamBuilder builder)
    {
        return builder.AddComponentOptions<ReplayOptions, ReplayOptionsValidator>();
    }

    private static ITweetStreamBuilder SetSource(ITweetStreamBuilder builder)
    {
        var name = builder.Name;
        return builder.AddSource(sp => new ReplaySource(
            sp.GetRequiredService<IOptionsMonitor<ReplayOptions>>().Get(name),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<ReplaySource>>()));
    }
}
