using System.Globalization;
using System.IO.Compression;
using TweetStream.Sources.Synthetic;

namespace TweetStream.Benchmarks;

/// <summary>
/// <c>generate --count N --seed S --out path.ndjson[.gz] [--labels path.labels.jsonl] [--pii-share 0.3] [--pii-mix EMAIL=1,CARD=1] [--pii-dense] [--malformed-share 0.005]</c>:
/// writes a deterministic synthetic #london stream in the X v2 line format, with ground-truth PII labels.
/// </summary>
internal static class GenerateCommand
{
    public static int Run(string[] args)
    {
        var options = new SyntheticStreamOptions();
        string? output = null, labels = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            var used = SyntheticArguments.TryApply(args[i], value, options);
            if (used > 0)
            {
                i += used - 1;
                continue;
            }

            switch (args[i])
            {
                case "--count" when value is not null:
                    options.Count = long.Parse(value, CultureInfo.InvariantCulture);
                    i++;
                    break;
                case "--seed" when value is not null:
                    options.Seed = long.Parse(value, CultureInfo.InvariantCulture);
                    i++;
                    break;
                case "--out" when value is not null:
                    output = value;
                    i++;
                    break;
                case "--labels" when value is not null:
                    labels = value;
                    i++;
                    break;
                case "--malformed-share" when value is not null:
                    options.MalformedShare = double.Parse(value, CultureInfo.InvariantCulture);
                    i++;
                    break;
                default:
                    Console.Error.WriteLine($"generate: unknown or incomplete argument '{args[i]}'");
                    return 2;
            }
        }

        if (output is null)
        {
            Console.Error.WriteLine("usage: generate --count N --seed S --out path.ndjson.gz [--labels path.labels.jsonl] " + SyntheticArguments.Usage + " [--malformed-share 0.005]");
            return 2;
        }

        SyntheticStreamSummary summary;
        using (var file = File.Create(output))
        using (var stream = output.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionLevel.SmallestSize)
            : (Stream)new BufferedStream(file, 1 << 16))
        using (var labelFile = labels is null ? null : new BufferedStream(File.Create(labels), 1 << 16))
        {
            summary = new SyntheticStreamGenerator(options).Write(stream, labelFile);
        }

        Console.WriteLine(
            $"generate: {summary.Posts} posts ({summary.PiiPosts} with PII, {summary.Spans} spans), {summary.Malformed} malformed, " +
            $"{summary.KeepAlives} keep-alives, {summary.Bytes} bytes uncompressed -> {output} ({new FileInfo(output).Length} bytes)");
        return 0;
    }
}
