using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.RegularExpressions;
using TweetStream.Pipeline;
using TweetStream.Tests.Support;

namespace TweetStream.Worker.Tests;

public sealed partial class GrafanaDashboardTests
{
    [Fact]
    public void The_grafana_dashboard_parses_and_queries_only_metrics_the_pipeline_emits()
    {
        var path = Path.Combine(TestPaths.RepositoryRoot, "deploy", "grafana", "tweetstream.json");
        using var dashboard = JsonDocument.Parse(File.ReadAllText(path));
        var queried = new HashSet<string>(StringComparer.Ordinal);
        foreach (var expr in Strings(dashboard.RootElement, "expr").Concat(Strings(dashboard.RootElement, "query")))
        {
            foreach (Match m in MetricName().Matches(expr))
            {
                queried.Add(m.Value);
            }
        }

        var emitted = EmittedPrometheusNames();
        Assert.Contains("tweetstream_items_received_total", emitted); // the listener saw the pipeline's instruments
        Assert.All(queried, name => Assert.True(emitted.Contains(name), $"the dashboard queries {name}, which no instrument emits"));

        // Rates, lag, retries, dead letters and redactions each have a panel.
        Assert.Superset(
            new HashSet<string>(StringComparer.Ordinal)
            {
                "tweetstream_items_received_total", "tweetstream_items_written_total", "tweetstream_items_deadlettered_total",
                "tweetstream_items_failed_total", "tweetstream_pii_redacted_total", "tweetstream_latency_milliseconds_bucket",
                "tweetstream_source_lag_milliseconds_bucket",
            },
            queried);
    }

    /// <summary>The names OpenTelemetry's Prometheus exporter gives the pipeline's instruments (checked against a real scrape in <see cref="MetricsEndpointTests"/>).</summary>
    internal static HashSet<string> EmittedPrometheusNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name != TweetStreamTelemetry.MeterName)
                {
                    return;
                }

                lock (names)
                {
                    var name = instrument.Name.Replace('.', '_') + (instrument.Unit == "ms" ? "_milliseconds" : string.Empty);
                    if (instrument.GetType().GetGenericTypeDefinition() == typeof(Counter<>))
                    {
                        names.Add(name + "_total");
                    }
                    else
                    {
                        names.UnionWith([name + "_bucket", name + "_sum", name + "_count"]);
                    }
                }
            },
        };
        listener.Start();

        // Building the runtime creates the instruments on the host's meter factory.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddTweetStream(p => p.SetSource(_ => new InMemorySource()).AddSink(_ => new CollectingSink()));
        using var host = builder.Build();
        _ = host.Services.GetRequiredService<ITweetStreamStatus>();
        lock (names)
        {
            return [.. names];
        }
    }

    private static IEnumerable<string> Strings(JsonElement element, string property)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    if (p.Name == property && p.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return p.Value.GetString()!;
                    }

                    foreach (var s in Strings(p.Value, property))
                    {
                        yield return s;
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var s in Strings(item, property))
                    {
                        yield return s;
                    }
                }

                break;
        }
    }

    [GeneratedRegex(@"\btweetstream_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
