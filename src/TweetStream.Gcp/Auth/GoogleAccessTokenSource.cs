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
        async () => (await GoogleCredential.GetApplicationDefaultAsync().ConfigureAwait(false)).CreateScoped(scopes),
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
