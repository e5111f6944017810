using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace TweetStream.Sources.Replay;

/// <summary>
/// Tracks which lines are acknowledged and keeps the resume offset: the highest offset such that every line
/// before it is acknowledged. Optionally persists it (atomically, throttled).
/// </summary>
/// <remarks>
/// <para>Tokens are line end offsets on a position that keeps growing across <see cref="ReplayOptions.Loop"/>
/// passes; <see cref="StartPass"/> records where each pass begins so the persisted value is a file offset.</para>
/// <para>The reader registers lines in file order; acknowledgements arrive from pipeline threads concurrently and
/// out of order. One short lock guards the queue of outstanding lines: O(1) per in-order ack, one set
/// insertion per out-of-order one. A rejected line is never acknowledged, so the offset stays before it and a
/// restart reads it again.</para>
/// </remarks>
internal sealed class ReplayCheckpoint : IAcknowledgementHandler, IDisposable
{
    /// <summary>Persist at most this often while acks flow.</summary>
    internal static readonly TimeSpan PersistInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>...or after this many acks, whichever comes first.</summary>
    internal const int PersistEveryAcks = 5000;

    private readonly Lock _gate = new();
    private readonly Lock _persistGate = new();
    private readonly Queue<long> _outstanding = new();
    private readonly HashSet<long> _ackedAhead = [];
    private readonly List<long> _passBases = [0];
    private readonly string? _path;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer? _flushTimer;

    private long _watermark;
    private long _persisted = -1;
    private long _lastPersistTimestamp;
    private int _acksSincePersist;
    private bool _timerArmed;
    private long _final = -1;
    private bool _disposed;

    public ReplayCheckpoint(string? path, TimeProvider time, ILogger logger)
    {
        _path = path;
        _time = time;
        _logger = logger;
        _lastPersistTimestamp = time.GetTimestamp();
        if (path is not null)
        {
            // One-shot, re-armed when acks leave something unpersisted: nothing runs while idle.
            _flushTimer = time.CreateTimer(static s => ((ReplayCheckpoint)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The position (across passes) below which every line is acknowledged.</summary>
    public long Watermark
    {
        get
        {
            lock (_gate)
            {
                return _watermark;
            }
        }
    }

    /// <summary>The file offset to resume from: what <see cref="Watermark"/> means in its pass.</summary>
    public long ResumeOffset
    {
        get
        {
            lock (_gate)
            {
                return ToFileOffset(_watermark);
            }
        }
    }

    /// <summary>Reads the persisted offset (0 when none or unreadable) and starts tracking there.</summary>
    public long Load()
    {
        long offset = 0;
        if (_path is not null && File.Exists(_path))
        {
            try
            {
                offset = Parse(File.ReadAllBytes(_path));
                Log.Resumed(_logger, offset);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or FormatException)
            {
                // Starting over only duplicates posts, which sinks absorb; refusing to start would stop the demo.
                Log.CheckpointUnreadable(_logger, ex);
                offset = 0;
            }
        }

        lock (_gate)
        {
            // A new read starts afresh: items of an earlier enumeration will never be settled against this one.
            _outstanding.Clear();
            _ackedAhead.Clear();
            _passBases.Clear();
            _passBases.Add(0);
            _final = -1;
            _watermark = offset;
            _persisted = offset;
        }

        return offset;
    }

    /// <summary>A new pass over the file starts at <paramref name="position"/> (file offset 0).</summary>
    public void StartPass(long position)
    {
        lock (_gate)
        {
            _passBases.Add(position);
        }
    }

    /// <summary>A line the pipeline will settle ends at <paramref name="end"/>.</summary>
    public void Register(long end)
    {
        lock (_gate)
        {
            _outstanding.Enqueue(end);
        }
    }

    /// <summary>A line the source consumed itself (a keep-alive) ends at <paramref name="end"/>.</summary>
    public void Consumed(long end)
    {
        lock (_gate)
        {
            if (_outstanding.Count == 0)
            {
                _watermark = end;
            }
            else
            {
                _outstanding.Enqueue(end);
                _ackedAhead.Add(end);
            }
        }
    }

    /// <summary>The reader reached the end (no loop): once everything up to <paramref name="end"/> is acknowledged, persist at once.</summary>
    public void Complete(long end)
    {
        bool done;
        lock (_gate)
        {
            _final = end;
            if (_outstanding.Count == 0)
            {
                _watermark = Math.Max(_watermark, end);
            }

            done = _watermark >= end;
        }

        if (done)
        {
            Persist();
        }
    }

    public ValueTask AcknowledgeAsync(long token, object? state, CancellationToken cancellationToken)
    {
        bool complete;
        lock (_gate)
        {
            if (_outstanding.TryPeek(out var next) && next == token)
            {
                _outstanding.Dequeue();
                _watermark = token;
                while (_outstanding.TryPeek(out next) && _ackedAhead.Remove(next))
                {
                    _outstanding.Dequeue();
                    _watermark = next;
                }
            }
            else
            {
                _ackedAhead.Add(token);
            }

            complete = _final >= 0 && _watermark >= _final;
        }

        if (_path is null)
        {
            return ValueTask.CompletedTask;
        }

        var acks = Interlocked.Increment(ref _acksSincePersist);
        if (complete || acks >= PersistEveryAcks ||
            _time.GetElapsedTime(Interlocked.Read(ref _lastPersistTimestamp)) >= PersistInterval)
        {
            Persist();
        }
        else
        {
            ArmTimer();
        }

        return ValueTask.CompletedTask;
    }

    // A file source cannot redeliver within the run: the offset stays before the line so a restart does.
    public ValueTask RejectAsync(long token, object? state, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Writes the current offset if it moved since the last write. Never throws for I/O.</summary>
    public void Persist()
    {
        if (_path is null)
        {
            return;
        }

        lock (_persistGate)
        {
            var offset = ResumeOffset;
            Interlocked.Exchange(ref _lastPersistTimestamp, _time.GetTimestamp());
            Interlocked.Exchange(ref _acksSincePersist, 0);
            if (offset == Interlocked.Read(ref _persisted))
            {
                return;
            }

            try
            {
                WriteAtomically(_path, offset);
                Interlocked.Exchange(ref _persisted, offset);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.CheckpointWriteFailed(_logger, ex);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _flushTimer?.Dispose();
        Persist();
    }

    internal static long Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("checkpoint is not a JSON object");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("offset"u8))
            {
                reader.Read();
                var offset = reader.GetInt64();
                return offset >= 0 ? offset : throw new FormatException("negative checkpoint offset");
            }

            reader.Skip();
        }

        throw new FormatException("checkpoint has no offset");
    }

    private static void WriteAtomically(string path, long offset)
    {
        var temp = path + ".tmp";
        if (System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteNumber("offset"u8, offset);
                writer.WriteEndObject();
            }

            // The rename must never expose a file whose content is not yet on disk.
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    private long ToFileOffset(long position)
    {
        // The pass a position belongs to is the last one that began strictly before it (a pass's end belongs to it).
        for (var i = _passBases.Count - 1; i > 0; i--)
        {
            if (_passBases[i] < position)
            {
                return position - _passBases[i];
            }
        }

        return position;
    }

    private void ArmTimer()
    {
        lock (_gate)
        {
            if (_timerArmed || _disposed)
            {
                return;
            }

            _timerArmed = true;
        }

        _flushTimer?.Change(PersistInterval, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            _timerArmed = false;
        }

        Persist();
    }
}
