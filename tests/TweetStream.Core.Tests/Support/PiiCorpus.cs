using System.IO.Compression;
using System.Text.Json;
using TweetStream.Transforms.Hashing;

namespace TweetStream.Tests.Support;

/// <summary>A fixed 32-byte hashing key for tests of components that pseudonymise.</summary>
internal sealed class FixedKeyProvider : IHashingKeyProvider
{
    public HashingKey Key { get; } = new("k1", Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
}

public sealed record LabeledSpan(string Type, int Start, int End);

public sealed record LabeledText(string Id, string Text, IReadOnlyList<LabeledSpan> Spans);

/// <summary>Reads the PII corpora: the hand-written hard cases and, where present, the generator's labeled stream.</summary>
public static class PiiCorpus
{
    public static string HardCasesPath => Path.Combine(TestPaths.RepositoryRoot, "benchmarks", "TweetStream.Benchmarks", "Data", "pii-hard-cases.jsonl");

    public static string StreamPath => Path.Combine(TestPaths.RepositoryRoot, "samples", "data", "london.ndjson.gz");

    public static string LabelsPath => Path.Combine(TestPaths.RepositoryRoot, "samples", "data", "london.labels.jsonl");

    public static IReadOnlyList<LabeledText> HardCases()
    {
        var list = new List<LabeledText>();
        var n = 0;
        foreach (var line in File.ReadLines(HardCasesPath))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            list.Add(new LabeledText("hard:" + n++, doc.RootElement.GetProperty("text").GetString()!, Spans(doc.RootElement)));
        }

        return list;
    }

    public static IReadOnlyList<LabeledText> Generator()
    {
        var labels = new Dictionary<string, IReadOnlyList<LabeledSpan>>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(LabelsPath))
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                using var doc = JsonDocument.Parse(line);
                labels[doc.RootElement.GetProperty("id").GetString()!] = Spans(doc.RootElement);
            }
        }

        var list = new List<LabeledText>();
        using var file = File.OpenRead(StreamPath);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        while (reader.ReadLine() is { } line)
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty("id", out var id)
                    && labels.TryGetValue(id.GetString()!, out var spans))
                {
                    list.Add(new LabeledText(id.GetString()!, data.GetProperty("text").GetString()!, spans));
                }
            }
            catch (JsonException)
            {
            }
        }

        return list;
    }

    private static List<LabeledSpan> Spans(JsonElement root) =>
        root.TryGetProperty("spans", out var spans)
            ? spans.EnumerateArray().Select(s => new LabeledSpan(s.GetProperty("type").GetString()!, s.GetProperty("start").GetInt32(), s.GetProperty("end").GetInt32())).ToList()
            : [];
}
