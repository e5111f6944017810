using System.Diagnostics;

namespace TweetStream.Gcp.PubSub;

/// <summary>
/// W3C trace context in Pub/Sub message attributes, so a post published by one pipeline (or host) continues its
/// trace in the pipeline that pulls it or the push host that receives it.
/// </summary>
/// <remarks>
/// The attribute names are the ones Google's own Pub/Sub client libraries use for OpenTelemetry
/// (<c>googclient_traceparent</c>), so their subscribers continue our traces and ours continue theirs; a plain
/// <c>traceparent</c> attribute is accepted too. The value is the W3C <c>traceparent</c> header of the sink write span.
/// </remarks>
internal static class PubSubTraceContext
{
    public const string TraceParentAttribute = "googclient_traceparent";
    public const string TraceStateAttribute = "googclient_tracestate";

    /// <summary>The <c>traceparent</c> of <paramref name="activity"/>; null when it is not a W3C span.</summary>
    public static string? TraceParent(Activity? activity) =>
        activity is { IdFormat: ActivityIdFormat.W3C } ? activity.Id : null;

    /// <summary>The context carried by a message's attributes, or <c>default</c>.</summary>
    public static ActivityContext Extract(IReadOnlyDictionary<string, string>? attributes)
    {
        if (attributes is null
            || !(attributes.TryGetValue(TraceParentAttribute, out var parent) || attributes.TryGetValue("traceparent", out parent)))
        {
            return default;
        }

        var state = attributes.GetValueOrDefault(TraceStateAttribute) ?? attributes.GetValueOrDefault("tracestate");
        return ActivityContext.TryParse(parent, state, isRemote: true, out var context) ? context : default;
    }
}
