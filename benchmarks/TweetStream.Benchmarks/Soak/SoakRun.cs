using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using TweetStream.Pipeline;
using TweetStream.Sources.Synthetic;
using TweetStream.Transforms.Hashing;
using TweetStream.Transforms.Pii;

namespace TweetStream.Benchmarks.Soak;

/// <summary>What one soak run does; the command fills it from its arguments, a test with short durations.</summary>
internal sealed class SoakSettings
{
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Posts per second the producer publishes.</summary>
    public double Rate { get; set; } = 2000;

    /// <summary>An outage starts every this long (first at this long into the run); zero for none.</summary>
    public TimeSpan OutageEvery { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan OutageFor { get; set; } = TimeSpan.FromSeconds(20);

    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Working-set samples before this are left out of the slope (JIT, pools and the GC finding their size).</summary>
    public TimeSpan WarmUp { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The pipeline's settings; the defaults unless a test needs a shorter retry budget.</summary>
    public PipelineOptions Pipeline { get; set; } = new();

    public SyntheticStreamOptions Synthetic { get; set; } = new() { Seed = 42 };

    /// <summary>Distinct template lines; post <c>n</c> reuses line <c>n % TemplateCount</c> under its own id.</summary>
    public int TemplateCount { get; set; } = 4096;
}

/// <summary>The verdict of a soak run.</summary>
internal sealed record SoakResult(
    TimeSpan Elapsed,
    long Sent,
    long Written,
    long Lost,
    long Duplicates,
    long DeadLettered,
    long Acknowledged,
    long Redelivered,
    int Outages,
    int Recoveries,
    long FailedWrites,
    long Probes,
    long Retries,
    IReadOnlyList<string> PausedAtEnd,
    WorkingSetTrend WorkingSet)
{
    /// <summary>Nothing lost, nothing dead-lettered.</summary>
    public bool Passed => Lost == 0 && DeadLettered == 0;

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"""
        soak: {Elapsed.TotalMinutes:F1} min, sent {Sent}, written {Written} (distinct ids), lost {Lost}, duplicates {Duplicates}, dead-lettered {DeadLettered}
        delivery: acknowledged {Acknowledged}, redelivered {Redelivered}, outages {Outages} (recovered {Recoveries}), failed writes {FailedWrites}, retries {Retries}, probes {Probes}, paused at end {(PausedAtEnd.Count == 0 ? "none" : string.Join(",", PausedAtEnd))}
        working set: slope {WorkingSet.SlopeMegabytesPerMinute():+0.00;-0.00} MB/min over {WorkingSet.Count} samples after warm-up, first {WorkingSet.FirstMegabytes:F0} MB, last {WorkingSet.LastMegabytes:F0} MB, peak {WorkingSet.PeakMegabytes:F0} MB
        verdict: {(Passed ? "PASS" : "FAIL")}
        """);
}

/// <summary>
/// The soak: a fixed-rate durable source → hash handles → redact PII → an encoding sink with scheduled outages, through
/// the real <see cref="TweetPipeline"/>, tracking every post by sequence number.
/// </summary>
internal static class SoakRun
{
    public static async Task<SoakResult> RunAsync(SoakSettings settings, TimeProvider time, TextWriter progress, CancellationToken stopPublishing)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(progress);

