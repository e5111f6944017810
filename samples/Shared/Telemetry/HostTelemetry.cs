using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace TweetStream.Samples;

/// <summary>
/// OpenTelemetry for the sample hosts: pipeline, runtime, ASP.NET Core and HttpClient metrics on a Prometheus
/// endpoint a machine can scrape, traces and metrics over OTLP when the standard <c>OTEL_EXPORTER_OTLP_*</c> variables
/// are set, and Cloud Logging's JSON console format (<c>Logging:Console:FormatterName=cloud</c>).
/// </summary>
internal static class HostTelemetry
{
    public const string MetricsPath = "/metrics";

    /// <summary>Wires OpenTelemetry and the console formatter.</summary>
    /// <param name="builder">The host builder.</param>
    /// <param name="serviceName">The <c>service.name</c> resource attribute.</param>
    /// <param name="web">Whether the host serves HTTP (adds the Prometheus exporter and ASP.NET Core instrumentation).</param>
    public static IHostApplicationBuilder AddHostTelemetry(this IHostApplicationBuilder builder, string serviceName, bool web)
    {
        builder.Logging.AddConsoleFormatter<CloudLoggingConsoleFormatter, CloudLoggingFormatterOptions>();
        builder.Services.PostConfigure<CloudLoggingFormatterOptions>(o =>
            o.ProjectId ??= GoogleProjectId(builder.Configuration));

        var otlp = OtlpConfigured(builder.Configuration);
        if (!web && !otlp)
        {
            // A batch run with nowhere to send telemetry: keep the pipeline's instruments unobserved (free).
            return builder;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(metrics =>
            {
                metrics.AddTweetStreamInstrumentation().AddRuntimeInstrumentation().AddHttpClientInstrumentation();
                if (web)
                {
                    metrics.AddAspNetCoreInstrumentation().AddPrometheusExporter();
                }
            });
        if (otlp)
        {
            // Spans only when they go somewhere: sampling them for nobody would cost the pipeline for nothing.
            telemetry.WithTracing(tracing =>
            {
                tracing.AddTweetStreamInstrumentation().AddHttpClientInstrumentation();
                if (web)
                {
                    tracing.AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path));
                }
            });
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// Adds the management port (<c>TweetStream:Telemetry:MetricsPort</c>) to the addresses Kestrel listens on, so
    /// Prometheus (or a Cloud Run sidecar) scrapes there while the public port stays the dashboard's.
    /// </summary>
    public static void ListenOnMetricsPort(this IWebHostBuilder webHost, IConfiguration configuration)
    {
        if (MetricsAccess.From(configuration).Port is not { } port)
        {
            return;
        }

        var urls = webHost.GetSetting(WebHostDefaults.ServerUrlsKey);
        var metrics = "http://0.0.0.0:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        webHost.UseSetting(WebHostDefaults.ServerUrlsKey, string.IsNullOrEmpty(urls) ? "http://0.0.0.0:8080;" + metrics : urls + ";" + metrics);
    }

    /// <summary>
    /// Serves <c>/metrics</c> (Prometheus text from the OpenTelemetry exporter) to a machine, never through the dashboard
    /// login: on the management port when one is configured, to a request bearing
    /// <c>TweetStream:Telemetry:MetricsBearerToken</c>, and, with neither configured, to loopback callers only.
    /// </summary>
    public static WebApplication MapHostMetrics(this WebApplication app)
    {
        var access = MetricsAccess.From(app.Configuration);
        app.Use((context, next) =>
        {
            if (context.Request.Path != MetricsPath || access.Allows(context))
            {
                return next(context);
            }

            if (access.Token is not null)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
            }

            return Task.CompletedTask;
        });
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Request.Path == MetricsPath);
        return app;
    }

    /// <summary>Whether the standard OTLP variables (or configuration keys of the same names) name an endpoint.</summary>
    public static bool OtlpConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
        || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"])
        || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]);

    private static string? GoogleProjectId(IConfiguration configuration) =>
        configuration["TweetStream:Telemetry:ProjectId"] is { Length: > 0 } p ? p
        : configuration["GOOGLE_CLOUD_PROJECT"] is { Length: > 0 } g ? g
        : configuration["TweetStream:PubSub:ProjectId"] is { Length: > 0 } s ? s
        : configuration["TweetStream:BigQuery:ProjectId"] is { Length: > 0 } b ? b
        : null;

    private static bool IsProbe(PathString path) => path == "/healthz" || path == "/readyz" || path == MetricsPath;

    /// <summary>Who may scrape <c>/metrics</c>.</summary>
    internal sealed class MetricsAccess
    {
        private readonly byte[]? _expected;

        private MetricsAccess(int? port, string? token)
        {
            Port = port;
            Token = token;
            _expected = token is null ? null : Encoding.UTF8.GetBytes("Bearer " + token);
        }

        public int? Port { get; }

        public string? Token { get; }

        public static MetricsAccess From(IConfiguration configuration)
        {
            var section = configuration.GetSection("TweetStream:Telemetry");
            var port = int.TryParse(section["MetricsPort"], System.Globalization.CultureInfo.InvariantCulture, out var p) && p > 0 ? p : (int?)null;
            var token = section["MetricsBearerToken"] is { Length: > 0 } t ? t : null;
            return new MetricsAccess(port, token);
        }

        public bool Allows(HttpContext context)
        {
            if (Port is { } port && context.Connection.LocalPort == port)
            {
                return true;
            }

            if (_expected is not null)
            {
                var presented = Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
                return CryptographicOperations.FixedTimeEquals(presented, _expected);
            }

            return Port is null && context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);
        }
    }
}
