using TweetStream;
using TweetStream.Sources.Common;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Lets one pipeline read from several sources.</summary>
public static class SourceCompositionExtensions
{
    /// <summary>
    /// Adds a source to the pipeline. Unlike <see cref="TweetStreamServiceCollectionExtensions.SetSource(ITweetStreamBuilder, Func{IServiceProvider, ITweetSource})"/>,
    /// sources added this way accumulate: with more than one, the pipeline reads them all, interleaved, and
    /// each item is still acknowledged to the source that produced it. A later <c>SetSource</c> replaces them all.
    /// </summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="factory">Creates the source.</param>
    /// <returns>The builder.</returns>
    /// <example><code>
    /// services.AddTweetStream(p => p.AddMastodonHashtagSource(config.GetSection("Mastodon"))
    ///                               .AddBlueskyJetstreamSource(o => o.Hashtags.Add("london"))
    ///                               .AddHashHandles().AddSink&lt;MySink&gt;());
    /// </code></example>
    public static ITweetStreamBuilder AddSource(this ITweetStreamBuilder builder, Func<IServiceProvider, ITweetSource> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        var name = builder.Name;
        builder.Services.Configure<SourceRegistrations>(name, r => r.Factories.Add(factory));
        return builder.SetSource(sp =>
        {
            var factories = sp.Monitor<SourceRegistrations>().Get(name).Factories;
            return factories.Count == 1 ? factories[0](sp) : new CompositeSource([.. factories.Select(f => f(sp))]);
        });
    }
}

/// <summary>The sources added to one pipeline with <c>AddSource</c>.</summary>
internal sealed class SourceRegistrations
{
    public List<Func<IServiceProvider, ITweetSource>> Factories { get; } = [];
}
