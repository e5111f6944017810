using Google.Apis.Auth;
using Google.Apis.Http;
using Google.Apis.Util;
using Microsoft.Extensions.Options;

namespace TweetStream.Function;

/// <summary>The outcome of checking a push request's bearer token.</summary>
internal enum TokenCheck
{
    /// <summary>Signed by Google, for our audience, by the configured service account.</summary>
    Valid,

    /// <summary>No usable bearer token, or one that fails signature, issuer, audience or expiry: 401.</summary>
    Unauthenticated,

    /// <summary>A valid token of another identity: 403.</summary>
    Forbidden,

    /// <summary>The signing keys could not be fetched: 503 so Pub/Sub retries.</summary>
    Unavailable,
}

/// <summary>Checks the OIDC token Pub/Sub attaches to push requests.</summary>
/// <remarks>Thread-safe; called once per request.</remarks>
internal interface IPushTokenVerifier
{
    ValueTask<TokenCheck> VerifyAsync(string? authorization, CancellationToken cancellationToken);
}

/// <summary>
/// Verifies push tokens with Google.Apis.Auth: RS256 signature against Google's keys (or
/// <see cref="PushEndpointOptions.CertificatesUrl"/>), issuer, audience and expiry on the injected clock,
/// then the <c>email</c> claim and <c>email_verified</c>.
/// </summary>
internal sealed class GooglePushTokenVerifier : IPushTokenVerifier
{
    private readonly PushEndpointOptions _options;
    private readonly GoogleJsonWebSignature.ValidationSettings _settings;
    private readonly ILogger _logger;

    public GooglePushTokenVerifier(IOptions<PushEndpointOptions> options, TimeProvider time, ILogger<GooglePushTokenVerifier> logger)
    {
        _options = options.Value;
        _logger = logger;

        // ValidateAsync checks the RS256 signature against Google's keys, iss (both Google forms), aud, iat and
        // exp; its clock is public here (SignedTokenVerificationOptions keeps its clock internal).
        _settings = new GoogleJsonWebSignature.ValidationSettings
        {
            Audience = [_options.Audience!],
            Clock = new TimeProviderClock(time),
            HttpClientFactory = _options.CertificatesUrl is { } url ? new KeysUrlHttpClientFactory(new Uri(url)) : null,
        };
    }

    public async ValueTask<TokenCheck> VerifyAsync(string? authorization, CancellationToken cancellationToken)
    {
        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length == Scheme.Length)
        {
            Log.TokenRejected(_logger, "no bearer token");
            return TokenCheck.Unauthenticated;
        }

        GoogleJsonWebSignature.Payload payload;
        try
        {
            payload = await GoogleJsonWebSignature.ValidateAsync(authorization[Scheme.Length..].Trim(), _settings).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidJwtException ex)
        {
            // The library's messages name the failed check (signature, expiry, audience, issuer), never the token.
            Log.TokenRejected(_logger, ex.Message);
            return TokenCheck.Unauthenticated;
        }
        catch (HttpRequestException ex)
        {
            Log.KeysUnavailable(_logger, ex.Message);
            return TokenCheck.Unavailable;
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.KeysUnavailable(_logger, ex.Message);
            return TokenCheck.Unavailable;
        }
#pragma warning disable CA1031 // A token that is not even a JWT makes the library throw format and JSON errors: all mean "not authenticated".
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            Log.TokenRejected(_logger, "malformed token (" + ex.GetType().Name + ")");
            return TokenCheck.Unauthenticated;
        }

        if (payload.EmailVerified && string.Equals(payload.Email, _options.ServiceAccountEmail, StringComparison.OrdinalIgnoreCase))
        {
            return TokenCheck.Valid;
        }

        Log.TokenRejected(_logger, "token is not from the configured service account");
        return TokenCheck.Forbidden;
    }

    /// <summary>Google.Apis.Auth's clock on the host's <see cref="TimeProvider"/>, so tests control expiry.</summary>
    private sealed class TimeProviderClock(TimeProvider time) : IClock
    {
        public DateTime Now => time.GetLocalNow().DateTime;

        public DateTime UtcNow => time.GetUtcNow().UtcDateTime;
    }
}

/// <summary>
/// Fetches Google's signing keys from another URL (a mirror, or a test double): ValidateAsync always asks for
/// Google's key URL, so the request is pointed elsewhere while the library's parsing and checks stay unchanged.
/// </summary>
internal sealed class KeysUrlHttpClientFactory(Uri keysUrl) : HttpClientFactory
{
    protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) => new Redirect(keysUrl, base.CreateHandler(args));

    private sealed class Redirect(Uri keysUrl, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.RequestUri = keysUrl;
            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>Accepts every request: only when <see cref="PushEndpointOptions.VerifyToken"/> is explicitly false.</summary>
internal sealed class NoPushTokenVerifier : IPushTokenVerifier
{
    public ValueTask<TokenCheck> VerifyAsync(string? authorization, CancellationToken cancellationToken) => ValueTask.FromResult(TokenCheck.Valid);
}
