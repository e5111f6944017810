using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TweetStream.Function.Tests.Support;

/// <summary>
/// Stands in for Google's OIDC signing keys (<c>/oauth2/v3/certs</c>, a JWKS) on 127.0.0.1, and signs push
/// tokens the way Pub/Sub does (RS256, <c>kid</c> header). Strict: only <c>GET /oauth2/v3/certs</c> answers.
/// </summary>
/// <remarks>
/// Google.Apis.Auth caches keys process-wide under Google's URL, so every double serves the same key pair
/// (generated once per test run); tokens of a stranger key test the signature check.
/// </remarks>
public sealed class GoogleKeysDouble : IAsyncDisposable
{
    public const string KeyId = "test-key-1";

    private static readonly RSA SigningKey = RSA.Create(2048);

    private readonly WebApplication _app;
    private int _requests;

    private GoogleKeysDouble(WebApplication app) => _app = app;

    public string CertificatesUrl { get; private set; } = "";

    public int Requests => _requests;

    public static async Task<GoogleKeysDouble> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var double_ = new GoogleKeysDouble(app);
        app.Run(async context =>
        {
            if (context.Request.Method != HttpMethods.Get || context.Request.Path != "/oauth2/v3/certs" || context.Request.QueryString.HasValue)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            Interlocked.Increment(ref double_._requests);
            context.Response.ContentType = "application/json; charset=UTF-8";
            context.Response.Headers.CacheControl = "public, max-age=21600";
            await context.Response.WriteAsync(Jwks());
        });
        await app.StartAsync();
        double_.CertificatesUrl = app.Urls.Single() + "/oauth2/v3/certs";
        return double_;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Signs a token; <paramref name="key"/> defaults to the key this double publishes.</summary>
    public static string Sign(IReadOnlyDictionary<string, object> claims, RSA? key = null)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "RS256", ["kid"] = KeyId, ["typ"] = "JWT" });
        var payload = Encoding.UTF8.GetBytes(WriteClaims(claims));
        var signingInput = Base64Url(header) + "." + Base64Url(payload);
        var signature = (key ?? SigningKey).SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    private static string WriteClaims(IReadOnlyDictionary<string, object> claims)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in claims)
            {
                switch (value)
                {
                    case string s: writer.WriteString(name, s); break;
                    case bool b: writer.WriteBoolean(name, b); break;
                    case long l: writer.WriteNumber(name, l); break;
                    default: throw new ArgumentException("unsupported claim type", nameof(claims));
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Jwks()
    {
        var p = SigningKey.ExportParameters(includePrivateParameters: false);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("keys");
            writer.WriteStartObject();
            writer.WriteString("kty", "RSA");
            writer.WriteString("alg", "RS256");
            writer.WriteString("use", "sig");
            writer.WriteString("kid", KeyId);
            writer.WriteString("n", Base64Url(p.Modulus!));
            writer.WriteString("e", Base64Url(p.Exponent!));
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
