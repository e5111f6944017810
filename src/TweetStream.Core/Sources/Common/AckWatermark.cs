namespace TweetStream.Sources.Common;

/// <summary>
/// Turns out-of-order acknowledgements into a contiguous watermark: the largest position (a status id, a
/// cursor) such that every item registered before it has been settled.
/// </summary>
/// <remarks>
/// Items are registered in the order the source yields them and get a sequence number as their ack token.
/// Positions are longs where larger is later; 0 means "no position" (tombstones, malformed frames).
/// Thread-safe: registration happens on the reader, settlement on pipeline workers.
/// </remarks>
internal sealed class AckWatermark(long initial = 0)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, Entry> _pending = [];
    private long _next;
    private long _low;
    private long _committed = initial;

    /// <summary>The contiguous watermark.</summary>
    public long Committed
    {
        get
        {
            lock (_gate)
            {
                return _committed;
            }
        }
    }

    /// <summary>Items yielded and not settled yet.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Registers an item the pipeline will settle; returns its ack token.</summary>
    public long Register(long position, string? key = null)
    {
        lock (_gate)
        {
            var seq = _next++;
            _pending[seq] = new Entry(position, key, false);
            return seq;
        }
    }

    /// <summary>
    /// Records a position the source consumed without yielding (a filtered event): it moves the watermark
    /// as soon as everything before it is settled.
    /// </summary>
    public bool Observe(long position)
    {
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                if (position > _committed)
                {
                    _committed = position;
                    _low = _next;
                    return true;
                }

                _low = _next;
                return false;
            }

            var seq = _next++;
            _pending[seq] = new Entry(position, null, true);
            return false;
        }
    }

    /// <summary>Settles an item; returns true when the watermark advanced. <paramref name="settledKeys"/> receives the keys of items that left the window.</summary>
    public bool Settle(long token, List<(long Position, string Key)>? settledKeys = null)
    {
        lock (_gate)
        {
            if (!_pending.TryGetValue(token, out var entry) || entry.Done)
            {
                return false;
            }

            _pending[token] = entry with { Done = true };
            var advanced = false;
            while (_pending.TryGetValue(_low, out var head) && head.Done)
            {
                _pending.Remove(_low);
                _low++;
                if (head.Key is not null)
                {
                    settledKeys?.Add((head.Position, head.Key));
                }

                if (head.Position > _committed)
                {
                    _committed = head.Position;
                    advanced = true;
                }
            }

            return advanced;
        }
    }

    private readonly record struct Entry(long Position, string? Key, bool Done);
}
