using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using TweetStream.Transforms.Pii;

namespace TweetStream.Benchmarks;

/// <summary>
/// <c>pii-eval [--stream file.ndjson[.gz]] [--labels file.jsonl] [--hard-cases file.jsonl]... [--verbose]</c>:
/// scores the local recognisers against labeled spans and prints precision, recall and F1 per type, per corpus and
/// over all of them. <c>--hard-cases</c> may be repeated; without it every <c>Data/pii-*.jsonl</c> is scored, so a
/// corpus dropped into that folder (a held-out set written by someone else) is counted without a code change.
/// </summary>
internal static class PiiEvalCommand
{
    private const string Rule =
        "rule: a prediction is a true positive when a labeled span of the same type overlaps it (>= 1 UTF-16 unit); " +
        "a label is recalled when a prediction of its type overlaps it; predictions of a type a corpus never labels are not scored for that corpus.";

    public static int Run(string[] args)
    {
        var root = FindRoot();
        string? stream = Option(args, "--stream");
        string? labels = Option(args, "--labels");
        var hardCases = Options(args, "--hard-cases");
        if (hardCases.Count == 0)
        {
            hardCases = [.. Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Data"), "pii-*.jsonl").Order(StringComparer.Ordinal)];
        }

        var verbose = args.Contains("--verbose");
        if (stream is null && labels is null && root is not null)
        {
            var s = Path.Combine(root, "samples", "data", "london.ndjson.gz");
            var l = Path.Combine(root, "samples", "data", "london.labels.jsonl");
            if (File.Exists(s) && File.Exists(l))
            {
                (stream, labels) = (s, l);
            }
        }

        var redactor = new PiiRedactor(new RedactPiiOptions());
        Console.WriteLine("pii-eval: " + Rule);
        var total = new Score();

        foreach (var file in hardCases)
        {
            total.Add(Evaluate("hard-cases " + Path.GetFileName(file), ReadHardCases(file), redactor, verbose));
        }

        if (stream is not null && labels is not null)
        {
            var corpus = ReadLabeledStream(stream, labels);
            total.Add(Evaluate("generator " + Path.GetFileName(stream), corpus, redactor, verbose));
        }
        else
        {
            Console.WriteLine("generator corpus: none (pass --stream and --labels, or add samples/data/london.ndjson.gz and london.labels.jsonl)");
        }

        Console.WriteLine();
        Console.WriteLine("all corpora, per type:");
        PrintTable(total);
        var overall = total.Overall();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pii: precision {overall.Precision:F3} recall {overall.Recall:F3} f1 {overall.F1:F3} over {overall.Labels} labeled spans"));
        return 0;
    }

    private static Score Evaluate(string name, List<LabeledText> corpus, PiiRedactor redactor, bool verbose)
    {
        var vocabulary = corpus.SelectMany(c => c.Spans).Select(s => s.Type).ToHashSet(StringComparer.Ordinal);
        var score = new Score();
        foreach (var item in corpus)
        {
            var predicted = redactor.Find(item.Text).Where(p => vocabulary.Contains(p.Type)).ToList();
            foreach (var p in predicted)
            {
                var hit = item.Spans.Any(l => l.Type == p.Type && l.Start < p.End && p.Start < l.End);
                score.Of(p.Type).Predicted++;
                if (hit)
                {
                    score.Of(p.Type).TruePositives++;
                }
                else if (verbose)
                {
                    Console.WriteLine($"  FP {p.Type} '{item.Text[p.Start..p.End]}' in: {item.Text}");
                }
            }

            foreach (var l in item.Spans)
            {
                score.Of(l.Type).Labels++;
                if (predicted.Any(p => l.Type == p.Type && l.Start < p.End && p.Start < l.End))
                {
                    score.Of(l.Type).Recalled++;
                }
                else if (verbose)
                {
                    Console.WriteLine($"  FN {l.Type} '{item.Text[l.Start..l.End]}' in: {item.Text}");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"corpus {name}: {corpus.Count} texts, {corpus.Count(c => c.Spans.Count == 0)} without PII, {corpus.Sum(c => c.Spans.Count)} labeled spans");
        PrintTable(score);
        return score;
    }

    private static void PrintTable(Score score)
    {
        Console.WriteLine($"{"type",-16}{"labels",8}{"predicted",11}{"tp",6}{"fp",6}{"fn",6}{"precision",11}{"recall",9}{"f1",8}");
        foreach (var (type, c) in score.Types.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            Print(type, c);
        }

        Print("overall", score.Overall());
    }

    private static void Print(string type, Counts c) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{type,-16}{c.Labels,8}{c.Predicted,11}{c.TruePositives,6}{c.Predicted - c.TruePositives,6}{c.Labels - c.Recalled,6}{c.Precision,11:F3}{c.Recall,9:F3}{c.F1,8:F3}"));

    private static List<LabeledText> ReadHardCases(string path)
    {
        var list = new List<LabeledText>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            list.Add(new LabeledText(doc.RootElement.GetProperty("text").GetString()!, ReadSpans(doc.RootElement)));
        }

        return list;
    }

    private static List<LabeledText> ReadLabeledStream(string streamPath, string labelsPath)
    {
        var labels = new Dictionary<string, List<Span>>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(labelsPath))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            labels[doc.RootElement.GetProperty("id").GetString()!] = ReadSpans(doc.RootElement);
        }

        var list = new List<LabeledText>();
        using var file = File.OpenRead(streamPath);
        using Stream input = streamPath.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(input);
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                if (!doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
                    || !data.TryGetProperty("id", out var id) || !data.TryGetProperty("text", out var text))
                {
                    continue;
                }

                if (labels.TryGetValue(id.GetString()!, out var spans))
                {
                    list.Add(new LabeledText(text.GetString()!, spans));
                }
            }
            catch (JsonException)
            {
                // Malformed lines are part of a realistic stream; they carry no labels.
            }
        }

        return list;
    }

    private static List<Span> ReadSpans(JsonElement root)
    {
        var spans = new List<Span>();
        if (root.TryGetProperty("spans", out var array))
        {
            foreach (var s in array.EnumerateArray())
            {
                spans.Add(new Span(s.GetProperty("type").GetString()!, s.GetProperty("start").GetInt32(), s.GetProperty("end").GetInt32()));
            }
        }

        return spans;
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static List<string> Options(string[] args, string name)
    {
        var values = new List<string>();
        for (var i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] == name)
            {
                values.Add(args[++i]);
            }
        }

        return values;
    }

    private static string? FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            var dir = new DirectoryInfo(start);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TweetStream.sln")))
            {
                dir = dir.Parent;
            }

            if (dir is not null)
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private sealed record Span(string Type, int Start, int End);

    private sealed record LabeledText(string Text, List<Span> Spans);

    private sealed class Counts
    {
        public int Labels;
        public int Recalled;
        public int Predicted;
        public int TruePositives;

        public double Precision => Predicted == 0 ? 1 : (double)TruePositives / Predicted;

        public double Recall => Labels == 0 ? 1 : (double)Recalled / Labels;

        public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);
    }

    private sealed class Score
    {
        public Dictionary<string, Counts> Types { get; } = new(StringComparer.Ordinal);

        public Counts Of(string type) => Types.TryGetValue(type, out var c) ? c : Types[type] = new Counts();

        public void Add(Score other)
        {
            foreach (var (type, c) in other.Types)
            {
                var mine = Of(type);
                mine.Labels += c.Labels;
                mine.Recalled += c.Recalled;
                mine.Predicted += c.Predicted;
                mine.TruePositives += c.TruePositives;
            }
        }

        public Counts Overall()
        {
            var all = new Counts();
            foreach (var c in Types.Values)
            {
                all.Labels += c.Labels;
                all.Recalled += c.Recalled;
                all.Predicted += c.Predicted;
                all.TruePositives += c.TruePositives;
            }

            return all;
        }
    }
}
