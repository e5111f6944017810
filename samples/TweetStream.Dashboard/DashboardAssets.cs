using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace TweetStream.Dashboard;

/// <summary>The page, script and style sheet, embedded in the assembly so the dashboard works offline.</summary>
internal static class DashboardAssets
{
    private const string ResourcePrefix = "TweetStream.Dashboard.Assets.";

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    public static Asset Get(string name) => Assets[name];

    /// <summary>Fills a page template; every value is HTML-encoded here, so templates never receive raw markup.</summary>
    public static string Render(string name, IReadOnlyDictionary<string, string> values)
    {
        var text = Encoding.UTF8.GetString(Get(name).Content);
        foreach (var (key, value) in values)
        {
            text = text.Replace("{{" + key + "}}", HtmlEncoder.Default.Encode(value), StringComparison.Ordinal);
        }

        return text;
    }

    public static IResult Serve(HttpContext context, string name)
    {
        var asset = Get(name);
        context.Response.Headers.ETag = asset.ETag;
        // Revalidate every time: a redeploy must never leave an old script talking to a new API.
        context.Response.Headers.CacheControl = "no-cache";
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var name = resource[ResourcePrefix.Length..];
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 8)) + "\"";
            assets[name] = new Asset(content, ContentTypeOf(name), etag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    };

    internal sealed record Asset(byte[] Content, string ContentType, string ETag);
}
