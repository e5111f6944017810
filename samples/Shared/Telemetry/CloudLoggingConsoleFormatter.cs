using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace TweetStream.Samples;

/// <summary>Options of the <c>cloud</c> console formatter.</summary>
internal sealed class CloudLoggingFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>
    /// The Google Cloud project that owns the traces, for the <c>logging.googleapis.com/trace</c> field. Defaults to
    /// <c>TweetStream:Telemetry:ProjectId</c>, <c>GOOGLE_CLOUD_PROJECT</c>, then the Pub/Sub or BigQuery project.
    /// </summary>
    public string? ProjectId { get; set; }
}

/// <summary>
/// One JSON object per line in the shape Cloud Logging's agent (Cloud Run, GKE) reads from stdout: <c>severity</c>,
/// <c>message</c>, <c>time</c>, and the current span as <c>logging.googleapis.com/trace</c>, <c>spanId</c> and
/// <c>trace_sampled</c>, so a log line opens its trace.
/// </summary>
/// <remarks>
/// The structured values of the message go under <c>fields</c> (Cloud Logging indexes jsonPayload); like every log line of TweetStream they are ids, names, counts and reasons, never post content.
/// An exception's text follows the message (Error Reporting reads stack traces from there).
/// </remarks>
internal sealed class CloudLoggingConsoleFormatter : ConsoleFormatter, IDisposable
{
    public const string FormatterName = "cloud";

    private readonly IDisposable? _reload;
    private CloudLoggingFormatterOptions _options;

    public CloudLoggingConsoleFormatter(IOptionsMonitor<CloudLoggingFormatterOptions> options)
        : base(FormatterName)
    {
        _options = options.CurrentValue;
        _reload = options.OnChange(o => _options = o);
    }

    /// <summary>The clock for <c>time</c>; the console logger has none of its own.</summary>
    internal TimeProvider Time { get; set; } = TimeProvider.System;

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("severity", Severity(logEntry.LogLevel));
            json.WriteString("message", logEntry.Exception is null ? message : message + "\n" + logEntry.Exception);
            json.WriteString("time", Time.GetUtcNow());
            json.WriteString("category", logEntry.Category);
            if (logEntry.EventId.Id != 0)
            {
                json.WriteNumber("eventId", logEntry.EventId.Id);
            }

            if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
            {
                var trace = activity.TraceId.ToHexString();
                json.WriteString("logging.googleapis.com/trace", _options.ProjectId is { Length: > 0 } project ? $"projects/{project}/traces/{trace}" : trace);
                json.WriteString("logging.googleapis.com/spanId", activity.SpanId.ToHexString());
                json.WriteBoolean("logging.googleapis.com/trace_sampled", activity.Recorded);
            }

            if (logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> fields && fields.Count > 1)
            {
                json.WriteStartObject("fields");
                foreach (var (key, value) in fields)
                {
                    if (key == "{OriginalFormat}")
                    {
                        continue;
                    }

                    json.WriteString(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        textWriter.Write(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        textWriter.Write('\n');
    }

    public void Dispose() => _reload?.Dispose();

    // Cloud Logging's LogSeverity names.
    private static string Severity(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "CRITICAL",
        _ => "DEFAULT",
    };
}
