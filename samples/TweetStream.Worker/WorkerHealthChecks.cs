using System.Globalization;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TweetStream.Pipeline;

namespace TweetStream.Worker;

/// <summary>Ready while every pipeline is running or finished cleanly and no stage is paused by an outage.</summary>
internal sealed class PipelineHealthCheck(ITweetStreamStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (status.Completion.IsFaulted)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("a pipeline stopped with an error"));
        }

        var paused = status.Statistics.SelectMany(p => p.Value.PausedStages.Select(stage => p.Key + "/" + stage)).ToArray();
        return Task.FromResult(paused.Length > 0
            ? HealthCheckResult.Unhealthy("paused by an outage (items held unacknowledged): " + string.Join(", ", paused))
            : HealthCheckResult.Healthy(status.Completion.IsCompleted ? "pipelines finished" : "pipelines running"));
    }
}

/// <summary>Ready while the store answers a query (the dashboard's reads and the sink's writes use the same store).</summary>
/// <remarks>
/// The answer is reused for a minute: probes come every few seconds, and against BigQuery every query is billed
/// (10 MB minimum), so probing each time would cost more than the dashboard itself.
/// </remarks>
internal sealed class StoreHealthCheck(IPostStore store, TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan ReuseFor = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (HealthCheckResult Result, DateTimeOffset At)? _last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (_last is { } last && now - last.At < ReuseFor)
            {
                return last.Result;
            }

            HealthCheckResult result;
            try
            {
                await store.QueryAsync(new PostQuery(now, now, 1, 1), cancellationToken);
                result = HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                result = HealthCheckResult.Unhealthy("the store did not answer", ex);
            }

            _last = (result, now);
            return result;
        }
        finally
        {
            _gate.Release();
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
