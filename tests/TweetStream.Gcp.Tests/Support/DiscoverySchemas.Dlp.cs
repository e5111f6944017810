using System.Text.Json;
using TweetStream.Tests.Support;

namespace TweetStream.Gcp.Tests.Support;

public sealed partial class DiscoverySchemas
{
    /// <summary>DLP v2: <c>../shared/reference/gcp/dlp-v2.discovery.json</c> when present, else the trimmed fixture.</summary>
    public static DiscoverySchemas Dlp { get; } = LoadFrom("dlp-v2.discovery.json", "dlp-v2.schemas.json");

    /// <summary>Loads a schema file directly (the committed fixture, to prove it stands on its own).</summary>
    public static DiscoverySchemas FromFile(string path) => new(JsonDocument.Parse(File.ReadAllBytes(path)), path);

    private static DiscoverySchemas LoadFrom(string discoveryFile, string fixtureFile)
    {
        var shared = TestPaths.SharedReference is { } root ? Path.Combine(root, "gcp", discoveryFile) : null;
        if (shared is not null && File.Exists(shared))
        {
            return new DiscoverySchemas(JsonDocument.Parse(File.ReadAllBytes(shared)), shared);
        }

        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", fixtureFile);
        return new DiscoverySchemas(JsonDocument.Parse(File.ReadAllBytes(fixture)), fixture);
    }
}
