using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Pipeline;
using TweetStream.Sinks;
using TweetStream.Transforms.Hashing;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the JSON Lines dead-letter sink with explicit settings.</summary>
public static class JsonLinesDeadLetterExtensions
{
    /// <summary>
    /// Writes the pipeline's dead letters to <c>data/deadletters/deadletters-{yyyy-MM-dd}.jsonl</c> with
    /// protected payloads (the default behaviour, made explicit and validated at start-up).
    /// </summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder SetJsonLinesDeadLetters(this ITweetStreamBuilder builder) => builder.SetJsonLinesDeadLetters(_ => { });

    /// <summary>Writes the pipeline's dead letters to daily JSON Lines files.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the folder and payload protection.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// Payloads are encrypted with a key derived from the hashing key when <c>HashHandles</c> is
    /// registered, otherwise with a key generated beside the files.
    /// </remarks>
    public static ITweetStreamBuilder SetJsonLinesDeadLetters(this ITweetStreamBuilder builder, Action<DeadLetterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddOptions(builder).Configure(configure);
        return SetSink(builder);
    }

    /// <summary>Writes the pipeline's dead letters to daily JSON Lines files configured from <paramref name="section"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The configuration section (e.g. <c>TweetStream:DeadLetters</c>).</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder SetJsonLinesDeadLetters(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddOptions(builder).Bind(section);
        return SetSink(builder);
    }

    private static OptionsBuilder<DeadLetterOptions> AddOptions(ITweetStreamBuilder builder)
    {
        return builder.AddComponentOptions<DeadLetterOptions, DeadLetterOptionsValidator>();
    }

    private static ITweetStreamBuilder SetSink(ITweetStreamBuilder builder)
    {
        var name = builder.Name;
        return builder.SetDeadLetterSink(sp => new JsonLinesDeadLetterSink(
            sp.GetRequiredService<IOptionsMonitor<DeadLetterOptions>>().Get(name),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<IHashingKeyProvider>()));
    }
}
