namespace TweetStream.Sources.X;

/// <summary>The most recent post ids, bounded: the oldest is forgotten when the capacity is reached.</summary>
/// <remarks>Single-threaded (the reading loop owns it).</remarks>
internal sealed class XRecentIds(int capacity)
{
    private readonly HashSet<string> _set = new(Math.Min(capacity, 4096), StringComparer.Ordinal);
    private readonly Queue<string> _order = new(Math.Min(capacity, 4096));

    public int Count => _set.Count;

    /// <summary>Adds the id; false when it was already seen.</summary>
    public bool Add(string id)
    {
        if (capacity == 0)
        {
            return true;
        }

        if (!_set.Add(id))
        {
            return false;
        }

        _order.Enqueue(id);
        if (_order.Count > capacity)
        {
            _set.Remove(_order.Dequeue());
        }

        return true;
    }
}
