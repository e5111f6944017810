namespace TweetStream.Benchmarks.Soak;

/// <summary>
/// Which sequence numbers reached the sink, one bit each: a ten-minute run at 2,000 posts/s is 150 KB, allocated once,
/// so the tracker cannot be what makes the working set grow (a set of id strings would be, by tens of megabytes).
/// </summary>
internal sealed class SoakLedger
{
    private readonly long[] _bits;
    private long _distinct;
    private long _duplicates;
    private long _outOfRange;

    public SoakLedger(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _bits = new long[(capacity + 63) / 64];
    }

    public long Capacity { get; }

    /// <summary>Sequence numbers written at least once.</summary>
    public long Distinct => Interlocked.Read(ref _distinct);

    /// <summary>Writes of a sequence number that had been written before.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Writes of an id the source never produced (would mean the sink saw a post that is not ours).</summary>
    public long OutOfRange => Interlocked.Read(ref _outOfRange);

    /// <summary>Records a write; thread-safe.</summary>
    public void MarkWritten(long sequence)
    {
        if ((ulong)sequence >= (ulong)Capacity)
        {
            Interlocked.Increment(ref _outOfRange);
            return;
        }

        var mask = 1L << (int)(sequence & 63);
        var before = Interlocked.Or(ref _bits[sequence >> 6], mask);
        Interlocked.Increment(ref (before & mask) == 0 ? ref _distinct : ref _duplicates);
    }

    public bool IsWritten(long sequence) =>
        (ulong)sequence < (ulong)Capacity && (Volatile.Read(ref _bits[sequence >> 6]) & (1L << (int)(sequence & 63))) != 0;

    /// <summary>How many of the first <paramref name="sent"/> sequence numbers were never written.</summary>
    public long CountMissing(long sent)
    {
        var missing = 0L;
        for (var s = 0L; s < Math.Min(sent, Capacity); s++)
        {
            if (!IsWritten(s))
            {
                missing++;
            }
        }

        return missing + Math.Max(0, sent - Capacity);
    }
}
