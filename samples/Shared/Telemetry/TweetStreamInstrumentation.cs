using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace TweetStream.Samples;

/// <summary>Adds the pipeline's meter and activity source to an OpenTelemetry builder.</summary>
/// <remarks>
/// Kept beside the hosts, not in TweetStream.Core: the library reports through System.Diagnostics only and names
/// its sources in <see cref="TweetStreamTelemetry"/>, so it takes no OpenTelemetry dependency and never pins the
/// OpenTelemetry version of an application that uses it. These two lines are all an application needs.
/// </remarks>
internal static class TweetStreamInstrumentation
{
    public static MeterProviderBuilder AddTweetStreamInstrumentation(this MeterProviderBuilder builder) =>
        builder.AddMeter(TweetStreamTelemetry.MeterName);

    public static TracerProviderBuilder AddTweetStreamInstrumentation(this TracerProviderBuilder builder) =>
        builder.AddSource(TweetStreamTelemetry.ActivitySourceName);

    /// <summary>What an application adds to its own host: the README's example, compiled here so it cannot drift.</summary>
    public static IServiceCollection AddTweetStreamOpenTelemetry(this IServiceCollection services)
    {
        #region opentelemetry
        services.AddOpenTelemetry()
            .WithMetrics(m => m.AddMeter(TweetStreamTelemetry.MeterName))
            .WithTracing(t => t.AddSource(TweetStreamTelemetry.ActivitySourceName));
        #endregion
        return services;
    }
}
