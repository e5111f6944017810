using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TweetStream.Benchmarks.Soak;
using TweetStream.Pipeline;
using TweetStream.Sources.Synthetic;
using TweetStream.Sources.X;
using TweetStream.Transforms.Hashing;
using TweetStream.Transforms.Pii;

namespace TweetStream.Benchmarks;

/// <summary>
/// <c>stages [--posts N] [--rounds R] [--pii-dense | --pii-share S --pii-mix ...]</c>: each stage of the path alone on one
/// thread over the same in-memory posts (parse, hash handles, redact, encode), then the four chained on one thread
/// without the runtime, so the gap to <c>pipeline</c>'s CPU per post is what the runtime costs between the stages.
/// Prints one line per stage: median CPU ns/post of this thread over the rounds (CPU time, not wall time: the machine is
/// shared) and bytes allocated per post.
/// </summary>
/// <remarks>A quick companion to the BenchmarkDotNet classes (which report the same stages with confidence
/// intervals); this one finishes in seconds, so it can run before and after a change in the same sitting.</remarks>
internal static class StagesCommand
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(4);

    public static int Run(string[] args)
    {
        var posts = 20_000;
        var rounds = 5;
        var synthetic = new SyntheticStreamOptions { Seed = 42, MalformedShare = 0, KeepAliveShare = 0 };
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
                case "--posts" when value is not null:
                    posts = int.Parse(value, CultureInfo.InvariantCulture);
                    i++;
                    break;
                case "--rounds" when value is not null:
                    rounds = int.Parse(value, CultureInfo.InvariantCulture);
                    i++;
                    break;
                default:
                    Console.Error.WriteLine($"stages: unknown or incomplete argument '{args[i]}'");
                    Console.Error.WriteLine("usage: stages [--posts N] [--rounds R] " + SyntheticArguments.Usage);
                    return 2;
            }
        }

        synthetic.Count = posts;
        var stream = new MemoryStream();
        new SyntheticStreamGenerator(synthetic).Write(stream, labels: null);
        var lines = SplitLines(stream.ToArray());
        var key = new HashingKey("k1", [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 7))]);
        var hash = new HashHandles(new FixedKey(key));
        var redact = new RedactPii(new RedactPiiOptions(), new FixedKey(key));
        var now = new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });

        var parsed = lines.Select(l => XStreamLineParser.Parse(l, now).Post!).ToArray();
        var hashed = Apply(hash, parsed);
        var redacted = Apply(redact, hashed);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stages: {lines.Length} posts, {lines.Sum(l => (long)l.Length) / lines.Length} B/line, {redacted.Count(p => p.PiiTypes.Count > 0) * 100 / lines.Length}% redacted, median of {rounds} rounds"));
        var stages = new List<(string Name, Action Run)>();
        stages.Add(("parse", () =>
        {
            foreach (var line in lines)
            {
                _ = XStreamLineParser.Parse(line, now);
            }
        }));
        stages.Add(("hash handles", () => ApplyInBatches(hash, parsed)));
        stages.Add(("redact pii", () => ApplyInBatches(redact, hashed)));
        stages.Add(("encode json", () =>
        {
            foreach (var post in redacted)
            {
                buffer.ResetWrittenCount();
                writer.Reset(buffer);
                PostJson.Write(writer, post);
                writer.Flush();
            }
        }));
        stages.Add(("chained, one thread", () =>
        {
            const int batchSize = 500;
            for (var start = 0; start < lines.Length; start += batchSize)
            {
                var items = new List<PipelineItem>(batchSize);
                for (var i = start; i < Math.Min(lines.Length, start + batchSize); i++)
                {
                    items.Add(new PipelineItem(SourceItem.ForPost(XStreamLineParser.Parse(lines[i], now).Post!, lines[i].Length)));
                }

                var batch = new TransformBatch(items);
                Complete(hash.ApplyAsync(batch, CancellationToken.None));
                Complete(redact.ApplyAsync(batch, CancellationToken.None));
                foreach (var item in items)
                {
                    buffer.ResetWrittenCount();
                    writer.Reset(buffer);
                    PostJson.Write(writer, item.Post!);
                    writer.Flush();
                }
            }
        }));

        // Every stage runs until its code is fully optimised before any is measured: measured first, the early stages
        // ran partly in tier-0 code while the later ones did not, and the parts added up to three times the chain.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < WarmUp)
        {
            foreach (var (_, run) in stages)
            {
                run();
            }
        }

        foreach (var (name, run) in stages)
        {
            Report(name, rounds, lines.Length, run);
        }

        return 0;
    }

    // In batches of the pipeline's size, dropped after each: one list over every post kept them all alive through the
    // collections the stage caused, and the stage then measured the collector copying them.
    private static void ApplyInBatches(ITransform transform, Post[] posts)
    {
        const int batchSize = 500;
        for (var start = 0; start < posts.Length; start += batchSize)
        {
            var items = new List<PipelineItem>(batchSize);
            for (var i = start; i < Math.Min(posts.Length, start + batchSize); i++)
            {
                items.Add(new PipelineItem(SourceItem.ForPost(posts[i], 0)));
            }

            Complete(transform.ApplyAsync(new TransformBatch(items), CancellationToken.None));
        }
    }

    private static Post[] Apply(ITransform transform, Post[] posts)
    {
        var items = posts.Select(p => new PipelineItem(SourceItem.ForPost(p, 0))).ToList();
        Complete(transform.ApplyAsync(new TransformBatch(items), CancellationToken.None));
        return [.. items.Select(i => i.Post!)];
    }

    // The local transforms finish synchronously; anything else would make the one-thread figure meaningless.
    private static void Complete(ValueTask pending)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("A local transform went asynchronous.");
        }
    }

    private static void Report(string stage, int rounds, int count, Action run)
    {
        run(); // warm: tiering and caches
        run();
        var ns = new double[rounds];
        long bytes = 0;
        for (var r = 0; r < rounds; r++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var cpu = ThreadCpu.Nanoseconds();
            run();
            ns[r] = (double)(ThreadCpu.Nanoseconds() - cpu) / count;
            bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Array.Sort(ns);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {stage,-20} {ns[rounds / 2],8:F0} ns/post  {bytes / count,6} B/post"));
    }

    private static byte[][] SplitLines(byte[] content)
    {
        var lines = new List<byte[]>();
        var span = content.AsSpan();
        while (!span.IsEmpty)
        {
            var n = span.IndexOf((byte)'\n');
            var line = n < 0 ? span : span[..n];
            span = n < 0 ? [] : span[(n + 1)..];
            line = line.TrimEnd("\r"u8);
            if (!line.IsEmpty)
            {
                lines.Add(line.ToArray());
            }
        }

        return [.. lines];
    }
}
