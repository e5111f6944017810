using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TweetStream.Pipeline;

namespace TweetStream.Worker;

/// <summary>When readiness turns a pipeline's state into "not ready"; bound from <c>TweetStream:Health</c>.</summary>
internal sealed class ReadinessOptions
{
    /// <summary>Not ready when a running pipeline's source produced nothing for this long. Default 15 min; zero turns it off.</summary>
    public TimeSpan SourceStallAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Not ready when items arrive this long after their first receipt (a subscription's backlog: the load pipeline
    /// is behind the ingest). Default 15 min; zero turns it off.
    /// </summary>
    public TimeSpan MaxSourceLag { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Ready while every pipeline is running or finished cleanly, no sink is failing or held open by a circuit breaker,
/// no source has stalled and no subscription backlog exceeds its threshold.
/// </summary>
/// <remarks>
/// Reads <see cref="PipelineStatistics"/> snapshots only (no I/O), so probes every few seconds cost nothing. The
/// description names what is wrong by pipeline, sink and threshold, never by post.
/// </remarks>
internal sealed class PipelineHealthCheck(ITweetStreamStatus status, IOptions<ReadinessOptions> options, TimeProvider time) : IHealthCheck
{
    private readonly DateTimeOffset _createdAt = time.GetUtcNow();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (status.Completion.IsFaulted)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("a pipeline stopped with an error"));
        }

        if (status.Completion.IsCompleted)
        {
            return Task.FromResult(HealthCheckResult.Healthy("pipelines finished"));
        }

        var problems = Problems(status.Statistics, options.Value, time.GetUtcNow(), _createdAt);
        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy("pipelines running")
            : HealthCheckResult.Unhealthy(string.Join("; ", problems)));
    }

    internal static List<string> Problems(IReadOnlyDictionary<string, PipelineStatistics> pipelines, ReadinessOptions options, DateTimeOffset now, DateTimeOffset since)
    {
        var problems = new List<string>();
        foreach (var (name, stats) in pipelines)
        {
            // Transforms held by an outage (a DLP quota, say) hold their items unacknowledged like sinks do.
            foreach (var stage in stats.PausedStages.Where(s => s.StartsWith("transform:", StringComparison.Ordinal)))
            {
                problems.Add($"pipeline {name}: {stage} paused by an outage, items held unacknowledged");
            }

            foreach (var sink in stats.Sinks)
            {
                switch (sink.State)
                {
                    case SinkHealthState.Open:
                        problems.Add(string.Create(CultureInfo.InvariantCulture, $"pipeline {name}: circuit open for sink {sink.Name} since {sink.Since:O}"));
                        break;
                    case SinkHealthState.Failing:
                        problems.Add(string.Create(CultureInfo.InvariantCulture, $"pipeline {name}: sink {sink.Name} failing since {sink.Since:O}"));
                        break;
                }
            }

            var quietSince = stats.LastReceivedAt ?? since;
            if (options.SourceStallAfter > TimeSpan.Zero && now - quietSince > options.SourceStallAfter)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"pipeline {name}: source stalled, nothing read for {(now - quietSince).TotalMinutes:0} min"));
            }

            if (options.MaxSourceLag > TimeSpan.Zero && stats.SourceLag is { } lag && lag > options.MaxSourceLag)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"pipeline {name}: backlog, items arrive {lag.TotalMinutes:0} min after receipt (threshold {options.MaxSourceLag.TotalMinutes:0} min)"));
            }
        }

        return problems;
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
