using System.Diagnostics;
using System.Text.Json;
using TweetStream.Tests.Support;

namespace TweetStream.Deploy.Tests;

/// <summary>
/// Runs the offline checkers installed in eng/deploy-check (HashiCorp's HCL parser as WASM, a YAML parser, the
/// GitHub Actions schema validator) on the machine's Node. Without Node or the installed packages a test skips and
/// says so; under CI (.ci/run installs them) it fails instead, so CI never skips these checks.
/// </summary>
internal static class NodeTools
{
    public static string Folder => Path.Combine(TestPaths.RepositoryRoot, "eng", "deploy-check");

    /// <summary>Parses .tf, .tfvars, .yml files into JSON, keyed by the path as given (relative to the repository).</summary>
    public static Dictionary<string, JsonElement> Parse(IEnumerable<string> repositoryRelativePaths)
    {
        var (exitCode, stdout, stderr) = Run(["to-json.mjs", .. repositoryRelativePaths.Select(p => Path.Combine(TestPaths.RepositoryRoot, p))]);
        Assert.True(exitCode == 0, "a file does not parse:\n" + stderr);
        using var document = JsonDocument.Parse(stdout);
        return document.RootElement.EnumerateObject().ToDictionary(
            p => Path.GetRelativePath(TestPaths.RepositoryRoot, p.Name).Replace('\\', '/'),
            p => p.Value.Clone(),
            StringComparer.Ordinal);
    }

    public static (int ExitCode, string StdOut, string StdErr) Run(IReadOnlyList<string> arguments)
    {
        Require();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A safety net so a hang fails clearly; the parsers answer in about a second.
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("node did not finish: " + string.Join(' ', arguments));
        }

        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static void Require()
    {
        var missing = FindNode() is null
            ? "node is not on PATH"
            : !Directory.Exists(Path.Combine(Folder, "node_modules", "@cdktf", "hcl2json"))
                ? "eng/deploy-check/node_modules is missing (run `npm ci` there)"
                : null;
        if (missing is null)
        {
            return;
        }

        // CI installs them in .ci/run; a skip there would hide a broken install step.
        Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
            missing + "; .ci/run must install it.");
        Skip.If(true, missing + "; these checks parse deploy/terraform and .github/workflows with HashiCorp's HCL parser and a YAML parser from the npm registry.");
    }

    private static string? FindNode() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "node"))
            .FirstOrDefault(File.Exists);
}
