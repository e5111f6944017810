using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Gcp;
using TweetStream.Gcp.Auth;
using TweetStream.Gcp.Dlp;
using TweetStream.Pipeline;
using TweetStream.Transforms.Hashing;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Cloud DLP redaction transform.</summary>
public static class DlpRedactionExtensions
{
    /// <summary>Redacts post text with Cloud DLP, configured from named options only.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddDlpRedaction(this ITweetStreamBuilder builder) => builder.AddDlpRedaction(_ => { });

    /// <summary>
    /// Redacts post text with Cloud DLP <c>content:deidentify</c>, one table request per batch, falling back to local
    /// redaction (or holding the batch) when DLP is out of quota or down.
    /// </summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the project, location, infoTypes and failure policy.</param>
    /// <returns>The builder.</returns>
    /// <remarks>Mentions are hashed with the handle-hashing key (<c>TweetStream:Hashing</c>), which must be configured.</remarks>
    /// <example><code>p.AddHashHandles().AddDlpRedaction(o => { o.ProjectId = "my-project"; o.Location = "europe-west2"; });</code></example>
    public static ITweetStreamBuilder AddDlpRedaction(this ITweetStreamBuilder builder, Action<DlpRedactionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddOptions(builder).Configure(configure);
        return AddTransform(builder);
    }

    /// <summary>Redacts post text with Cloud DLP, options bound from <paramref name="section"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="section">The section, e.g. <c>TweetStream:Dlp</c>.</param>
    /// <returns>The builder.</returns>
    public static ITweetStreamBuilder AddDlpRedaction(this ITweetStreamBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddOptions(builder).Bind(section);
        return AddTransform(builder);
    }

    private static OptionsBuilder<DlpRedactionOptions> AddOptions(ITweetStreamBuilder builder)
    {
        var services = builder.Services;
        HashHandlesExtensions.AddHashingKey(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddHttpClient(DlpClientFactory.HttpClientName);
        services.TryAddKeyedSingleton<IGoogleAccessTokenSource>(
            DlpClientFactory.TokenSourceKey,
            (_, _) => new ApplicationDefaultTokenSource([DlpClientFactory.Scope]));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DlpRedactionOptions>, DlpRedactionOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DlpStartupCheck>());
        var name = builder.Name;
        services.Configure<DlpStartupCheckOptions>(o => o.Pipelines.Add(name));
        return services.AddOptions<DlpRedactionOptions>(name)
            .Validate(
                o => o.InfoTypes is null || o.InfoTypes.All(t => DlpRedactionOptionsValidator.IsInfoTypeName(t)),
                "DLP: InfoTypes must be DLP infoType names such as EMAIL_ADDRESS or UK_NATIONAL_INSURANCE_NUMBER (upper case, digits, underscores).")
            .Validate(
                o => o.InfoTypes is null || o.InfoTypes.Count + (o.UkPostcodes ? 1 : 0) + (o.UkBankAndVehicleDetectors ? DlpInfoTypes.UkBankAndVehicle.Length : 0) <= 100,
                "DLP: at most 100 infoTypes (one transformation each, DLP's per-request limit).")
            .Validate(
                o => !o.UseRegionalEndpoint || !string.Equals(o.Location, "global", StringComparison.Ordinal),
                "DLP: UseRegionalEndpoint needs a region in Location (e.g. europe-west2), not global.")
            .ValidateOnStart();
    }

    private static ITweetStreamBuilder AddTransform(ITweetStreamBuilder builder)
    {
        var name = builder.Name;
        builder.Services.TryAddKeyedSingleton(name, (sp, _) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<DlpRedactionOptions>>().Get(name);
            var time = sp.GetRequiredService<TimeProvider>();
            var client = DlpClientFactory.Create(
                options,
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(DlpClientFactory.HttpClientName),
                sp.GetRequiredKeyedService<IGoogleAccessTokenSource>(DlpClientFactory.TokenSourceKey),
                time);
            return new DlpRedactionTransform(
                client,
                options,
                options.HashMentions ? sp.GetRequiredService<IHashingKeyProvider>().Key : null,
                time,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("TweetStream.Gcp.Dlp"),
                sp.GetService<PipelineMetrics>(),
                name);
        });
        return builder.AddTransform(sp => sp.GetRequiredKeyedService<DlpRedactionTransform>(name));
    }
}
