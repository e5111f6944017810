using System.Text.Json;
using TweetStream.Tests.Support;

namespace TweetStream.Deploy.Tests;

/// <summary>
/// The container settings as the SDK itself resolves them (its ComputeContainerConfig target, which needs no base
/// image), so a renamed or misspelt property fails here rather than in a release.
/// </summary>
public sealed class ContainerConfigTests
{
    public const string DataDirectory = "/app/data";

    [Theory]
    [InlineData("samples/TweetStream.Worker/TweetStream.Worker.csproj", "tweetstream-worker")]
    [InlineData("samples/TweetStream.Function/TweetStream.Function.csproj", "tweetstream-function")]
    public async Task The_image_runs_as_a_non_root_user_on_port_8080_with_data_in_a_volume_path_and_oci_labels(string project, string repository)
    {
        var (exitCode, output) = await DotNet.RunAsync(
            "msbuild", project, "-t:ComputeContainerConfig", "-p:Configuration=Release", "-nologo",
            "-getProperty:ContainerRepository", "-getProperty:ContainerUser", "-getProperty:ContainerBaseImage", "-getProperty:ContainerWorkingDirectory",
            "-getItem:ContainerPort", "-getItem:ContainerEnvironmentVariable", "-getItem:ContainerLabel");
        Assert.True(exitCode == 0, output);
        using var json = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]);
        var properties = json.RootElement.GetProperty("Properties");
        var items = json.RootElement.GetProperty("Items");

        Assert.Equal(repository, properties.GetProperty("ContainerRepository").GetString());
        var user = properties.GetProperty("ContainerUser").GetString();
        Assert.False(string.IsNullOrEmpty(user) || user is "root" or "0" || user.StartsWith("0:", StringComparison.Ordinal), $"container user '{user}' is root");
        Assert.Matches(@"^[1-9][0-9]*$", user); // numeric, so runAsNonRoot admission checks can verify it
        Assert.Contains("mcr.microsoft.com/dotnet/aspnet:10.0", properties.GetProperty("ContainerBaseImage").GetString(), StringComparison.Ordinal);

        var port = Assert.Single(items.GetProperty("ContainerPort").EnumerateArray());
        Assert.Equal("8080", port.GetProperty("Identity").GetString());
        Assert.Equal("tcp", port.GetProperty("Type").GetString());

        var env = items.GetProperty("ContainerEnvironmentVariable").EnumerateArray()
            .ToDictionary(e => e.GetProperty("Identity").GetString()!, e => e.GetProperty("Value").GetString(), StringComparer.Ordinal);
        Assert.Equal("8080", env["PORT"]);
        Assert.Equal(DataDirectory, env["TweetStream__DataDirectory"]);
        Assert.Equal("Production", env["DOTNET_ENVIRONMENT"]);

        var labels = items.GetProperty("ContainerLabel").EnumerateArray()
            .GroupBy(e => e.GetProperty("Identity").GetString()!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last().GetProperty("Value").GetString(), StringComparer.Ordinal);
        foreach (var label in new[] { "title", "description", "vendor", "version", "licenses", "url", "created", "base.name" })
        {
            Assert.False(string.IsNullOrWhiteSpace(labels.GetValueOrDefault("org.opencontainers.image." + label)), $"label org.opencontainers.image.{label} is missing");
        }

        Assert.Equal("MIT", labels["org.opencontainers.image.licenses"]);
    }
}
