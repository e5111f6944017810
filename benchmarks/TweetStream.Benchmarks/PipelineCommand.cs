using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TweetStream.Benchmarks.Soak;
using TweetStream.Pipeline;
using TweetStream.Sinks;
using TweetStream.Sources.Synthetic;

namespace TweetStream.Benchmarks;

/// <summary>
/// <c>pipeline --count N [--redact] [--telemetry] [--batch-size B] [--parallel P] [--buffer N] [--pii-dense | --pii-share S --pii-mix T=W,...]</c>: the whole in-process path through the
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
        int? batchSize = null, parallel = null, buffer = null;
        var synthetic = new SyntheticStreamOptions { Seed = 42 };
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            var used = SyntheticArguments.TryApply(args[i], value, synthetic);
            if (used > 0)
            {
                i += used - 1;
                continue;
            }

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
                case "--buffer" when value is not null:
                    buffer = int.Parse(value, CultureInfo.InvariantCulture);
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
                    Console.Error.WriteLine("usage: pipeline --count N [--redact] [--telemetry] [--batch-size B] [--parallel P] [--buffer N] " + SyntheticArguments.Usage);
                    return 2;
            }
        }

        synthetic.Count = count;
        var path = EnsureStream(synthetic);
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
                o.BufferCapacity = buffer ?? o.BufferCapacity;
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
        using var process = Process.GetCurrentProcess();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = process.TotalProcessorTime;
        var pauseBefore = GC.GetTotalPauseDuration();
        var contentionBefore = Monitor.LockContentionCount;
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        await runner.RunAsync(CancellationToken.None);
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;

        var stats = runner.Statistics["default"];
        var posts = stats.Written;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run: {stats} in {clock.Elapsed.TotalSeconds:F2} s, {stats.Batches} batches, {sink.Bytes / Math.Max(1, posts)} JSON bytes/post, {deadLetters.Count} dead letters, redact={redact}, telemetry={telemetry} ({spans.Count} spans)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pipeline: {posts} posts, {posts / clock.Elapsed.TotalSeconds:F0} posts/s, {allocated / Math.Max(1, stats.Received)} bytes allocated/post ({(allocated - sink.OwnedBytes) / Math.Max(1, stats.Received)} beyond the post's own strings), peak working set {process.PeakWorkingSet64 / (1024 * 1024)} MB"));
        // CPU per post is the steadier figure on a shared machine: other builds steal wall time, not CPU time.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cpu: {cpu.TotalMicroseconds / Math.Max(1, posts):F2} µs/post ({cpu.TotalSeconds / clock.Elapsed.TotalSeconds:F2} cores busy), GC {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2} (gen0/1/2), GC pause {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds:F0} ms, lock contentions {Monitor.LockContentionCount - contentionBefore}, stream {Path.GetFileName(path)}"));
        return stats.Written + stats.DeadLettered == stats.Received ? 0 : 1;
    }

    private static string EnsureStream(SyntheticStreamOptions options)
    {
        var dir = Path.Combine(Path.GetTempPath(), "tweetstream-bench");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"london-{options.Count}-{SyntheticArguments.Describe(options)}.ndjson"));
        if (!File.Exists(path))
        {
            var temp = path + ".tmp";
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                new SyntheticStreamGenerator(options).Write(file, labels: null);
            }

            File.Move(temp, path, overwrite: true);
        }

        return path;
    }

    /// <summary>Encodes every post as the sinks would, then throws the bytes away.</summary>
    private sealed class EncodingNullSink : ISink
    {
        private long _bytes;
        private long _ownedBytes;

        public string Name => "null";

        /// <summary>Bytes of the strings the written posts hold, for "allocated beyond what a post must own".</summary>
        public long OwnedBytes => Interlocked.Read(ref _ownedBytes);

        public long Bytes => Interlocked.Read(ref _bytes);

        public ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
        {
            // Pooled, as the file sinks do: a fresh quarter-megabyte array per batch would be a large object
            // heap allocation and measure the collector rather than the pipeline.
            using var buffer = new PooledBufferWriter(batch.Count * 512);
            long owned = 0;
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    var post = batch[i];
                    PostJson.Write(writer, post);
                    writer.Flush();
                    writer.Reset();
                    buffer.Write("\n"u8);
                    owned += OwnedStringBytes(post);
                }
            }

            Interlocked.Add(ref _bytes, buffer.WrittenCount);
            Interlocked.Add(ref _ownedBytes, owned);
            return ValueTask.CompletedTask;
        }

        // The heap size of the strings the finished post holds (22 bytes of header and length plus two per char,
        // rounded to 8), shared strings included: what a post must own whatever the runtime does.
        private static long OwnedStringBytes(Post post)
        {
            static long Size(string? s) => s is null ? 0 : ((22 + (2 * s.Length) + 7) / 8) * 8;

            var total = Size(post.Id) + Size(post.Text) + Size(post.Author.Id) + Size(post.Author.Handle) + Size(post.Language) + Size(post.Url);
            foreach (var list in (ReadOnlySpan<IReadOnlyList<string>>)[post.Hashtags, post.MatchedRules, post.PiiTypes])
            {
                // An indexed loop: foreach over the interface would allocate an enumerator per list, and the
                // measurement would count its own garbage (about 100 B a post) against the pipeline.
                for (var i = 0; i < list.Count; i++)
                {
                    total += Size(list[i]);
                }
            }

            return total;
        }
    }
}
