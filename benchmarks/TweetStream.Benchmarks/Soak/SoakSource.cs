using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using TweetStream.Sources.X;

namespace TweetStream.Benchmarks.Soak;

/// <summary>
/// A durable pull source fed at a fixed rate: a producer publishes post <c>n</c> at <c>start + n / rate</c> into a
/// backlog (a subscription, a log), and the pipeline reads from it as fast as it pulls. When the pipeline holds
/// (a sink outage), reading stops and the backlog grows without the source holding the posts: post <c>n</c> is rebuilt
/// from its sequence number when it is read, so the backlog is two counters, not a queue. Rejected items are
/// redelivered, as a Pub/Sub nack would be.
/// </summary>
internal sealed class SoakSource : ITweetSource, IAcknowledgementHandler
{
    private const string IdPrefix = "soak:";

    private readonly byte[][] _lines;
    private readonly double _rate;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _start;
    private readonly ConcurrentQueue<long> _redeliver = new();
    private long _planned;
    private long _read;
    private long _acknowledged;
    private long _rejected;
    private long _redelivered;

    /// <param name="lines">X filtered-stream lines, each a post; post <c>n</c> is line <c>n % lines.Length</c> with its own id.</param>
    /// <param name="rate">Posts per second the producer publishes.</param>
    /// <param name="duration">How long the producer publishes.</param>
    /// <param name="time">The clock the rate is measured on.</param>
    /// <param name="start">When the producer starts.</param>
    public SoakSource(byte[][] lines, double rate, TimeSpan duration, TimeProvider time, DateTimeOffset start)
    {
        ArgumentOutOfRangeException.ThrowIfZero(lines.Length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        _lines = lines;
        _rate = rate;
        _time = time;
        _start = start;
        _planned = PlannedFor(rate, duration);
    }

    public string Name => "soak";

    public SourceDelivery Delivery => SourceDelivery.Pull;

    /// <summary>Posts published so far (the producer's count, whether or not the pipeline has read them).</summary>
    public long Sent => Math.Min(Interlocked.Read(ref _planned), PublishedBy(_time.GetUtcNow()));

    /// <summary>Posts read by the pipeline for the first time.</summary>
    public long Read => Interlocked.Read(ref _read);

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Redelivered => Interlocked.Read(ref _redelivered);

    /// <summary>Posts the producer will publish in <paramref name="duration"/> at <paramref name="rate"/>.</summary>
    public static long PlannedFor(double rate, TimeSpan duration) => (long)Math.Floor(rate * duration.TotalSeconds);

    /// <summary>The sequence number of a post this source produced, or -1.</summary>
    public static long SequenceOf(string id) =>
        id.StartsWith(IdPrefix, StringComparison.Ordinal) && long.TryParse(id.AsSpan(IdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;

    /// <summary>The producer stops publishing now (Ctrl+C): what it published is still delivered.</summary>
    public void StopPublishing()
    {
        var published = PublishedBy(_time.GetUtcNow());
        long planned;
        do
        {
            planned = Interlocked.Read(ref _planned);
        }
        while (published < planned && Interlocked.CompareExchange(ref _planned, published, planned) != planned);
    }

    public async IAsyncEnumerable<SourceItem> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_redeliver.TryDequeue(out var again))
            {
                Interlocked.Increment(ref _redelivered);
                yield return Item(again);
                continue;
            }

            var next = _read;
            if (next >= Interlocked.Read(ref _planned))
            {
                // Published everything and nothing is waiting for redelivery; what is in flight is the pipeline's to
                // finish (a finite source's end drains, it does not abandon).
                yield break;
            }

            var now = _time.GetUtcNow();
            if (next >= PublishedBy(now))
            {
                // Caught up with the producer: wait for its next post. Later posts arrive in a burst after the wait,
                // so the timer's granularity does not cap the rate.
                var due = _start + TimeSpan.FromSeconds((next + 1) / _rate);
                await Task.Delay(due - now > TimeSpan.Zero ? due - now : TimeSpan.Zero, _time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            Interlocked.Increment(ref _read);
            yield return Item(next);
        }
    }

    ValueTask IAcknowledgementHandler.AcknowledgeAsync(long token, object? state, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _acknowledged);
        return ValueTask.CompletedTask;
    }

    ValueTask IAcknowledgementHandler.RejectAsync(long token, object? state, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _rejected);
        _redeliver.Enqueue(token);
        return ValueTask.CompletedTask;
    }

    private long PublishedBy(DateTimeOffset now) =>
        now <= _start ? 0 : (long)Math.Floor((now - _start).TotalSeconds * _rate);

    private SourceItem Item(long sequence)
    {
        // Parsed on every read, as a real source decodes what it receives: the strings are new each time.
        var line = _lines[sequence % _lines.Length];
        var parsed = XStreamLineParser.Parse(line, _time.GetUtcNow());
        var post = parsed.Post ?? throw new InvalidOperationException("soak: a template line is not a post");
        post = post with { Id = string.Create(CultureInfo.InvariantCulture, $"{IdPrefix}{sequence}") };
        return SourceItem.ForPost(post, line.Length, new Acknowledgement(this, sequence));
    }
}