        var lines = Templates(settings);
        var start = time.GetUtcNow();
        var source = new SoakSource(lines, settings.Rate, settings.Duration, time, start);
        var ledger = new SoakLedger(SoakSource.PlannedFor(settings.Rate, settings.Duration));
        var sink = new SoakSink(ledger, time, start, settings.OutageEvery, settings.OutageFor);
        var deadLetters = new CountingDeadLetterSink();
        var keys = new FixedKey(new HashingKey("k1", [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 7))]));
        using var meters = new PlainMeterFactory();
        var metrics = new PipelineMetrics(meters);
        var pipeline = new TweetPipeline(
            "soak",
            source,
            [new HashHandles(keys), new RedactPii(new RedactPiiOptions(), keys, metrics, "soak")],
            [sink],
            deadLetters,
            settings.Pipeline,
            time,
            NullLogger.Instance,
            metrics);

        using var stopRegistration = stopPublishing.Register(source.StopPublishing);
        using var samplerStop = new CancellationTokenSource();
        var trend = new WorkingSetTrend(settings.WarmUp);
        var run = pipeline.RunAsync(CancellationToken.None);
        var sampler = SampleAsync(settings, time, start, source, ledger, pipeline, trend, progress, samplerStop.Token);
        PipelineStatistics stats;
        try
        {
            stats = await run.ConfigureAwait(false);
        }
        finally
        {
            await samplerStop.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(false);
        }

        var elapsed = time.GetUtcNow() - start;
        trend.Add(elapsed, WorkingSet());
        var sent = source.Sent;
        return new SoakResult(
            elapsed,
            sent,
            ledger.Distinct,
            ledger.CountMissing(sent),
            ledger.Duplicates,
            Math.Max(stats.DeadLettered, deadLetters.Count),
            source.Acknowledged,
            source.Redelivered,
            sink.Outages,
            sink.Recoveries,
            sink.FailedWrites,
            stats.Probes,
            stats.Retries,
            stats.PausedStages,
            trend);
    }

    private static async Task SampleAsync(
        SoakSettings settings,
        TimeProvider time,
        DateTimeOffset start,
        SoakSource source,
        SoakLedger ledger,
        TweetPipeline pipeline,
        WorkingSetTrend trend,
        TextWriter progress,
        CancellationToken cancellationToken)
    {
        var lastProgress = TimeSpan.Zero;
        var lastWritten = 0L;
        try
        {
            while (true)
            {
                await Task.Delay(settings.SampleInterval, time, cancellationToken).ConfigureAwait(false);
                var elapsed = time.GetUtcNow() - start;
                var workingSet = WorkingSet();
                trend.Add(elapsed, workingSet);
                // Half a sample's slack: the delays drift by milliseconds, which must not skip a progress line.
                if (elapsed - lastProgress < settings.ProgressInterval - (settings.SampleInterval / 2))
                {
                    continue;
                }

                var written = ledger.Distinct;
                var rate = (written - lastWritten) / Math.Max(0.001, (elapsed - lastProgress).TotalSeconds);
                var paused = pipeline.Statistics.PausedStages;
                // Read before sent: both only grow, so the backlog never shows as negative.
                var read = source.Read;
                var sent = source.Sent;
                await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"[{elapsed.TotalSeconds,5:F0} s] sent {sent}, written {written} ({rate:F0}/s), backlog {sent - read}, acked {source.Acknowledged}, probes {pipeline.Statistics.Probes}, paused {(paused.Count == 0 ? "-" : string.Join(",", paused))}, working set {workingSet / (1024 * 1024)} MB, managed heap {GC.GetTotalMemory(false) / (1024 * 1024)} MB")).ConfigureAwait(false);
                lastProgress = elapsed;
                lastWritten = written;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run finished.
        }
    }

    private static long WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private static byte[][] Templates(SoakSettings settings)
    {
        settings.Synthetic.Count = settings.TemplateCount;
        settings.Synthetic.MalformedShare = 0;
        settings.Synthetic.KeepAliveShare = 0;
        using var stream = new MemoryStream();
        new SyntheticStreamGenerator(settings.Synthetic).Write(stream, labels: null);
        var lines = new List<byte[]>(settings.TemplateCount);
        ReadOnlySpan<byte> rest = stream.ToArray();
        while (!rest.IsEmpty)
        {
            var n = rest.IndexOf((byte)'\n');
            var line = (n < 0 ? rest : rest[..n]).TrimEnd("\r"u8);
            rest = n < 0 ? [] : rest[(n + 1)..];
            if (!line.IsEmpty)
            {
                lines.Add(line.ToArray());
            }
        }

        return [.. lines];
    }

    /// <summary>Meters without a host: the pipeline's instruments need a factory, nobody listens here.</summary>
    private sealed class PlainMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            lock (_meters)
            {
                _meters.Add(meter);
            }

            return meter;
        }

        public void Dispose()
        {
            lock (_meters)
            {
                _meters.ForEach(m => m.Dispose());
                _meters.Clear();
            }
        }
    }
}
