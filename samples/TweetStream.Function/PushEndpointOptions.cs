using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace TweetStream.Function;

/// <summary>Settings of the Pub/Sub push endpoint, bound from <c>TweetStream:Push</c>.</summary>
internal sealed class PushEndpointOptions
{
    /// <summary>The issuers Google signs push tokens with.</summary>
    public static readonly IReadOnlyList<string> GoogleIssuers = ["https://accounts.google.com", "accounts.google.com"];

    /// <summary>
    /// Verify the push OIDC token (<c>Authorization: Bearer</c>). Default true. Only a local run without a
    /// cloud account turns it off; the host then logs a warning at start.
    /// </summary>
    public bool VerifyToken { get; set; } = true;

    /// <summary>The audience the push subscription puts in its tokens (by default the push endpoint URL). Required when verifying.</summary>
    public string? Audience { get; set; }

    /// <summary>The service account the push subscription authenticates as (<c>email</c> claim). Required when verifying.</summary>
    public string? ServiceAccountEmail { get; set; }

    /// <summary>Where Google's signing keys (JWKS) are read; default null = Google's own (<c>https://www.googleapis.com/oauth2/v3/certs</c>).</summary>
    public string? CertificatesUrl { get; set; }

    /// <summary>
    /// Longest a request waits for its message to commit before answering 503 so Pub/Sub redelivers. Keep it
    /// below the subscription's ack deadline (10 s by default). Default 8 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Messages accepted but not yet read by the pipeline; past it requests get 429 so Pub/Sub backs off. Default 1000.</summary>
    [Range(1, 1_000_000)]
    public int MaxPendingMessages { get; set; } = 1000;

    /// <summary>Largest request body in bytes. Default 16 MiB (a 10 MB Pub/Sub message grows by a third in base64).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 16 * 1024 * 1024;
}

[OptionsValidator]
internal sealed partial class PushEndpointOptionsValidator : IValidateOptions<PushEndpointOptions>;
