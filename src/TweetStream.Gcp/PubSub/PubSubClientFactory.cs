using TweetStream.Gcp.Auth;
using TweetStream.Gcp.Rest;

namespace TweetStream.Gcp.PubSub;

/// <summary>Builds the transport for Pub/Sub options: production (ADC, https) or emulator (http, no token).</summary>
internal static class PubSubClientFactory
{
    public const string HttpClientName = "TweetStream.Gcp.PubSub";
    public const string Scope = "https://www.googleapis.com/auth/pubsub";
    public const string TokenSourceKey = "pubsub";

    public static PubSubApi Create(PubSubClientOptions options, HttpClient http, IGoogleAccessTokenSource tokens, TimeProvider time, Func<string, string?>? environment = null)
    {
        var emulator = options.ResolveEmulatorHost(environment);
        var settings = emulator is not null
            ? new GoogleRestSettings(new Uri("http://" + emulator + "/"), null, GzipRequestBodies: false, GzipThresholdBytes: int.MaxValue)
            : new GoogleRestSettings(EnsureSlash(options.BaseAddress), options.QuotaProjectId, options.GzipRequests, 1024);
        return new PubSubApi(new GoogleRestClient(http, settings, emulator is not null ? NoAccessTokenSource.Instance : tokens, PubSubRetryPolicy.Instance, time));
    }

    private static Uri EnsureSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
