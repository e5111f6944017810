using System.Reflection;
using TweetStream.Samples.Tests.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Samples.Tests;

/// <summary>
/// The tweetstream-sink template, used as a user uses it: its package installed into a private template hive,
/// instantiated, restored against the packages this build produced (a local feed; everything else from the
/// machine's package cache, so no network) and tested.
/// </summary>
public sealed class TemplateTests : IDisposable
{
    private readonly TempDirectory _dir = TestPaths.CreateTempDirectory();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_sink_template_instantiates_builds_against_the_local_packages_and_its_conformance_test_passes()
    {
        var configuration = typeof(TemplateTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;
        var feed = _dir.Combine("feed");
        var hive = _dir.Combine("hive");
        var output = _dir.Combine("Contoso.Sink");
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["DOTNET_CLI_HOME"] = _dir.Combine("cli-home"),
        };
        foreach (var project in new[] { "src/TweetStream.Core", "src/TweetStream.Testing", "templates/TweetStream.Templates" })
        {
            await Require("dotnet", ["pack", Path.Combine(TestPaths.RepositoryRoot, project), "-c", configuration, "--no-build", "--no-restore", "-o", feed], environment);
        }

        // The template package as .ci/run packs it, installed into a private hive (the user's templates are untouched).
        await Require("dotnet", ["new", "install", Path.Combine(feed, "TweetStream.Templates.0.1.0.nupkg"), "--debug:custom-hive", hive], environment);
        await Require("dotnet", ["new", "tweetstream-sink", "-n", "Contoso.Sink", "-o", output, "--debug:custom-hive", hive], environment);

        Assert.True(File.Exists(Path.Combine(output, "src", "Contoso.Sink", "Contoso.Sink.csproj")));
        Assert.Contains("namespace Contoso.Sink;", File.ReadAllText(Path.Combine(output, "src", "Contoso.Sink", "PostFileSink.cs")), StringComparison.Ordinal);

        // Only the local feed as a source; the machine's package cache as a read-only fallback: no network needed.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        await File.WriteAllTextAsync(Path.Combine(output, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{cache}" />
              </fallbackPackageFolders>
            </configuration>
            """);

        // A private package folder, so the freshly packed 0.1.0 packages are never confused with older ones.
        environment["NUGET_PACKAGES"] = _dir.Combine("packages");
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync("dotnet", ["test", output, "-c", "Release"], output, environment, TimeSpan.FromMinutes(10));

        Assert.True(exitCode == 0, $"dotnet test of the generated project exited {exitCode}: {stdout} {stderr}");
        Assert.Contains("Passed!", stdout, StringComparison.Ordinal);
        Assert.Contains("Passed:     1", stdout, StringComparison.Ordinal);
    }

    private static async Task Require(string command, string[] args, Dictionary<string, string> environment)
    {
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(command, args, null, environment, TimeSpan.FromMinutes(5));
        Assert.True(exitCode == 0, $"{command} {string.Join(' ', args)} exited {exitCode}: {stdout} {stderr}");
    }
}
