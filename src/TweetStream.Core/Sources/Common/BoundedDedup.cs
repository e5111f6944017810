namespace TweetStream.Sources.Common;

/// <summary>A set of recently seen keys that forgets the oldest beyond its capacity (bounded memory).</summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class BoundedDedup(int capacity)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _set = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _set.Count;
            }
        }
    }

    /// <summary>Adds the key; false when it was already present (a duplicate).</summary>
    public bool TryAdd(string key)
    {
        lock (_gate)
        {
            if (!_set.Add(key))
            {
                return false;
            }

            _order.Enqueue(key);
            while (_order.Count > capacity)
            {
                _set.Remove(_order.Dequeue());
            }

            return true;
        }
    }

    public bool Contains(string key)
    {
        lock (_gate)
        {
            return _set.Contains(key);
        }
    }
}
