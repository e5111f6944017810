namespace TweetStream.Sources.Common;

/// <summary>
/// A source's resume state on disk: written atomically, at most once per interval, and a write the
/// throttle skipped happens when the interval ends, so a quiet stream does not hold back the saved
/// position until its next event.
/// </summary>
/// <remarks>
/// Shares the source's lock: <see cref="MarkDirty"/> is called while holding it, and the snapshot delegate
/// runs under it, so the state written is always consistent.
/// </remarks>
internal sealed class ThrottledStateFile : IDisposable
{
    private readonly string? _path;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly Lock _gate;
    private readonly Func<byte[]> _snapshot;
    private readonly Action<Exception, string> _onWriteFailed;
    private bool _dirty;
    private DateTimeOffset _lastWrite;
    private ITimer? _timer;

    public ThrottledStateFile(string? path, TimeSpan interval, TimeProvider time, Lock gate, Func<byte[]> snapshot, Action<Exception, string> onWriteFailed)
    {
        _path = string.IsNullOrWhiteSpace(path) ? null : path;
        _interval = interval;
        _time = time;
        _gate = gate;
        _snapshot = snapshot;
        _onWriteFailed = onWriteFailed;
    }

    /// <summary>The state changed; call while holding the source's lock.</summary>
    public void MarkDirty() => _dirty = true;

    /// <summary>Writes the state if it changed and the interval allows (or <paramref name="force"/>).</summary>
    public void Flush(bool force)
    {
        if (_path is null)
        {
            return;
        }

        lock (_gate)
        {
            if (!_dirty)
            {
                return;
            }

            var now = _time.GetUtcNow();
            if (!force && now - _lastWrite < _interval)
            {
                _timer ??= _time.CreateTimer(static s => ((ThrottledStateFile)s!).FlushFromTimer(), this, _interval - (now - _lastWrite), Timeout.InfiniteTimeSpan);
                return;
            }

            try
            {
                AtomicFile.Write(_path, _snapshot());
                _dirty = false;
                _lastWrite = now;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _onWriteFailed(e, _path);
            }
        }
    }

    /// <summary>Writes what is pending and stops the timer.</summary>
    public void Dispose()
    {
        Flush(force: true);
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void FlushFromTimer()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
        }

        Flush(force: false);
    }
}
