namespace TweetStream.Sources.X;

/// <summary>What one X API v2 stream line turned out to be.</summary>
internal enum XStreamLineKind
{
    /// <summary>A post (<see cref="XStreamLine.Post"/> is set).</summary>
    Post,

    /// <summary>A delete compliance event (<see cref="XStreamLine.Post"/> is a tombstone).</summary>
    Delete,

    /// <summary>A blank or whitespace-only keep-alive line.</summary>
    KeepAlive,

    /// <summary>An in-stream error message (<see cref="XStreamLine.Errors"/> is set); X usually disconnects next.</summary>
    Errors,

    /// <summary>A well-formed message of a type this parser does not map (other compliance events, future types).</summary>
    Ignored,

    /// <summary>Input that cannot be decoded (<see cref="XStreamLine.Reason"/> is set, never quoting content).</summary>
    Malformed,
}

/// <summary>The result of parsing one stream line.</summary>
/// <param name="Kind">What the line is.</param>
/// <param name="Post">The post or tombstone for <see cref="XStreamLineKind.Post"/> and <see cref="XStreamLineKind.Delete"/>.</param>
/// <param name="Errors">The problems of an <see cref="XStreamLineKind.Errors"/> line.</param>
/// <param name="Reason">Why a <see cref="XStreamLineKind.Malformed"/> line was rejected.</param>
internal readonly record struct XStreamLine(XStreamLineKind Kind, Post? Post = null, IReadOnlyList<XStreamProblem>? Errors = null, string? Reason = null)
{
    public static XStreamLine KeepAlive => new(XStreamLineKind.KeepAlive);

    public static XStreamLine Ignored => new(XStreamLineKind.Ignored);

    public static XStreamLine Malformed(string reason) => new(XStreamLineKind.Malformed, Reason: reason);
}

/// <summary>One problem object of an in-stream <c>errors[]</c> message (or an HTTP problem body).</summary>
/// <param name="Title">E.g. <c>operational-disconnect</c>, <c>ConnectionException</c>.</param>
/// <param name="Type">The problem type URI.</param>
/// <param name="Detail">Human-readable detail.</param>
/// <param name="DisconnectType">E.g. <c>UpstreamOperationalDisconnect</c>, for operational disconnects.</param>
/// <param name="ConnectionIssue">E.g. <c>TooManyConnections</c>, for connection exceptions.</param>
internal sealed record XStreamProblem(string? Title, string? Type, string? Detail, string? DisconnectType, string? ConnectionIssue);

/// <summary>The value-free reasons a line is rejected with; shared by every X-format source.</summary>
internal static class XStreamReasons
{
    public const string InvalidUtf8 = "invalid UTF-8";
    public const string MalformedJson = "malformed JSON";
    public const string NotAnObject = "stream line is not a JSON object";
    public const string MissingId = "missing required field data.id";
    public const string MissingText = "missing required field data.text";
    public const string MissingDeleteId = "missing required field data.delete.tweet.id";
    public const string UnknownAuthor = "unknown author reference";
    public const string InvalidCreatedAt = "invalid created_at";
    public const string InvalidEventAt = "invalid event_at";
    public const string LineTooLong = "line exceeds the 1 MiB limit";
}
