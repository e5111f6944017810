using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using TweetStream.Samples.Tests.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Samples.Tests;

/// <summary>The README's library program and its naive sink, run as a user runs them.</summary>
public sealed partial class ConsumerProgramTests : IDisposable
{
    private readonly TempDirectory _dir = TestPaths.CreateTempDirectory();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_README_program_with_its_naive_sink_writes_exactly_2500_intact_rows_for_the_bundled_sample_and_exits_in_an_empty_folder()
    {
        var sample = Path.Combine(TestPaths.RepositoryRoot, "samples", "data", "london.ndjson.gz");
        var configuration = typeof(ConsumerProgramTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;
        var program = Path.Combine(TestPaths.RepositoryRoot, "samples", "TweetStream.Samples.Consumer", "bin", configuration, "net10.0", "TweetStream.Samples.Consumer.dll");

        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(
            "dotnet", [program, "--Replay:Path=" + sample], _dir.Path, new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Production" });

        Assert.True(exitCode == 0, $"exit {exitCode}: {stdout} {stderr}");
        var rows = File.ReadAllLines(_dir.Combine("posts.csv"));
        Assert.Equal(2500, rows.Length);
        var malformed = rows.Where(r => !IntactRow().IsMatch(r)).Take(5).ToList();
        Assert.True(malformed.Count == 0, "corrupted rows: " + string.Join(" | ", malformed));
        var ids = rows.Select(r => r[..r.IndexOf(',', StringComparison.Ordinal)]).ToList();
        Assert.Equal(2500, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(SampleIds().Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));

        // The generated key is kept and announced once.
        Assert.True(File.Exists(_dir.Combine("data", "hashing.key")));
        Assert.Equal(1, Regex.Count(stdout + stderr, "generated a random one"));
    }

    /// <summary>The ids of the sample's good posts, from its ground-truth labels.</summary>
    private static IEnumerable<string> SampleIds() =>
        File.ReadLines(Path.Combine(TestPaths.RepositoryRoot, "samples", "data", "london.labels.jsonl"))
            .Select(l => "x:" + JsonDocument.Parse(l).RootElement.GetProperty("id").GetString());

    [GeneratedRegex(@"^x:\d+,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00,k1:[A-Za-z0-9_-]{22},False$")]
    private static partial Regex IntactRow();
}
