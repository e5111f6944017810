using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TweetStream.Pipeline;
using TweetStream.Sources.Synthetic;

namespace TweetStream.Benchmarks;

/// <summary>
/// <c>pipeline --count N [--redact] [--telemetry] [--batch-size B] [--parallel P]</c>: the whole in-process path through the
/// real runtime — replay (parse X v2 lines) → hash handles → [redact PII] → encode each post as JSON into a
/// null sink — and one summary line. <c>--telemetry</c> attaches the OpenTelemetry SDK (metrics aggregated, every
/// span recorded into memory), to measure what listening costs:
/// <c>pipeline: N posts, R posts/s, B bytes allocated/post, peak working set M MB</c>.
/// </summary>
internal static class PipelineCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        long count = 1_000_000;
        var redact = false;
        var telemetry = false;
        int? batchSize = null, parallel = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--count" when value is not null:
                    count = long.Parse(value, CultureInfo.InvariantCulture);
                    i++;
                    break;
                case "--batch-size" when value is not null:
                    batchSize = int.Parse(value, CultureInfo.InvariantCulture);
                    i++;
                    break;
                case "--parallel" when value is not null:
                    parallel = int.Parse(value, CultureInfo.InvariantCulture);
                    i++;
                    break;
                case "--redact":
                    redact = true;
                    break;
                case "--telemetry":
                    telemetry = true;
                    break;
                default:
                    Console.Error.WriteLine($"pipeline: unknown or incomplete argument '{args[i]}'");
                    Console.Error.WriteLine("usage: pipeline --count N [--redact] [--telemetry] [--batch-size B] [--parallel P]");
                    return 2;
            }
        }

        var path = EnsureStream(count);
        var sink = new EncodingNullSink();
        var deadLetters = new CountingDeadLetterSink();
        var services = new ServiceCollection();
        services.AddTweetStream(p =>
        {
            p.AddReplaySource(o => o.Path = path)
                .AddHashHandles(o => o.Key = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray()));
            if (redact)
            {
                p.AddRedactPii();
            }

            p.AddSink(_ => sink).SetDeadLetterSink(_ => deadLetters).ConfigurePipeline(o =>
            {
                o.BatchSize = batchSize ?? o.BatchSize;
                o.MaxParallelBatches = parallel ?? o.MaxParallelBatches;
            });
        });
        var spans = new List<Activity>();
        var metrics = new List<OpenTelemetry.Metrics.Metric>();
        using var tracing = telemetry
            ? OpenTelemetry.Sdk.CreateTracerProviderBuilder().AddSource(TweetStreamTelemetry.ActivitySourceName).AddInMemoryExporter(spans).Build()
            : null;
        services.AddMetrics();
        await using var provider = services.BuildServiceProvider();
        using var metering = telemetry
            ? OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddMeter(TweetStreamTelemetry.MeterName).AddInMemoryExporter(metrics).Build()
            : null;
        var runner = provider.GetRequiredService<TweetStreamRunner>();

        // Warm-up on a separate short run would reuse the source's file; the first second of JIT is
        // part of the figure instead, which at a million posts is noise.
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await runner.RunAsync(CancellationToken.None);
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        using var process = Process.GetCurrentProcess();
        process.Refresh();

        var stats = runner.Statistics["default"];
        var posts = stats.Written;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run: {stats} in {clock.Elapsed.TotalSeconds:F2} s, {stats.Batches} batches, {sink.Bytes / Math.Max(1, posts)} JSON bytes/post, {deadLetters.Count} dead letters, redact={redact}, telemetry={telemetry} ({spans.Count} spans)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pipeline: {posts} posts, {posts / clock.Elapsed.TotalSeconds:F0} posts/s, {allocated / Math.Max(1, stats.Received)} bytes allocated/post, peak working set {process.PeakWorkingSet64 / (1024 * 1024)} MB"));
        return stats.Written + stats.DeadLettered == stats.Received ? 0 : 1;
    }

    private static string EnsureStream(long count)
    {
        var dir = Path.Combine(Path.GetTempPath(), "tweetstream-bench");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"london-{count}.ndjson"));
        if (!File.Exists(path))
        {
            var temp = path + ".tmp";
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                new SyntheticStreamGenerator(new SyntheticStreamOptions { Count = count, Seed = 42 }).Write(file, labels: null);
            }

            File.Move(temp, path, overwrite: true);
        }

        return path;
    }

    /// <summary>Encodes every post as the sinks would, then throws the bytes away.</summary>
    private sealed class EncodingNullSink : ISink
    {
        private long _bytes;

        public string Name => "null";

        public long Bytes => Interlocked.Read(ref _bytes);

        public ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
        {
            var buffer = new ArrayBufferWriter<byte>(batch.Count * 512);
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

            Interlocked.Add(ref _bytes, buffer.WrittenCount);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class CountingDeadLetterSink : IDeadLetterSink
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public ValueTask WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref _count, deadLetters.Count);
            return ValueTask.CompletedTask;
        }
    }
}
