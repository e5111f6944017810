using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TweetStream.Gcp.Tests.Support;

/// <summary>
/// A strict Cloud DLP v2 REST double on 127.0.0.1 (Kestrel, port 0) for <c>content:deidentify</c>: validates bodies
/// against the discovery schemas, rejects unknown infoTypes and more than one transformation per infoType, enforces the
/// request size, value, transformation and findings limits and a per-minute quota on its clock, injects faults, and
/// answers like DLP: the table transformed in place and an overview of counts per infoType.
/// </summary>
/// <remarks>
/// Detection is simple pattern matching, one detector per built-in infoType (only the types asked for run), each with a
/// fixed likelihood so <c>minLikelihood</c> matters. Like DLP, findings past the per-request cap are not transformed.
/// </remarks>
public sealed partial class DlpTestServer : IAsyncDisposable
{
    public const int MaxValues = 50_000;
    public const int MaxTransformations = 100;

    private static readonly string[] Likelihoods = ["VERY_UNLIKELY", "UNLIKELY", "POSSIBLE", "LIKELY", "VERY_LIKELY"];

    private static readonly Dictionary<string, (Regex Pattern, string Likelihood)> Detectors = new(StringComparer.Ordinal)
    {
        ["EMAIL_ADDRESS"] = (new Regex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", RegexOptions.CultureInvariant), "VERY_LIKELY"),
        ["PHONE_NUMBER"] = (new Regex(@"(?:\+44\s?7\d{3}|\b07\d{3})\s?\d{3}\s?\d{3}\b", RegexOptions.CultureInvariant), "LIKELY"),
        ["CREDIT_CARD_NUMBER"] = (new Regex(@"\b(?:\d{4}[ -]?){3}\d{4}\b", RegexOptions.CultureInvariant), "LIKELY"),
        ["IBAN_CODE"] = (new Regex(@"\bGB\d{2}\s?[A-Z]{4}(?:\s?\d{4}){3}\s?\d{2}\b", RegexOptions.CultureInvariant), "VERY_LIKELY"),
        ["UK_NATIONAL_INSURANCE_NUMBER"] = (new Regex(@"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", RegexOptions.CultureInvariant), "LIKELY"),
        ["UK_NATIONAL_HEALTH_SERVICE_NUMBER"] = (new Regex(@"\b\d{3} \d{3} \d{4}\b", RegexOptions.CultureInvariant), "POSSIBLE"),
        ["UK_DRIVERS_LICENSE_NUMBER"] = (new Regex(@"\b[A-Z9]{5}\d{6}[A-Z9]{2}\d[A-Z]{2}\b", RegexOptions.CultureInvariant), "LIKELY"),
        ["UK_PASSPORT"] = (new Regex(@"\bpassport (?:no\.? )?(\d{9})\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase), "POSSIBLE"),
        ["IP_ADDRESS"] = (new Regex(@"\b(?:\d{1,3}\.){3}\d{1,3}\b", RegexOptions.CultureInvariant), "LIKELY"),
        ["PERSON_NAME"] = (new Regex(@"\b(?:Alice Smith|Bob Jones|Priya Patel|Oliver Brown)\b", RegexOptions.CultureInvariant), "POSSIBLE"),
        ["STREET_ADDRESS"] = (new Regex(@"\b\d{1,4} [A-Z][a-z]+ (?:Street|Road|Lane|Avenue)\b", RegexOptions.CultureInvariant), "LIKELY"),
        ["DATE_OF_BIRTH"] = (new Regex(@"\b(?:DOB|date of birth|born(?: on)?)\W{0,3}(\d{1,2}/\d{1,2}/\d{2,4})\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase), "LIKELY"),
        ["URL"] = (new Regex(@"https?://\S+", RegexOptions.CultureInvariant), "LIKELY"),
    };

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly Queue<long> _recent = new();
    private readonly ConcurrentQueue<Fault> _faults = new();
    private int _passBeforeFaults;

    private DlpTestServer(WebApplication app, TimeProvider time)
    {
        _app = app;
        Time = time;
    }

    public TimeProvider Time { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Largest request body accepted (uncompressed JSON). Default 500,000 (DLP: 0.5 MB).</summary>
    public int MaxRequestBytes { get; set; } = 500_000;

    /// <summary>Findings transformed per request; the rest stay as they were (DLP: 3,000).</summary>
    public int MaxFindingsPerRequest { get; set; } = 3000;

    /// <summary>Requests accepted per 60 s window on <see cref="Time"/>; more answer 429. Default 600.</summary>
    public int QuotaPerMinute { get; set; } = 600;

    public static async Task<DlpTestServer> StartAsync(TimeProvider? time = null)
    {
        var app = GoogleApiDouble.Create(16 * 1024 * 1024);
        var server = new DlpTestServer(app, time ?? TimeProvider.System);
        server.BaseAddress = new Uri(await GoogleApiDouble.StartAsync(app, server.HandleAsync));
        return server;
    }

    public ValueTask DisposeAsync() => GoogleApiDouble.StopAsync(_app);

    /// <summary>Queues faults for the next deidentify requests, in order, after letting <paramref name="afterRequests"/> through.</summary>
    public void InjectFault(Fault fault, int times = 1, int afterRequests = 0)
    {
        Volatile.Write(ref _passBeforeFaults, afterRequests);
        for (var i = 0; i < times; i++)
        {
            _faults.Enqueue(fault);
        }
    }

    public IEnumerable<RecordedRequest> DeidentifyRequests => Requests.Where(r => r.Operation == "deidentify");

    /// <summary>Rows of a recorded request body.</summary>
    public static int RowCount(RecordedRequest request) =>
        request.Body is { } body && body.TryGetProperty("item", out var item) && item.TryGetProperty("table", out var table) && table.TryGetProperty("rows", out var rows)
            ? rows.GetArrayLength()
            : 0;

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        var match = PathPattern().Match(path);
        var operation = match.Success && request.Method == "POST" ? "deidentify" : "unknown";
        var body = await GoogleApiDouble.ReadBodyAsync(request);

        JsonElement? json = null;
        var status = 500;
        var responseBody = "{}";
        try
        {
            if (Interlocked.Decrement(ref _passBeforeFaults) < 0 && _faults.TryDequeue(out var fault))
            {
                if (await GoogleApiDouble.ApplyFaultAsync(context, fault) is { } injected)
                {
                    (status, responseBody) = injected;
                    return;
                }
            }

            if (operation == "unknown")
            {
                (status, responseBody) = Error(404, "NOT_FOUND", $"No method {request.Method} {path}");
                return;
            }

            if (!request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal))
            {
                (status, responseBody) = Error(401, "UNAUTHENTICATED", "Request is missing required authentication credential.");
                return;
            }

            if (!TakeQuota())
            {
                (status, responseBody) = Error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Number of requests' and limit 'per minute'.", "rateLimitExceeded");
                return;
            }

            if (!(request.ContentType ?? string.Empty).StartsWith("application/json", StringComparison.Ordinal))
            {
                (status, responseBody) = Error(400, "INVALID_ARGUMENT", "Content-Type must be application/json");
                return;
            }

            if (body.Length > MaxRequestBytes)
            {
                (status, responseBody) = Error(400, "INVALID_ARGUMENT", $"Request size {body.Length} exceeds the limit of {MaxRequestBytes} bytes.");
                return;
            }

            try
            {
                json = JsonDocument.Parse(body).RootElement.Clone();
            }
            catch (JsonException)
            {
                (status, responseBody) = Error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
                return;
            }

            (status, responseBody) = Deidentify(json.Value);
        }
        finally
        {
            Requests.Enqueue(GoogleApiDouble.Record(request, operation, path, body.Length, status, json));
            await GoogleApiDouble.RespondAsync(context, status, responseBody);
        }
    }

    private bool TakeQuota()
    {
        lock (_gate)
        {
            var now = Time.GetTimestamp();
            while (_recent.Count > 0 && Time.GetElapsedTime(_recent.Peek(), now) >= TimeSpan.FromMinutes(1))
            {
                _recent.Dequeue();
            }

            if (_recent.Count >= QuotaPerMinute)
            {
                return false;
            }

            _recent.Enqueue(now);
            return true;
        }
    }

    private (int, string) Deidentify(JsonElement body)
    {
        if (DiscoverySchemas.Dlp.Validate("GooglePrivacyDlpV2DeidentifyContentRequest", body) is { } invalid)
        {
            return Error(400, "INVALID_ARGUMENT", invalid);
        }

        if (!body.TryGetProperty("item", out var item) || item.EnumerateObject().Count() != 1)
        {
            return Error(400, "INVALID_ARGUMENT", "item must set exactly one of value, table or byteItem.");
        }

        if (body.TryGetProperty("deidentifyTemplateName", out _) || body.TryGetProperty("inspectTemplateName", out _))
        {
            return Error(400, "INVALID_ARGUMENT", "Templates are not supported by this double.");
        }

        // Which detectors run, with which likelihood.
        var detectors = new Dictionary<string, (Regex Pattern, string Likelihood)>(StringComparer.Ordinal);
        var minLikelihood = "POSSIBLE";
        if (body.TryGetProperty("inspectConfig", out var inspect))
        {
            if (inspect.TryGetProperty("minLikelihood", out var ml) && ml.GetString() != "LIKELIHOOD_UNSPECIFIED")
            {
                minLikelihood = ml.GetString()!;
            }

            foreach (var type in inspect.TryGetProperty("infoTypes", out var types) ? types.EnumerateArray() : default)
            {
                var name = type.TryGetProperty("name", out var n) ? n.GetString() ?? string.Empty : string.Empty;
                if (!Detectors.TryGetValue(name, out var detector))
                {
                    return Error(400, "INVALID_ARGUMENT", $"Invalid built-in info type name \"{name}\".");
                }

                detectors[name] = detector;
            }

            foreach (var custom in inspect.TryGetProperty("customInfoTypes", out var customs) ? customs.EnumerateArray() : default)
            {
                var name = custom.GetProperty("infoType").GetProperty("name").GetString()!;
                if (Detectors.ContainsKey(name) || detectors.ContainsKey(name))
                {
                    return Error(400, "INVALID_ARGUMENT", $"Custom info type name \"{name}\" collides with a built-in or repeated info type.");
                }

                if (!custom.TryGetProperty("regex", out var regex) || !regex.TryGetProperty("pattern", out var pattern))
                {
                    return Error(400, "INVALID_ARGUMENT", $"Custom info type \"{name}\" needs a regex (the only kind this double supports).");
                }

                Regex compiled;
                try
                {
                    compiled = new Regex(pattern.GetString()!, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                }
                catch (ArgumentException ex)
                {
                    return Error(400, "INVALID_ARGUMENT", $"Invalid regular expression for \"{name}\": {ex.Message}");
                }

                // groupIndexes picks the submatch that is the finding; without it the whole match is.
                var groups = regex.TryGetProperty("groupIndexes", out var gi) ? gi.EnumerateArray().Select(g => g.GetInt32()).ToList() : [];
                if (groups.Count > 3 || groups.Any(g => g < 0 || g >= compiled.GetGroupNumbers().Length))
                {
                    return Error(400, "INVALID_ARGUMENT", $"Invalid groupIndexes for \"{name}\".");
                }

                if (groups.Count == 0)
                {
                    compiled = new Regex("(" + compiled + ")", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                }
                else if (groups[0] != 1)
                {
                    return Error(400, "INVALID_ARGUMENT", $"This double supports groupIndexes [1] only (\"{name}\").");
                }

                detectors[name] = (compiled, custom.TryGetProperty("likelihood", out var l) ? l.GetString()! : "VERY_LIKELY");
            }
        }

        if (detectors.Count == 0)
        {
            return Error(400, "INVALID_ARGUMENT", "This double needs inspectConfig.infoTypes: without them DLP uses a default set that changes over time.");
        }

        // Transformations: one per infoType at most, each a replace or replace-with-infoType.
        if (!body.TryGetProperty("deidentifyConfig", out var deid) || !deid.TryGetProperty("infoTypeTransformations", out var itt))
        {
            return Error(400, "INVALID_ARGUMENT", "This double supports deidentifyConfig.infoTypeTransformations only.");
        }

        var transformations = itt.GetProperty("transformations");
        if (transformations.GetArrayLength() == 0 || transformations.GetArrayLength() > MaxTransformations)
        {
            return Error(400, "INVALID_ARGUMENT", $"Between 1 and {MaxTransformations} transformations are allowed.");
        }

        var replacement = new Dictionary<string, string?>(StringComparer.Ordinal); // null value: [INFO_TYPE]
        string? replaceAll = null;
        var hasReplaceAll = false;
        foreach (var t in transformations.EnumerateArray())
        {
            var primitive = t.GetProperty("primitiveTransformation");
            string? newValue;
            if (primitive.TryGetProperty("replaceWithInfoTypeConfig", out _))
            {
                newValue = null;
            }
            else if (primitive.TryGetProperty("replaceConfig", out var rc) && rc.TryGetProperty("newValue", out var nv) && nv.TryGetProperty("stringValue", out var sv))
            {
                newValue = sv.GetString();
            }
            else
            {
                return Error(400, "INVALID_ARGUMENT", "This double supports replaceConfig (string) and replaceWithInfoTypeConfig only.");
            }

            var types = t.TryGetProperty("infoTypes", out var list) ? list.EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToList() : [];
            if (types.Count == 0)
            {
                if (hasReplaceAll)
                {
                    return Error(400, "INVALID_ARGUMENT", "Only one transformation may apply to all info types.");
                }

                hasReplaceAll = true;
                replaceAll = newValue;
                continue;
            }

            foreach (var type in types)
            {
                if (!detectors.ContainsKey(type))
                {
                    return Error(400, "INVALID_ARGUMENT", $"Transformation references info type \"{type}\" that is not inspected.");
                }

                if (!replacement.TryAdd(type, newValue))
                {
                    return Error(400, "INVALID_ARGUMENT", $"Info type \"{type}\" has more than one transformation.");
                }
            }
        }

        JsonObject responseItem;
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var findings = 0;
        var transformedBytes = 0L;
        string Transform(string text)
        {
            var (result, used) = Redact(text, detectors, minLikelihood, replacement, hasReplaceAll, replaceAll, counts, MaxFindingsPerRequest - findings, ref transformedBytes);
            findings += used;
            return result;
        }

        if (item.TryGetProperty("value", out var value))
        {
            responseItem = new JsonObject { ["value"] = Transform(value.GetString() ?? string.Empty) };
        }
        else if (item.TryGetProperty("table", out var table))
        {
            var rows = table.TryGetProperty("rows", out var r) ? r : default;
            var headers = table.TryGetProperty("headers", out var h) ? h.GetArrayLength() : 0;
            var values = rows.ValueKind == JsonValueKind.Array ? rows.EnumerateArray().Sum(row => row.TryGetProperty("values", out var v) ? v.GetArrayLength() : 0) : 0;
            if (values > MaxValues)
            {
                return Error(400, "INVALID_ARGUMENT", $"Too many table values: {values} (limit {MaxValues}).");
            }

            var outRows = new JsonArray();
            foreach (var row in rows.ValueKind == JsonValueKind.Array ? rows.EnumerateArray() : default)
            {
                var cells = row.GetProperty("values");
                if (cells.GetArrayLength() != headers)
                {
                    return Error(400, "INVALID_ARGUMENT", "Every row must have one value per header.");
                }

                var outCells = new JsonArray();
                foreach (var cell in cells.EnumerateArray())
                {
                    outCells.Add(cell.TryGetProperty("stringValue", out var s)
                        ? new JsonObject { ["stringValue"] = Transform(s.GetString()!) }
                        : JsonNode.Parse(cell.GetRawText()));
                }

                outRows.Add(new JsonObject { ["values"] = outCells });
            }

            responseItem = new JsonObject { ["table"] = new JsonObject { ["headers"] = JsonNode.Parse(table.GetProperty("headers").GetRawText()), ["rows"] = outRows } };
        }
        else
        {
            return Error(400, "INVALID_ARGUMENT", "byteItem is not supported by this double.");
        }

        var summaries = new JsonArray();
        foreach (var (type, count) in counts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            summaries.Add(new JsonObject
            {
                ["infoType"] = new JsonObject { ["name"] = type },
                ["field"] = new JsonObject { ["name"] = "text" },
                ["results"] = new JsonArray(new JsonObject { ["code"] = "SUCCESS", ["count"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
            });
        }

        var response = new JsonObject
        {
            ["item"] = responseItem,
            ["overview"] = new JsonObject
            {
                ["transformedBytes"] = transformedBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["transformationSummaries"] = summaries,
            },
        };
        return (200, response.ToJsonString());
    }

    private static (string Text, int Findings) Redact(
        string text,
        Dictionary<string, (Regex Pattern, string Likelihood)> detectors,
        string minLikelihood,
        Dictionary<string, string?> replacement,
        bool hasReplaceAll,
        string? replaceAll,
        Dictionary<string, long> counts,
        int budget,
        ref long transformedBytes)
    {
        var min = Array.IndexOf(Likelihoods, minLikelihood);
        var spans = new List<(int Start, int End, string Type)>();
        foreach (var (type, (pattern, likelihood)) in detectors)
        {
            if (Array.IndexOf(Likelihoods, likelihood) < min)
            {
                continue;
            }

            foreach (Match m in pattern.Matches(text))
            {
                var g = m.Groups.Count > 1 && m.Groups[1].Success ? m.Groups[1] : (Group)m;
                spans.Add((g.Index, g.Index + g.Length, type));
            }
        }

        // Longest first, then earliest; overlapping findings are dropped like DLP's overlap resolution.
        spans.Sort((a, b) => (b.End - b.Start) != (a.End - a.Start) ? (b.End - b.Start).CompareTo(a.End - a.Start) : a.Start.CompareTo(b.Start));
        var taken = new List<(int Start, int End, string Type)>();
        foreach (var s in spans)
        {
            if (taken.Count < budget && !taken.Any(t => t.Start < s.End && s.Start < t.End))
            {
                taken.Add(s);
            }
        }

        taken.Sort((a, b) => a.Start.CompareTo(b.Start));
        var builder = new StringBuilder(text.Length);
        var last = 0;
        foreach (var (start, end, type) in taken)
        {
            var newValue = replacement.TryGetValue(type, out var v) ? v : hasReplaceAll ? replaceAll : text[start..end];
            if (!replacement.ContainsKey(type) && !hasReplaceAll)
            {
                continue; // inspected but not transformed
            }

            builder.Append(text, last, start - last).Append(newValue ?? "[" + type + "]");
            last = end;
            counts[type] = counts.GetValueOrDefault(type) + 1;
            transformedBytes += Encoding.UTF8.GetByteCount(text.AsSpan(start, end - start));
        }

        builder.Append(text, last, text.Length - last);
        return (builder.ToString(), taken.Count);
    }

    private static (int, string) Error(int status, string statusName, string message, string? reason = null) =>
        GoogleApiDouble.Error(status, statusName, message, reason);

    [GeneratedRegex(@"^/v2/projects/[^/]+(?:/locations/[^/]+)?/content:deidentify$")]
    private static partial Regex PathPattern();
}
