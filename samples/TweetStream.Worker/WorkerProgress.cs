using System.Buffers.Binary;
using System.Globalization;
using TweetStream.Pipeline;

namespace TweetStream.Worker;

/// <summary>
/// Progress of a <c>--once</c> run on stderr every <see cref="Interval"/>: posts read, written and dead-lettered, the
/// rate, and, when the input's size is known (a replay file), the percentage done and an ETA; a closing line at the end.
/// </summary>
/// <remarks>
/// Stderr, so stdout keeps only the summary scripts parse. Runs on the injected clock, so tests drive the interval.
/// </remarks>
internal sealed class OnceProgress(ITweetStreamStatus status, TimeProvider time, Action<string> write, Func<long?> inputBytes) : BackgroundService
{
    private long _startedAt;
    private long _lastAt;
    private long _lastReceived;
    private PeriodicTimer? _timer;

    /// <summary>Time between lines. Default 5 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _startedAt = _lastAt = time.GetTimestamp();

        // Created here, not in ExecuteAsync (which runs later on the thread pool), so the first tick is due exactly
        // one interval after the start.
        _timer = new PeriodicTimer(Interval, time);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        var (received, _, _, _) = Totals();
        var elapsed = time.GetElapsedTime(_startedAt);
        write(string.Create(CultureInfo.InvariantCulture,
            $"done: {received:N0} posts in {elapsed.TotalSeconds:0.0} s ({Rate(received, elapsed):N0}/s)"));
    }

    /// <summary>The line for now; advances the window the rate is measured over.</summary>
    public string Line()
    {
        var (received, written, deadLettered, bytes) = Totals();
        var now = time.GetTimestamp();
        var window = time.GetElapsedTime(_lastAt, now);
        var rate = Rate(received - _lastReceived, window);
        _lastAt = now;
        _lastReceived = received;

        var line = string.Create(CultureInfo.InvariantCulture,
            $"progress: {received:N0} posts (written {written:N0}, dead-lettered {deadLettered:N0}), {rate:N0}/s");
        if (inputBytes() is > 0 and var total)
        {
            // Items are counted without their line breaks: one byte each brings the count to the file's size.
            var done = Math.Min(1.0, (double)(bytes + received) / total);
            var elapsed = time.GetElapsedTime(_startedAt, now);
            line += string.Create(CultureInfo.InvariantCulture, $", {done * 100:0}%");
            if (done is > 0 and < 1)
            {
                var eta = TimeSpan.FromSeconds(Math.Ceiling(elapsed.TotalSeconds * (1 - done) / done));
                line += string.Create(CultureInfo.InvariantCulture, $", ETA {eta:c}");
            }
        }

        return line;
    }

    public override void Dispose()
    {
        _timer?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var timer = _timer!;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                write(Line());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The run ended; StopAsync writes the closing line.
        }
    }

    private static double Rate(long count, TimeSpan elapsed) => elapsed > TimeSpan.Zero ? count / elapsed.TotalSeconds : 0;

    private (long Received, long Written, long DeadLettered, long Bytes) Totals()
    {
        long received = 0, written = 0, deadLettered = 0, bytes = 0;
        foreach (var s in status.Statistics.Values)
        {
            received += s.Received;
            written += s.Written;
            deadLettered += s.DeadLettered;
            bytes += s.ReceivedBytes;
        }

        return (received, written, deadLettered, bytes);
    }
}

/// <summary>The decoded size of a replay file, for progress percentages.</summary>
internal static class ReplayInputSize
{
    /// <summary>
    /// The file's length, or for gzip the uncompressed length its trailer records (ISIZE, modulo 4 GiB: trusted only
    /// while it is not smaller than the compressed file). Null when unknown.
    /// </summary>
    public static long? Of(string? path)
    {
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            return null;
        }

        using var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[2];
        if (file.Read(head) < 2 || head[0] != 0x1F || head[1] != 0x8B)
        {
            return file.Length;
        }

        if (file.Length < 18)
        {
            return null;
        }

        Span<byte> trailer = stackalloc byte[4];
        file.Seek(-4, SeekOrigin.End);
        file.ReadExactly(trailer);
        long size = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        return size >= file.Length ? size : null;
    }
}
