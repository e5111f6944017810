using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Pipeline;

namespace TweetStream.Testing;

/// <summary>
/// Runs one pipeline, registered exactly as an application registers it, in a minimal host on a
/// <see cref="FakeTimeProvider"/>: batch delays, retry backoff and drain deadlines pass on the fake clock.
/// </summary>
/// <example><code>
/// await using var harness = new PipelineHarness(p => p
///     .SetSource(_ => new InMemorySource(TestPosts.Create("x", 100)))
///     .AddSink&lt;MySink&gt;());
/// var statistics = await harness.RunToCompletionAsync();
/// Assert.Equal(100, statistics.Written);
/// </code></example>
public sealed class PipelineHarness : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly CollectingDeadLetterSink _deadLetters = new();
    private bool _started;

    /// <summary>Registers the pipeline; dead letters are collected in memory unless <paramref name="configure"/> sets a dead-letter sink.</summary>
    /// <param name="configure">Adds the source, transforms and sinks, as in <c>services.AddTweetStream(...)</c>.</param>
    /// <param name="configureServices">Registers anything else the components need.</param>
    public PipelineHarness(Action<ITweetStreamBuilder> configure, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<TimeProvider>(Time);
        configureServices?.Invoke(builder.Services);
        builder.Services.AddTweetStream(p =>
        {
            p.SetDeadLetterSink(_ => _deadLetters);
            configure(p);
        });
        _host = builder.Build();
    }

    /// <summary>The pipeline's clock, starting at 2026-11-26 12:00 UTC.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    /// <summary>How far <see cref="RunToCompletionAsync"/> moves the clock each time it finds the run still going. Default 100 ms.</summary>
    public TimeSpan ClockStep { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A safety net that turns a hanging run into a <see cref="TimeoutException"/>; never decides a verdict otherwise. Default 60 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>Dead letters written by the pipeline (when no other dead-letter sink was set).</summary>
    public IReadOnlyList<DeadLetter> DeadLetters => _deadLetters.Snapshot();

    /// <summary>
    /// Starts the host, moves the fake clock on until the pipeline's (finite) source has ended and every batch
    /// settled, stops the host and returns the pipeline's statistics.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The statistics of the default pipeline.</returns>
    /// <exception cref="TimeoutException">The run did not end within <see cref="Timeout"/>.</exception>
    public async Task<PipelineStatistics> RunToCompletionAsync(CancellationToken cancellationToken = default)
    {
        if (_started)
        {
            throw new InvalidOperationException("A harness runs its pipeline once; create another harness for another run.");
        }

        _started = true;
        using var safety = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        safety.CancelAfter(Timeout);
        var status = _host.Services.GetRequiredService<ITweetStreamStatus>();
        await _host.StartAsync(safety.Token).ConfigureAwait(false);
        try
        {
            while (!status.Completion.IsCompleted)
            {
                if (safety.IsCancellationRequested)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new TimeoutException($"The pipeline did not finish within {Timeout} (safety net); is its source finite?");
                }

                // Whatever waits on the clock (batch delay, retry backoff) may now go on; a real-time tick
                // only paces the loop, the verdict is the run's own outcome.
                Time.Advance(ClockStep);
                await Task.WhenAny(status.Completion, Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System, CancellationToken.None)).ConfigureAwait(false);
            }
        }
        finally
        {
            await _host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await status.Completion.ConfigureAwait(false);
        return status.Statistics[TweetStreamServiceCollectionExtensions.DefaultPipelineName];
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            _host.Dispose();
        }
    }

    private sealed class CollectingDeadLetterSink : IDeadLetterSink
    {
        private readonly Lock _lock = new();
        private readonly List<DeadLetter> _items = [];

        public ValueTask WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                _items.AddRange(deadLetters);
            }

            return ValueTask.CompletedTask;
        }

        public IReadOnlyList<DeadLetter> Snapshot()
        {
            lock (_lock)
            {
                return [.. _items];
            }
        }
    }
}
