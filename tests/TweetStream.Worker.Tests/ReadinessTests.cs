using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Pipeline;
using TweetStream.Tests.Support;

namespace TweetStream.Worker.Tests;

public sealed class ReadinessTests
{
    [Fact]
    public async Task Readiness_reports_a_failing_sink_a_backlog_and_a_stalled_source_and_recovers_from_each()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        var source = new InMemorySource();
        var failing = false;
        var sink = new CollectingSink("store")
        {
            OnWrite = (_, _, _) => failing ? throw new InvalidOperationException("503 from the store") : ValueTask.CompletedTask,
        };
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddTweetStream(p => p
            .SetSource(_ => source)
            .AddSink(_ => sink)
            .SetDeadLetterSink(_ => new CollectingDeadLetterSink())
            .ConfigurePipeline(o =>
            {
                o.BatchSize = 10;
                o.MaxAttempts = 1;
                o.OnRetriesExhausted = RetryExhaustedAction.DeadLetter; // "failing" rather than held open (GcpProfileEndToEndTests covers the open circuit)
                o.RetryBaseDelay = TimeSpan.Zero;
                o.RetryMaxDelay = TimeSpan.Zero;
            }));
        using var host = builder.Build();
        var status = host.Services.GetRequiredService<ITweetStreamStatus>();
        var check = new PipelineHealthCheck(status, Options.Create(new ReadinessOptions
        {
            SourceStallAfter = TimeSpan.FromMinutes(10),
            MaxSourceLag = TimeSpan.FromMinutes(15),
        }), time);
        await host.StartAsync();
        var n = 0;

        await Add(10, TimeSpan.Zero);
        await ProgressTests.WaitUntil(() => Stats().Written == 10);
        Assert.Equal(HealthStatus.Healthy, (await Check()).Status);

        // Retries exhausted: the sink is failing until a write commits again.
        failing = true;
        await Add(10, TimeSpan.Zero);
        await ProgressTests.WaitUntil(() => Stats().DeadLettered == 10);
        var result = await Check();
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("pipeline default: sink store failing", result.Description, StringComparison.Ordinal);

        // Items read 20 minutes after their receipt: the subscription is behind.
        failing = false;
        await Add(10, TimeSpan.FromMinutes(20));
        await ProgressTests.WaitUntil(() => Stats().Written == 20);
        result = await Check();
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("pipeline default: backlog, items arrive 20 min after receipt (threshold 15 min)", result.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("failing", result.Description, StringComparison.Ordinal);

        await Add(10, TimeSpan.Zero);
        await ProgressTests.WaitUntil(() => Stats().Written == 30);
        Assert.Equal(HealthStatus.Healthy, (await Check()).Status);

        // Nothing read for longer than the stall threshold.
        time.Advance(TimeSpan.FromMinutes(11));
        result = await Check();
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("pipeline default: source stalled, nothing read for 11 min", result.Description, StringComparison.Ordinal);

        source.Complete();
        await status.Completion.WithinSafetyNet("the run to complete");
        Assert.Equal(HealthStatus.Healthy, (await Check()).Status); // a finished run is not stalled
        await host.StopAsync();

        PipelineStatistics Stats() => status.Statistics.TryGetValue("default", out var s) ? s : new PipelineStatistics();

        Task<HealthCheckResult> Check() => check.CheckHealthAsync(new HealthCheckContext());

        Task Add(int count, TimeSpan age)
        {
            for (var i = 0; i < count; i++, n++)
            {
                source.Add(Posts.Make(n) with { ReceivedAt = time.GetUtcNow() - age }, n);
            }

            return Task.CompletedTask;
        }
    }
}
