using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace TweetStream.Gcp.Dlp;

/// <summary>The pipelines whose DLP configuration is checked when the host starts.</summary>
internal sealed class DlpStartupCheckOptions
{
    public HashSet<string> Pipelines { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Sends each pipeline's one-row check request at host start: a rejected configuration stops start-up with DLP's
/// message instead of surfacing as failed batches. Outages do not block start-up (the failure policy covers them).
/// </summary>
internal sealed class DlpStartupCheck(IServiceProvider services, IOptions<DlpStartupCheckOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var name in options.Value.Pipelines)
        {
            var settings = services.GetRequiredService<IOptionsMonitor<DlpRedactionOptions>>().Get(name);
            if (settings.ValidateAtStartup)
            {
                await services.GetRequiredKeyedService<DlpRedactionTransform>(name).EnsureValidatedAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
