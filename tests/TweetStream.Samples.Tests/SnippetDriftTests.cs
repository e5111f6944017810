using System.Text;
using System.Text.RegularExpressions;
using TweetStream.Tests.Support;

namespace TweetStream.Samples.Tests;

/// <summary>
/// Every C# block in README.md and docs/*.md is a compiled file or region, included verbatim: the block is
/// preceded by <c>&lt;!-- snippet: path[#region] --&gt;</c> and must equal that source. Run with
/// <c>UPDATE_SNIPPETS=1</c> to rewrite the blocks from the sources.
/// </summary>
public sealed partial class SnippetDriftTests
{
    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string> { "README.md" };
        foreach (var doc in Directory.EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(TestPaths.RepositoryRoot, doc).Replace('\\', '/'));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_CSharp_block_is_a_compiled_snippet_included_verbatim(string document)
    {
        var path = Path.Combine(TestPaths.RepositoryRoot, document);
        var lines = File.ReadAllLines(path);
        var problems = new List<string>();
        var output = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            output.Add(lines[i]);
            if (!CSharpFence().IsMatch(lines[i]))
            {
                continue;
            }

            var end = Array.FindIndex(lines, i + 1, l => l.TrimEnd() == "```");
            var block = lines[(i + 1)..end];
            var marker = i > 0 ? SnippetMarker().Match(lines[i - 1]) : Match.Empty;
            if (!marker.Success)
            {
                problems.Add($"{document}:{i + 1}: a C# block without a <!-- snippet: path#region --> marker on the line above");
            }
            else
            {
                var source = ReadSnippet(marker.Groups["path"].Value, marker.Groups["region"].Value);
                if (source is null)
                {
                    problems.Add($"{document}:{i}: snippet {marker.Value} not found");
                }
                else if (!source.SequenceEqual(block))
                {
                    var at = Enumerable.Range(0, Math.Max(source.Length, block.Length)).First(n => n >= source.Length || n >= block.Length || source[n] != block[n]);
                    problems.Add($"{document}:{i + 2 + at}: differs from {marker.Groups["path"].Value}: doc has [{(at < block.Length ? block[at] : "<end>")}], source has [{(at < source.Length ? source[at] : "<end>")}]");
                    block = source;
                }
            }

            output.AddRange(block);
            output.Add(lines[end]);
            i = end;
        }

        if (problems.Count > 0 && Environment.GetEnvironmentVariable("UPDATE_SNIPPETS") == "1")
        {
            File.WriteAllText(path, string.Join('\n', output) + "\n", new UTF8Encoding(false));
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems) + Environment.NewLine + "Run the tests with UPDATE_SNIPPETS=1 to copy the sources into the docs.");
    }

    [Fact]
    public void The_README_includes_the_consumer_program_and_its_sink()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md"));
        Assert.Contains("<!-- snippet: samples/TweetStream.Samples.Consumer/Program.cs -->", readme, StringComparison.Ordinal);
        Assert.Contains("<!-- snippet: samples/TweetStream.Samples.Consumer/PostsCsvSink.cs -->", readme, StringComparison.Ordinal);
    }

    private static string[]? ReadSnippet(string relativePath, string region)
    {
        var file = Path.Combine(TestPaths.RepositoryRoot, relativePath);
        if (!File.Exists(file))
        {
            return null;
        }

        var lines = File.ReadAllLines(file);
        if (region.Length == 0)
        {
            return lines;
        }

        var start = Array.FindIndex(lines, l => l.Trim() == "#region " + region);
        if (start < 0)
        {
            return null;
        }

        var end = Array.FindIndex(lines, start, l => l.Trim() == "#endregion");
        var body = lines[(start + 1)..end];
        var indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return [.. body.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart())];
    }

    [GeneratedRegex(@"^```(csharp|cs|c#)\s*$")]
    private static partial Regex CSharpFence();

    [GeneratedRegex(@"^<!-- snippet: (?<path>[^#\s]+)(#(?<region>[\w-]+))? -->$")]
    private static partial Regex SnippetMarker();
}
