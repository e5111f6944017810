using System.Globalization;
using System.Net;

namespace TweetStream.Gcp;

/// <summary>A Google API answered with an error: the HTTP status and the parsed error body.</summary>
/// <remarks>
/// Parsed from <c>{"error":{"code":…,"message":…,"status":…,"errors":[{"reason":…}]}}</c>. Tell 409 ABORTED
/// from 409 ALREADY_EXISTS by <see cref="Status"/>, not by <see cref="HttpStatus"/>.
/// </remarks>
public sealed class GoogleApiException : Exception
{
    /// <summary>Creates an exception with no details.</summary>
    public GoogleApiException() { }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public GoogleApiException(string message) : base(message) => ApiMessage = message;

    /// <summary>Creates an exception with a message and a cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public GoogleApiException(string message, Exception innerException) : base(message, innerException) => ApiMessage = message;

    /// <summary>Creates an exception from an error response.</summary>
    /// <param name="httpStatus">The HTTP status code.</param>
    /// <param name="status">The canonical status name (<c>error.status</c>), or the one implied by the HTTP status.</param>
    /// <param name="reason">The first <c>error.errors[].reason</c>, when present.</param>
    /// <param name="apiMessage">The API's message (<c>error.message</c>).</param>
    /// <param name="operation">The call that failed, e.g. <c>pubsub.publish</c>.</param>
    public GoogleApiException(HttpStatusCode httpStatus, string? status, string? reason, string apiMessage, string? operation = null)
        : base(Format(httpStatus, status, reason, apiMessage, operation))
    {
        HttpStatus = httpStatus;
        Status = status;
        Reason = reason;
        ApiMessage = apiMessage;
        Operation = operation;
    }

    /// <summary>The HTTP status code of the response.</summary>
    public HttpStatusCode HttpStatus { get; }

    /// <summary>The canonical status name, e.g. <c>ALREADY_EXISTS</c>, <c>RESOURCE_EXHAUSTED</c>.</summary>
    public string? Status { get; }

    /// <summary>The machine-readable reason of the first error item, e.g. <c>rateLimitExceeded</c>.</summary>
    public string? Reason { get; }

    /// <summary>The API's own message (never contains request payloads we sent).</summary>
    public string? ApiMessage { get; }

    /// <summary>The call that failed.</summary>
    public string? Operation { get; }

    private static string Format(HttpStatusCode httpStatus, string? status, string? reason, string apiMessage, string? operation) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{operation ?? "google-api"} failed: {(int)httpStatus} {status ?? "UNKNOWN"}{(reason is null ? string.Empty : " (" + reason + ")")}: {apiMessage}");
}
