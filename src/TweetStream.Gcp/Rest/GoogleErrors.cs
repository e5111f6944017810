using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TweetStream.Gcp.Rest;

internal sealed class GoogleErrorEnvelope
{
    public GoogleErrorBody? Error { get; set; }
}

internal sealed class GoogleErrorBody
{
    public int Code { get; set; }

    public string? Message { get; set; }

    public string? Status { get; set; }

    public List<GoogleErrorItem>? Errors { get; set; }
}

internal sealed class GoogleErrorItem
{
    public string? Reason { get; set; }

    public string? Message { get; set; }
}

/// <summary>Turns error responses into <see cref="GoogleApiException"/>.</summary>
internal static class GoogleErrors
{
    public static GoogleApiException Parse(HttpStatusCode httpStatus, ReadOnlySpan<byte> body, string operation)
    {
        GoogleErrorBody? error = null;
        if (!body.IsEmpty)
        {
            try
            {
                error = JsonSerializer.Deserialize(body, GoogleRestJsonContext.Default.GoogleErrorEnvelope)?.Error;
            }
            catch (JsonException)
            {
                // Not a Google error body (a proxy's HTML page): fall back to the HTTP status.
            }
        }

        var status = string.IsNullOrEmpty(error?.Status) ? CanonicalStatus(httpStatus) : error!.Status;
        var reason = error?.Errors is { Count: > 0 } items ? items[0].Reason : null;
        var message = !string.IsNullOrEmpty(error?.Message) ? error!.Message!
            : error?.Errors is { Count: > 0 } detail && !string.IsNullOrEmpty(detail[0].Message) ? detail[0].Message!
            : BodyExcerpt(httpStatus, body);
        return new GoogleApiException(httpStatus, status, reason, message, operation);
    }

    /// <summary>
    /// What the operator needs when the body is not Google's error shape (an OAuth token endpoint's
    /// <c>{"error":"invalid_grant"}</c>, a proxy's page): its start on one line, bounded, instead of a bare status.
    /// </summary>
    private static string BodyExcerpt(HttpStatusCode httpStatus, ReadOnlySpan<byte> body)
    {
        const int Max = 300;
        if (body.IsEmpty)
        {
            return "HTTP " + (int)httpStatus + " with an empty body";
        }

        var text = System.Text.Encoding.UTF8.GetString(body[..Math.Min(body.Length, Max * 4)]);
        var flat = string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return "HTTP " + (int)httpStatus + ": " + (flat.Length > Max ? flat[..Max] + "…" : flat);
    }

    /// <summary>The canonical code a bare HTTP status implies (google/rpc/code.proto mapping).</summary>
    public static string CanonicalStatus(HttpStatusCode httpStatus) => (int)httpStatus switch
    {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "UNKNOWN",
    };
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GoogleErrorEnvelope))]
internal sealed partial class GoogleRestJsonContext : JsonSerializerContext;
