using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TweetStream.Pipeline;

/// <summary>What the host's pipelines are doing; for summaries, health checks and tests.</summary>
public interface ITweetStreamStatus
{
    /// <summary>Statistics per pipeline name (present once the pipeline has started).</summary>
    IReadOnlyDictionary<string, PipelineStatistics> Statistics { get; }

    /// <summary>Completes when every pipeline has ended; faults with the first pipeline failure.</summary>
    Task Completion { get; }
}

/// <summary>Builds the registered pipelines and runs them until they end or the host stops.</summary>
internal sealed class TweetStreamRunner(
    IServiceProvider services,
    IOptions<TweetStreamHostOptions> hostOptions,
    IOptionsMonitor<PipelineComponents> components,
    IOptionsMonitor<PipelineOptions> pipelineOptions,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    PipelineMetrics metrics) : ITweetStreamStatus
{
    private readonly Dictionary<string, PipelineStatistics> _statistics = [];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<ISink> _ownedSinks = [];

    public IReadOnlyDictionary<string, PipelineStatistics> Statistics
    {
        get
        {
            lock (_statistics)
            {
                return new Dictionary<string, PipelineStatistics>(_statistics);
            }
        }
    }

    public Task Completion => _completion.Task;

    public TweetPipeline Build(string name)
    {
        var parts = components.Get(name);
        var source = parts.Source?.Invoke(services)
            ?? throw new InvalidOperationException($"Pipeline '{name}' has no source; add one (for example AddReplaySource).");
        var transforms = parts.Transforms.Select(f => f(services)).ToArray();
        var sinks = parts.Sinks.Select(f => f(services)).ToArray();
        lock (_ownedSinks)
        {
            _ownedSinks.AddRange(sinks);
        }

        var deadLetters = parts.DeadLetters?.Invoke(services)
            ?? new Sinks.JsonLinesDeadLetterSink(
                services.GetRequiredService<IOptionsMonitor<DeadLetterOptions>>().Get(name),
                time,
                services.GetService<Transforms.Hashing.IHashingKeyProvider>());
        var options = pipelineOptions.Get(name);
        var logger = loggerFactory.CreateLogger("TweetStream.Pipeline." + name);
        SpillBuffer? spill = null;
        if (source.Delivery == SourceDelivery.Push && !string.IsNullOrEmpty(options.SpillDirectory))
        {
            var secret = Sinks.JsonLinesDeadLetterSink.DeriveKey(services.GetService<Transforms.Hashing.IHashingKeyProvider>(), options.SpillDirectory);
            spill = new SpillBuffer(options.SpillDirectory, options.SpillMaxBytes, options.SpillFsyncInterval, secret, time, logger);
        }

        return new TweetPipeline(name, source, transforms, sinks, deadLetters, options, time, logger, metrics, spill);
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            var pipelines = hostOptions.Value.Pipelines.Select(Build).ToArray();
            lock (_statistics)
            {
                foreach (var p in pipelines)
                {
                    _statistics[p.Name] = p.Statistics;
                }
            }

            try
            {
                await Task.WhenAll(pipelines.Select(p => p.RunAsync(stoppingToken))).ConfigureAwait(false);
            }
            finally
            {
                // The runner created the sinks, so it disposes them once their pipelines flushed them.
                await DisposeSinksAsync().ConfigureAwait(false);
            }

            _completion.TrySetResult();
        }
        catch (Exception ex)
        {
            _completion.TrySetException(ex);
            throw;
        }
    }

    private async Task DisposeSinksAsync()
    {
        ISink[] sinks;
        lock (_ownedSinks)
        {
            sinks = [.. _ownedSinks];
            _ownedSinks.Clear();
        }

        foreach (var sink in sinks)
        {
            if (sink is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}

/// <summary>Runs the pipelines for the lifetime of the host.</summary>
internal sealed class TweetStreamHostedService(
    TweetStreamRunner runner,
    IOptions<TweetStreamHostOptions> options,
    IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await runner.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            if (options.Value.StopHostWhenComplete)
            {
                lifetime.StopApplication();
            }
        }
    }
}
