using System.Text.Json;
using TweetStream.Sinks;

namespace TweetStream.Benchmarks.Soak;

/// <summary>
/// A sink that encodes each post as the file sinks do, records its sequence number in the ledger, and fails the whole
/// write with a transient error during scheduled outages: for <c>outageFor</c> every <c>outageEvery</c>, starting at
/// <c>outageEvery</c> into the run.
/// </summary>
internal sealed class SoakSink(SoakLedger ledger, TimeProvider time, DateTimeOffset start, TimeSpan outageEvery, TimeSpan outageFor) : ISink
{
    private readonly Lock _gate = new();
    private long _lastOutage = -1;
    private int _outages;
    private int _recoveries;
    private long _failedWrites;
    private long _bytes;
    private bool _failing;

    public string Name => "soak";

    /// <summary>Outage windows in which at least one write failed.</summary>
    public int Outages
    {
        get
        {
            lock (_gate)
            {
                return _outages;
            }
        }
    }

    /// <summary>Times a write succeeded after a failed one: an outage the pipeline came back from.</summary>
    public int Recoveries
    {
        get
        {
            lock (_gate)
            {
                return _recoveries;
            }
        }
    }

    public long FailedWrites => Interlocked.Read(ref _failedWrites);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The outage window <paramref name="now"/> falls in, or -1 between outages.</summary>
    public long OutageAt(DateTimeOffset now)
    {
        var elapsed = now - start;
        if (outageEvery <= TimeSpan.Zero || outageFor <= TimeSpan.Zero || elapsed < outageEvery)
        {
            return -1;
        }

        return elapsed.Ticks % outageEvery.Ticks < outageFor.Ticks ? elapsed.Ticks / outageEvery.Ticks : -1;
    }

    public ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        var outage = OutageAt(time.GetUtcNow());
        lock (_gate)
        {
            if (outage >= 0)
            {
                _failing = true;
                if (outage != _lastOutage)
                {
                    _lastOutage = outage;
                    _outages++;
                }
            }
            else if (_failing)
            {
                _failing = false;
                _recoveries++;
            }
        }

        if (outage >= 0)
        {
            Interlocked.Increment(ref _failedWrites);
            throw new TransientException("soak: scheduled sink outage (503)");
        }

        // Pooled, as the file sinks do, so the figure is the pipeline's memory rather than this sink's.
        using var buffer = new PooledBufferWriter(batch.Count * 512);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                PostJson.Write(writer, batch[i]);
                writer.Flush();
                writer.Reset();
                buffer.Write("\n"u8);
            }
        }

        // Committed: only now do the posts count as written, once each.
        for (var i = 0; i < batch.Count; i++)
        {
            ledger.MarkWritten(SoakSource.SequenceOf(batch[i].Id));
        }

        Interlocked.Add(ref _bytes, buffer.WrittenCount);
        return ValueTask.CompletedTask;
    }
}
