using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Pipeline;
using TweetStream.Transforms.Hashing;
using TweetStream.Transforms.Pii;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the local PII redaction transform.</summary>
public static class RedactPiiExtensions
{
    /// <summary>Redacts PII from post text with the default options (every entity type, <c>[TYPE]</c>, mentions hashed).</summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    /// <remarks>Mentions are hashed with the handle-hashing key (<c>TweetStream:Hashing</c>), which must be configured.</remarks>
    public static ITweetStreamBuilder AddRedactPii(this ITweetStreamBuilder builder) => builder.AddRedactPii(_ => { });

    /// <summary>Redacts PII from post text.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddRedactPii(this ITweetStreamBuilder builder, Action<RedactPiiOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddOptions(builder).Configure(configure);
        return AddTransform(builder);
    }

    /// <summary>Redacts PII from post text with options bound from <paramref name="section"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The configuration section (e.g. <c>TweetStream:Redaction</c>).</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddRedactPii(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddOptions(builder).Bind(section);
        return AddTransform(builder);
    }

    private static OptionsBuilder<RedactPiiOptions> AddOptions(ITweetStreamBuilder builder)
    {
        // Mentions share the authors' key: one host-wide key provider, validated at start-up.
        HashHandlesExtensions.AddHashingKey(builder.Services);
        return builder.AddComponentOptions<RedactPiiOptions, RedactPiiOptionsValidator>()
            .Validate(o => o.Entities is null || o.Entities.All(PiiEntities.Known.Contains),
                "RedactPii: Entities holds an unknown type; known types are " + string.Join(", ", PiiEntities.All) + ".")
            .Validate(o => RedactPiiOptionsValidator.IsValidFormat(o.ReplacementFormat),
                "RedactPii: ReplacementFormat must be a composite format with at most the argument {0}, e.g. \"[{0}]\".");
    }

    private static ITweetStreamBuilder AddTransform(ITweetStreamBuilder builder)
    {
        var name = builder.Name;
        return builder.AddTransform(sp => new RedactPii(
            sp.GetRequiredService<IOptionsMonitor<RedactPiiOptions>>().Get(name),
            sp.GetRequiredService<IHashingKeyProvider>(),
            sp.GetService<PipelineMetrics>(),
            name));
    }
}
