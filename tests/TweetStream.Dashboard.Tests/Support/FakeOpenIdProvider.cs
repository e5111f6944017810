using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TweetStream.Dashboard.Tests.Support;

/// <summary>
/// A strict OpenID Connect provider on 127.0.0.1: discovery, JWKS and a token endpoint that accepts one issued
/// code, only with a PKCE verifier matching the challenge and the registered client, and signs RS256 id tokens.
/// </summary>
public sealed class FakeOpenIdProvider : IAsyncDisposable
{
    public const string ClientId = "dashboard-client";
    public const string ClientSecret = "dashboard-secret";
    private const string KeyId = "test-key";

    private readonly WebApplication _app;
    private readonly RSA _key = RSA.Create(2048);
    private (string Code, string Challenge, string Nonce)? _issued;

    private FakeOpenIdProvider(WebApplication app) => _app = app;

    public string Authority { get; private set; } = string.Empty;

    /// <summary>The e-mail claim the next id token carries.</summary>
    public string Email { get; set; } = "owner@example.test";

    public bool EmailVerified { get; set; } = true;

    public int TokenRequests { get; private set; }

    public static async Task<FakeOpenIdProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new FakeOpenIdProvider(app);
        app.MapGet("/.well-known/openid-configuration", provider.Discovery);
        app.MapGet("/jwks", provider.Jwks);
        app.MapPost("/token", (Func<HttpContext, Task<IResult>>)provider.Token);
        await app.StartAsync();
        provider.Authority = app.Urls.First().TrimEnd('/');
        return provider;
    }

    /// <summary>What the provider does after the user signs in: remember the code for this authorize request.</summary>
    public string Authorize(Uri authorizeRequest)
    {
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(authorizeRequest.Query);
        Assert.Equal(ClientId, query["client_id"].ToString());
        Assert.Equal("code", query["response_type"].ToString());
        Assert.Equal("S256", query["code_challenge_method"].ToString());
        Assert.Contains("openid", query["scope"].ToString().Split(' '));
        Assert.Contains("email", query["scope"].ToString().Split(' '));
        var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _issued = (code, query["code_challenge"].ToString(), query["nonce"].ToString());
        return code;
    }

    private IResult Discovery() => Results.Text(JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["issuer"] = Authority,
        ["authorization_endpoint"] = Authority + "/authorize",
        ["token_endpoint"] = Authority + "/token",
        ["jwks_uri"] = Authority + "/jwks",
        ["response_types_supported"] = new[] { "code" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
    }), "application/json");

    private IResult Jwks()
    {
        var p = _key.ExportParameters(false);
        return Results.Text(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["keys"] = new[]
            {
                new Dictionary<string, string> { ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = KeyId, ["n"] = Base64Url(p.Modulus!), ["e"] = Base64Url(p.Exponent!) },
            },
        }), "application/json");
    }

    private async Task<IResult> Token(HttpContext context)
    {
        TokenRequests++;
        var form = await context.Request.ReadFormAsync();
        var issued = _issued;
        _issued = null; // one use only
        var (clientId, secret) = ClientCredentials(context, form);
        if (issued is null
            || form["grant_type"] != "authorization_code"
            || form["code"] != issued.Value.Code
            || clientId != ClientId || secret != ClientSecret
            || Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))) != issued.Value.Challenge)
        {
            return Results.Json(new Dictionary<string, string> { ["error"] = "invalid_grant" }, statusCode: 400);
        }

        var now = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        var idToken = Sign(new Dictionary<string, object>
        {
            ["iss"] = Authority,
            ["aud"] = ClientId,
            ["sub"] = "user-1",
            ["email"] = Email,
            ["email_verified"] = EmailVerified,
            ["nonce"] = issued.Value.Nonce,
            ["iat"] = now,
            ["nbf"] = now - 60,
            ["exp"] = now + 600,
        });
        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = "opaque",
            ["token_type"] = "Bearer",
            ["expires_in"] = 600,
            ["id_token"] = idToken,
        });
    }

    private static (string? Id, string? Secret) ClientCredentials(HttpContext context, IFormCollection form)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])).Split(':', 2);
            return (Uri.UnescapeDataString(pair[0]), Uri.UnescapeDataString(pair[1]));
        }

        return (form["client_id"], form["client_secret"]);
    }

    private string Sign(Dictionary<string, object> claims)
    {
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "RS256", ["kid"] = KeyId, ["typ"] = "JWT" }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(header + "." + payload), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return header + "." + payload + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _key.Dispose();
    }
}
