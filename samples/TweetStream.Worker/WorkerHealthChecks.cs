using System.Globalization;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TweetStream.Pipeline;

namespace TweetStream.Worker;

/// <summary>Ready while every pipeline is running or finished cleanly.</summary>
internal sealed class PipelineHealthCheck(ITweetStreamStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.Completion.IsFaulted
            ? HealthCheckResult.Unhealthy("a pipeline stopped with an error")
            : HealthCheckResult.Healthy(status.Completion.IsCompleted ? "pipelines finished" : "pipelines running"));
}

/// <summary>Ready while the store answers a query (the dashboard's reads and the sink's writes use the same file).</summary>
internal sealed class StoreHealthCheck(IPostStore store, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var now = time.GetUtcNow();
            await store.QueryAsync(new PostQuery(now, now, 1, 1), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("the store did not answer", ex);
        }
    }
}

/// <summary>Pipeline totals in the Prometheus text format.</summary>
internal static class MetricsEndpoint
{
    public static string Render(ITweetStreamStatus status)
    {
        var text = new StringBuilder();
        Write(text, status, "received", s => s.Received);
        Write(text, status, "written", s => s.Written);
        Write(text, status, "deadlettered", s => s.DeadLettered);
        Write(text, status, "shed", s => s.Shed);
        Write(text, status, "filtered", s => s.Dropped);
        Write(text, status, "retries", s => s.Retries);
        return text.ToString();
    }

    private static void Write(StringBuilder text, ITweetStreamStatus status, string name, Func<PipelineStatistics, long> value)
    {
        text.Append(CultureInfo.InvariantCulture, $"# TYPE tweetstream_items_{name}_total counter\n");
        foreach (var (pipeline, stats) in status.Statistics)
        {
            text.Append(CultureInfo.InvariantCulture, $"tweetstream_items_{name}_total{{pipeline=\"{pipeline}\"}} {value(stats)}\n");
        }
    }
}
