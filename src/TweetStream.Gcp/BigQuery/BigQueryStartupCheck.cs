using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TweetStream.Gcp.BigQuery;

/// <summary>A BigQuery sink registered in a pipeline, whose table is checked when the host starts.</summary>
internal sealed record BigQueryTableRegistration(string Key);

/// <summary>
/// Provisions and checks every registered BigQuery sink's table when the host starts, so an incompatible existing table
/// stops start-up with a message naming the column instead of failing the first batch.
/// </summary>
internal sealed class BigQueryStartupCheck(IEnumerable<BigQueryTableRegistration> registrations, IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var registration in registrations.DistinctBy(r => r.Key))
        {
            var provisioner = services.GetRequiredKeyedService<BigQueryProvisioner>(registration.Key);
            try
            {
                await provisioner.EnsureAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IncompatibleTableException ex)
            {
                throw new InvalidOperationException(ex.Message, ex);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // An outage at start is not a configuration error: the sink provisions again on its first write.
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
