using TweetStream.Gcp.Auth;
using TweetStream.Gcp.Rest;

namespace TweetStream.Gcp.Dlp;

/// <summary>Builds the shared REST transport for DLP options (global or regional endpoint).</summary>
internal static class DlpClientFactory
{
    public const string HttpClientName = "TweetStream.Gcp.Dlp";
    public const string Scope = "https://www.googleapis.com/auth/cloud-platform";
    public const string TokenSourceKey = "dlp";

    public static Uri ResolveBaseAddress(DlpRedactionOptions options)
    {
        var uri = options.BaseAddress
            ?? (options.UseRegionalEndpoint ? new Uri($"https://dlp.{options.Location}.rep.googleapis.com/") : new Uri("https://dlp.googleapis.com/"));
        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    public static GoogleRestClient Create(DlpRedactionOptions options, HttpClient http, IGoogleAccessTokenSource tokens, TimeProvider time) =>
        new(
            http,
            new GoogleRestSettings(ResolveBaseAddress(options), options.QuotaProjectId, options.GzipRequests, 1024),
            tokens,
            new DlpRetryPolicy(options.MaxAttempts, options.Timeout),
            time);
}
