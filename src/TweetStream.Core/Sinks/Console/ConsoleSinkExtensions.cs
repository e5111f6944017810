using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Sinks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the console sink.</summary>
public static class ConsoleSinkExtensions
{
    /// <summary>Prints every post to standard output as a short text line.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddConsoleSink(this ITweetStreamBuilder builder) => builder.AddConsoleSink(_ => { });

    /// <summary>Prints every post to standard output.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the format.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddConsoleSink(this ITweetStreamBuilder builder, Action<ConsoleSinkOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<ConsoleSinkOptions>(builder.Name).Configure(configure);
        return AddSink(builder);
    }

    /// <summary>Prints every post to standard output, with options bound from <paramref name="section"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The configuration section (e.g. <c>TweetStream:Console</c>).</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddConsoleSink(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.Services.AddOptions<ConsoleSinkOptions>(builder.Name).Bind(section);
        return AddSink(builder);
    }

    private static ITweetStreamBuilder AddSink(ITweetStreamBuilder builder)
    {
        var name = builder.Name;
        return builder.AddSink(sp => new ConsoleSink(sp.GetRequiredService<IOptionsMonitor<ConsoleSinkOptions>>().Get(name)), o => o.MaxConcurrency = int.MaxValue);
    }
}
