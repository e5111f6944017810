using Microsoft.Extensions.Logging;

namespace TweetStream.Pipeline;

/// <summary>
/// Folds the warnings that repeat under load (dead letters by stage and reason, shed items, sink retries) into one
/// line per reason per interval, with the count, instead of a line per batch or item.
/// </summary>
/// <remarks>
/// A 300k-post run with malformed input otherwise writes a warning per batch; on Cloud Logging that is noise that
/// costs money. Lines are flushed by a timer on the injected clock and once more on <see cref="Stop"/>, so the
/// counts of a short run are not lost. Thread-safe.
/// </remarks>
internal sealed class RepeatedWarnings
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<(Kind Kind, string Where, string Reason), long> _counts = [];
    private readonly ITimer? _timer;
    private DateTimeOffset _since;

    public RepeatedWarnings(ILogger logger, TimeProvider time, TimeSpan interval)
    {
        _logger = logger;
        _time = time;
        _since = time.GetUtcNow();
        if (interval > TimeSpan.Zero)
        {
            _timer = time.CreateTimer(static s => ((RepeatedWarnings)s!).Flush(), this, interval, interval);
        }
    }

    private enum Kind
    {
        DeadLettered,
        Shed,
        SinkRetry,
        TransformRetry,
    }

    public void DeadLettered(int count, string stage, string reason) => Add(Kind.DeadLettered, stage, reason, count);

    public void Shed(string source) => Add(Kind.Shed, source, string.Empty, 1);

    public void SinkRetry(string sink, int count, string reason) => Add(Kind.SinkRetry, sink, reason, count);

    public void TransformRetry(string transform, string reason) => Add(Kind.TransformRetry, transform, reason, 1);

    /// <summary>Writes one line per distinct warning since the last flush and starts counting afresh.</summary>
    public void Flush()
    {
        KeyValuePair<(Kind Kind, string Where, string Reason), long>[] lines;
        TimeSpan period;
        lock (_counts)
        {
            var now = _time.GetUtcNow();
            period = now - _since;
            _since = now;
            if (_counts.Count == 0)
            {
                return;
            }

            lines = [.. _counts];
            _counts.Clear();
        }

        var seconds = Math.Max(0, (long)Math.Round(period.TotalSeconds));
        foreach (var ((kind, where, reason), count) in lines)
        {
            switch (kind)
            {
                case Kind.DeadLettered:
                    Log.DeadLettered(_logger, count, where, reason, seconds);
                    break;
                case Kind.Shed:
                    Log.Shed(_logger, where, count, seconds);
                    break;
                case Kind.SinkRetry:
                    Log.SinkRetry(_logger, where, count, reason, seconds);
                    break;
                case Kind.TransformRetry:
                    Log.TransformRetry(_logger, where, count, reason, seconds);
                    break;
            }
        }
    }

    /// <summary>Stops the timer and writes what was counted since the last flush.</summary>
    public void Stop()
    {
        _timer?.Dispose();
        Flush();
    }

    private void Add(Kind kind, string where, string reason, long count)
    {
        lock (_counts)
        {
            _counts[(kind, where, reason)] = _counts.GetValueOrDefault((kind, where, reason)) + count;
        }
    }
}
