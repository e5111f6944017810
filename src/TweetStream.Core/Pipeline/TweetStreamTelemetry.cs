namespace TweetStream;

/// <summary>
/// Names under which pipelines report metrics and traces, for wiring an OpenTelemetry (or any
/// <see cref="System.Diagnostics.Metrics.MeterListener"/> / <see cref="System.Diagnostics.ActivityListener"/>) consumer.
/// </summary>
/// <remarks>
/// The library takes no OpenTelemetry dependency: it reports through <see cref="System.Diagnostics.Metrics.Meter"/>
/// and <see cref="System.Diagnostics.ActivitySource"/>, which cost nothing while nobody listens. With the
/// OpenTelemetry SDK: <c>metrics.AddMeter(TweetStreamTelemetry.MeterName)</c> and
/// <c>tracing.AddSource(TweetStreamTelemetry.ActivitySourceName)</c>. Tags carry pipeline, component and stage
/// names and counts, never post text, handles or ids.
/// </remarks>
public static class TweetStreamTelemetry
{
    /// <summary>The meter every pipeline's instruments belong to (<c>tweetstream.*</c>, tagged by <c>pipeline</c>).</summary>
    public const string MeterName = "TweetStream";

    /// <summary>
    /// The activity source of the pipeline spans: <c>tweetstream.batch</c> with children
    /// <c>tweetstream.source.read</c>, <c>tweetstream.transform</c>, <c>tweetstream.sink.write</c> and <c>tweetstream.ack</c>.
    /// </summary>
    public const string ActivitySourceName = "TweetStream";
}
