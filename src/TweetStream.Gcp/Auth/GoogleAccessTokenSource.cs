using Google.Apis.Auth.OAuth2;

namespace TweetStream.Gcp.Auth;

/// <summary>Supplies OAuth access tokens for Google API calls.</summary>
/// <remarks>
/// Thread-safe. Implementations cache and refresh tokens themselves; the transport asks for one per request.
/// Returning null sends no <c>Authorization</c> header (emulators).
/// </remarks>
internal interface IGoogleAccessTokenSource
{
    ValueTask<string?> GetAccessTokenAsync(CancellationToken cancellationToken);
}

/// <summary>Application Default Credentials, scoped per API; Google.Apis.Auth caches and refreshes the token.</summary>
internal sealed class ApplicationDefaultTokenSource(IReadOnlyList<string> scopes) : IGoogleAccessTokenSource
{
    private readonly Lazy<Task<ITokenAccess>> _credential = new(
        async () =>
        {
            try
            {
                return (await GoogleCredential.GetApplicationDefaultAsync().ConfigureAwait(false)).CreateScoped(scopes);
            }
            catch (InvalidOperationException ex)
            {
                // No credential to be found is configuration, not an outage: retrying cannot fix it.
                throw new GoogleCredentialsUnavailableException(
                    "No usable Google credentials (Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS, gcloud auth application-default login, or the metadata server): " + ex.Message,
                    ex);
            }
        },
        LazyThreadSafetyMode.ExecutionAndPublication);

    public async ValueTask<string?> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        var credential = await _credential.Value.ConfigureAwait(false);
        return await credential.GetAccessTokenForRequestAsync(authUri: null, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>No credentials: for emulators, which must not receive tokens.</summary>
internal sealed class NoAccessTokenSource : IGoogleAccessTokenSource
{
    public static NoAccessTokenSource Instance { get; } = new();

    public ValueTask<string?> GetAccessTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(null);
}

/// <summary>A fixed token, for callers that obtain tokens elsewhere.</summary>
internal sealed class StaticAccessTokenSource(string token) : IGoogleAccessTokenSource
{
    public ValueTask<string?> GetAccessTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(token);
}

/// <summary>Application Default Credentials could not be found or read: a configuration error, never retried.</summary>
internal sealed class GoogleCredentialsUnavailableException(string message, Exception innerException) : InvalidOperationException(message, innerException);
