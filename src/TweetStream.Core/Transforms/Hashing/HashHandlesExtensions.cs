using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Pipeline;
using TweetStream.Transforms.Hashing;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the handle-hashing transform.</summary>
public static class HashHandlesExtensions
{
    /// <summary>Hashes author handles with the key from <c>TweetStream:Hashing</c> options.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddHashHandles(this ITweetStreamBuilder builder) => builder.AddHashHandles(_ => { });

    /// <summary>Hashes author handles with a keyed HMAC.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the key.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddHashHandles(this ITweetStreamBuilder builder, Action<HashHandlesOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddHashingKey(builder.Services).Configure(configure);
        return builder.AddTransform(sp => new HashHandles(sp.GetRequiredService<IHashingKeyProvider>()));
    }

    /// <summary>Hashes author handles with the key bound from <paramref name="section"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The configuration section (e.g. <c>TweetStream:Hashing</c>).</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddHashHandles(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddHashingKey(builder.Services).Bind(section);
        return builder.AddTransform(sp => new HashHandles(sp.GetRequiredService<IHashingKeyProvider>()));
    }

    private static bool IsStrongKey(string base64)
    {
        Span<byte> buffer = stackalloc byte[(base64.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(base64.Trim(), buffer, out var written) && written >= 32;
    }

    // The key is host-wide: authors and mentions hash alike in every pipeline.
    internal static OptionsBuilder<HashHandlesOptions> AddHashingKey(IServiceCollection services)
    {
        services.TryAddSingleton<IHashingKeyProvider, HashingKeyProvider>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HashHandlesOptions>, HashHandlesOptionsValidator>());

        // Registered once however many pipelines add hashing, so a missing key is reported once.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HashHandlesOptions>, HashingKeyPresenceValidator>());
        return services.AddOptions<HashHandlesOptions>().ValidateOnStart();
    }

    private sealed class HashingKeyPresenceValidator : IValidateOptions<HashHandlesOptions>
    {
        public ValidateOptionsResult Validate(string? name, HashHandlesOptions options)
        {
            if (string.IsNullOrWhiteSpace(options.Key) && string.IsNullOrWhiteSpace(options.KeyFile) && !options.GenerateKeyFile)
            {
                return ValidateOptionsResult.Fail(
                    "No hashing key: set TweetStream:Hashing:Key (base64 of at least 32 random bytes), TweetStream:Hashing:KeyFile, " +
                    "or GenerateKeyFile = true to have one generated and kept in " + HashHandlesOptions.DefaultKeyFile + ".");
            }

            return string.IsNullOrWhiteSpace(options.Key) || IsStrongKey(options.Key)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail("TweetStream:Hashing:Key must be base64 of at least 32 bytes.");
        }
    }
}
