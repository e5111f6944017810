using System.Globalization;
using TweetStream.Sources.Synthetic;

namespace TweetStream.Benchmarks;

/// <summary>The synthetic-stream switches shared by <c>generate</c> and <c>pipeline</c>.</summary>
internal static class SyntheticArguments
{
    public const string Usage = "[--pii-dense] [--pii-share S] [--pii-mix EMAIL=1,PHONE=1,...]";

    /// <summary>
    /// The share and mix of <c>--pii-dense</c>: nine posts in ten carry PII, every type equally often (the default
    /// draws templates, so phone numbers and postcodes dominate), which is what a busy #london hour looks like to
    /// the redactor.
    /// </summary>
    public const double DenseShare = 0.9;

    /// <summary>Applies <paramref name="name"/> when it is one of the shared switches; returns how many arguments it used (0 when not).</summary>
    public static int TryApply(string name, string? value, SyntheticStreamOptions options)
    {
        switch (name)
        {
            case "--pii-dense":
                options.PiiShare = DenseShare;
                options.PiiMix = SyntheticStreamGenerator.PiiTypes.ToDictionary(t => t, _ => 1.0);
                return 1;
            case "--pii-share" when value is not null:
                options.PiiShare = double.Parse(value, CultureInfo.InvariantCulture);
                return 2;
            case "--pii-mix" when value is not null:
                options.PiiMix = ParseMix(value);
                return 2;
            default:
                return 0;
        }
    }

    /// <summary>A short, file-name-safe description of the PII settings, so differently shaped streams never share a cache file.</summary>
    public static string Describe(SyntheticStreamOptions options)
    {
        var share = options.PiiShare.ToString("0.###", CultureInfo.InvariantCulture);
        if (options.PiiMix is null)
        {
            return "pii" + share;
        }

        var mix = string.Join("-", options.PiiMix.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key.ToLowerInvariant()}{p.Value:0.##}")));
        return "pii" + share + "-" + mix;
    }

    private static Dictionary<string, double> ParseMix(string value)
    {
        var mix = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var type = (eq < 0 ? part : part[..eq]).ToUpperInvariant();
            mix[type] = eq < 0 ? 1.0 : double.Parse(part[(eq + 1)..], CultureInfo.InvariantCulture);
        }

        return mix;
    }
}
