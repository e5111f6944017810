using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Samples;

namespace TweetStream.Worker.Tests;

public sealed class CloudLoggingFormatterTests
{
    [Fact]
    public void A_log_line_is_one_json_object_with_cloud_loggings_severity_message_and_trace_fields()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        using var formatter = new CloudLoggingConsoleFormatter(new FixedOptions(new CloudLoggingFormatterOptions { ProjectId = "my-project" })) { Time = time };
        using var activity = new Activity("batch").SetIdFormat(ActivityIdFormat.W3C).Start();
        var state = new List<KeyValuePair<string, object?>>
        {
            new("Count", 1100),
            new("Stage", "source:replay"),
            new("{OriginalFormat}", "Dead-lettered {Count} items at {Stage}"),
        };
        using var output = new StringWriter();

        formatter.Write(new LogEntry<List<KeyValuePair<string, object?>>>(LogLevel.Warning, "TweetStream.Pipeline.default", new EventId(4), state, null, (_, _) => "Dead-lettered 1100 items at source:replay"), null, output);

        var text = output.ToString();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.Single(text.TrimEnd('\n').Split('\n'));
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal("WARNING", root.GetProperty("severity").GetString());
        Assert.Equal("Dead-lettered 1100 items at source:replay", root.GetProperty("message").GetString());
        Assert.Equal("2026-12-02T10:00:00+00:00", root.GetProperty("time").GetString());
        Assert.Equal($"projects/my-project/traces/{activity.TraceId.ToHexString()}", root.GetProperty("logging.googleapis.com/trace").GetString());
        Assert.Equal(activity.SpanId.ToHexString(), root.GetProperty("logging.googleapis.com/spanId").GetString());
        Assert.Equal("1100", root.GetProperty("fields").GetProperty("Count").GetString());
        Assert.False(root.GetProperty("fields").TryGetProperty("{OriginalFormat}", out _));
    }

    [Fact]
    public void Errors_carry_the_exception_after_the_message_and_lines_without_a_span_carry_no_trace()
    {
        using var formatter = new CloudLoggingConsoleFormatter(new FixedOptions(new CloudLoggingFormatterOptions()));
        Activity.Current = null;
        using var output = new StringWriter();

        formatter.Write(new LogEntry<string>(LogLevel.Error, "c", default, "state", new InvalidOperationException("boom"), (s, _) => "Source x failed"), null, output);

        using var json = JsonDocument.Parse(output.ToString());
        Assert.Equal("ERROR", json.RootElement.GetProperty("severity").GetString());
        Assert.StartsWith("Source x failed\nSystem.InvalidOperationException: boom", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(json.RootElement.TryGetProperty("logging.googleapis.com/trace", out _));
    }

    private sealed class FixedOptions(CloudLoggingFormatterOptions value) : IOptionsMonitor<CloudLoggingFormatterOptions>
    {
        public CloudLoggingFormatterOptions CurrentValue => value;

        public CloudLoggingFormatterOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<CloudLoggingFormatterOptions, string?> listener) => null;
    }
}
