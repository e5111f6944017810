using Microsoft.Extensions.Logging;

namespace TweetStream.Pipeline;

/// <summary>
/// The pause of one stage (a sink or a transform) whose transient failures outlasted the retry budget.
/// </summary>
/// <remarks>
/// While open, batches bound for the stage take turns: the holder of the turn waits
/// <see cref="PipelineOptions.CircuitBreakDuration"/> on the pipeline's clock and makes one attempt (the probe); the
/// others wait for the turn. A successful probe closes the circuit and the waiters go on with their normal retry
/// budget. Their items stay unacknowledged all along, so a stop leaves them on the source's durable path.
/// </remarks>
internal sealed class StageCircuit(string stage, string pipeline, PipelineStatistics statistics, ILogger logger, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Lock _gate = new();
    private DateTimeOffset _openedAt;
    private long _probes;
    private volatile bool _open;

    public bool IsOpen => _open;

    public string Stage => stage;

    public void Dispose() => _turn.Dispose();

    /// <summary>Opens the circuit (idempotent); logs once per outage.</summary>
    public void Open(string reason, int heldItems, TimeSpan probeEvery)
    {
        lock (_gate)
        {
            if (_open)
            {
                return;
            }

            _open = true;
            _openedAt = time.GetUtcNow();
            _probes = 0;
            statistics.SetUnavailable(stage, true);
        }

        Log.StagePaused(logger, pipeline, stage, heldItems, probeEvery, reason);
    }

    /// <summary>Closes the circuit after a successful write (no-op when closed).</summary>
    public void Close()
    {
        if (!_open)
        {
            return;
        }

        TimeSpan outage;
        long probes;
        lock (_gate)
        {
            if (!_open)
            {
                return;
            }

            _open = false;
            outage = time.GetUtcNow() - _openedAt;
            probes = _probes;
            statistics.SetUnavailable(stage, false);
        }

        Log.StageResumed(logger, pipeline, stage, outage, probes);
    }

    /// <summary>
    /// Waits for this batch's turn to probe. Returns null when the circuit closed meanwhile (write normally), or a
    /// turn to dispose after the single probe attempt.
    /// </summary>
    public async Task<IDisposable?> WaitForProbeAsync(TimeSpan breakDuration, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        var turn = new Turn(_turn);
        try
        {
            if (!_open)
            {
                turn.Dispose();
                return null;
            }

            await Task.Delay(breakDuration, time, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _probes);
            statistics.AddProbe();
            return turn;
        }
        catch
        {
            turn.Dispose();
            throw;
        }
    }

    private sealed class Turn(SemaphoreSlim turn) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                turn.Release();
            }
        }
    }
}
