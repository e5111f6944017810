using System.Collections.Concurrent;
using System.Globalization;
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
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using TweetStream.Gcp.BigQuery;
using TweetStream.Tests.Support;

namespace TweetStream.Gcp.Tests.Support;

/// <summary>What the next load job does instead of completing at once.</summary>
/// <param name="PollsBeforeDone">jobs.get answers RUNNING this many times first.</param>
/// <param name="ErrorResult">The job fails with this reason (<c>status.errorResult</c>).</param>
/// <param name="Warnings">The job succeeds with these reasons in <c>status.errors</c>.</param>
/// <param name="Hold">The job stays RUNNING until <see cref="BigQueryTestServer.ReleaseJobs"/>.</param>
public sealed record LoadJobPlan(int PollsBeforeDone = 0, string? ErrorResult = null, string[]? Warnings = null, bool Hold = false);

/// <summary>A table as the double stores it.</summary>
public sealed class BqTestTable
{
    public required JsonObject Resource { get; init; }

    public List<JsonObject> Rows { get; } = [];

    public JsonArray Fields => Resource["schema"]!["fields"]!.AsArray();
}

/// <summary>
/// A strict BigQuery v2 REST double on 127.0.0.1 (Kestrel, port 0). It validates request bodies against the discovery
/// schemas, enforces the documented limits (10,485,760-byte insertAll payload, 50,000 rows), checks rows against the table
/// schema (unknown fields, types, required columns), deduplicates insertIds within a minute on its clock, runs load jobs
/// from multipart uploads (atomic, maxBadRecords 0; 409 for a repeated job id), and answers jobs.query for exactly the
/// statements <see cref="BigQuerySql"/> emits — recognised by their text, with every scan of a table required to filter
/// <c>created_at</c> — applying the named parameters to what was inserted. Faults are injected per operation.
/// </summary>
public sealed partial class BigQueryTestServer : IAsyncDisposable
{
    public const int MaxInsertAllBytes = 10_485_760;
    public const int MaxInsertAllRows = 50_000;

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, JsonObject> _datasets = [];
    private readonly Dictionary<string, BqTestTable> _tables = [];
    private readonly Dictionary<string, DateTimeOffset> _insertIds = [];
    private readonly Dictionary<string, JobState> _jobs = [];
    private readonly Dictionary<string, QueryState> _queries = [];
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Fault>> _faults = new();
    private readonly ConcurrentQueue<LoadJobPlan> _loadPlans = new();
    private bool _released;

    private BigQueryTestServer(WebApplication app, TimeProvider time)
    {
        _app = app;
        Time = time;
    }

    public TimeProvider Time { get; }

    /// <summary>The JSON API base (<c>http://127.0.0.1:port/bigquery/v2/</c>).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>The bytes of each load upload's media part (the NDJSON file), in arrival order.</summary>
    public ConcurrentQueue<long> UploadedFileBytes { get; } = new();

    /// <summary>jobs.query answers <c>jobComplete: false</c> this many times (then getQueryResults does, until it reaches 0).</summary>
    public int IncompleteQueryPolls { get; set; }

    /// <summary>The next this-many insertAll requests are applied and then answered 503 backendError (the client cannot tell).</summary>
    public int InsertAllFailAfterCommit { get; set; }

    /// <summary>Most rows per query response page regardless of maxResults (forces pageToken paging).</summary>
    public int MaxRowsPerPage { get; set; } = int.MaxValue;

    public static async Task<BigQueryTestServer> StartAsync(TimeProvider? time = null)
    {
        var app = GoogleApiDouble.Create(64 * 1024 * 1024);
        var server = new BigQueryTestServer(app, time ?? TimeProvider.System);
        server.BaseAddress = new Uri(await GoogleApiDouble.StartAsync(app, server.HandleAsync) + "bigquery/v2/");
        return server;
    }

    public ValueTask DisposeAsync() => GoogleApiDouble.StopAsync(_app);

    /// <summary>Queues a fault for the next request of <paramref name="operation"/> (insertAll, upload, jobs.get, query, getQueryResults, datasets.get/insert, tables.get/insert/patch).</summary>
    public void InjectFault(string operation, Fault fault, int times = 1)
    {
        var queue = _faults.GetOrAdd(operation, _ => new ConcurrentQueue<Fault>());
        for (var i = 0; i < times; i++)
        {
            queue.Enqueue(fault);
        }
    }

    /// <summary>Drops the faults still queued for <paramref name="operation"/>: the end of an outage.</summary>
    public void ClearFaults(string operation) => _faults.TryRemove(operation, out _);

    /// <summary>The next load job follows <paramref name="plan"/>.</summary>
    public void PlanLoadJob(LoadJobPlan plan) => _loadPlans.Enqueue(plan);

    /// <summary>Held jobs finish on their next jobs.get.</summary>
    public void ReleaseJobs()
    {
        lock (_gate)
        {
            _released = true;
        }
    }

    /// <summary>Creates a table directly (a table some earlier version or a person made).</summary>
    public void CreateTable(string project, string dataset, string table, string tableJson)
    {
        lock (_gate)
        {
            _datasets.TryAdd($"{project}:{dataset}", new JsonObject());
            var resource = JsonNode.Parse(tableJson)!.AsObject();
            resource["tableReference"] = new JsonObject { ["projectId"] = project, ["datasetId"] = dataset, ["tableId"] = table };
            _tables[$"{project}:{dataset}.{table}"] = new BqTestTable { Resource = resource };
        }
    }

    public BqTestTable? Table(string project, string dataset, string table)
    {
        lock (_gate)
        {
            return _tables.GetValueOrDefault($"{project}:{dataset}.{table}");
        }
    }

    public bool DatasetExists(string project, string dataset)
    {
        lock (_gate)
        {
            return _datasets.ContainsKey($"{project}:{dataset}");
        }
    }

    /// <summary>Rows of a table (copies).</summary>
    public List<JsonObject> Rows(string project, string dataset, string table)
    {
        lock (_gate)
        {
            return _tables.TryGetValue($"{project}:{dataset}.{table}", out var t) ? [.. t.Rows.Select(r => r.DeepClone().AsObject())] : [];
        }
    }

    public int Count(string operation) => Requests.Count(r => r.Operation == operation);

    /// <summary>Job ids of the load jobs created, in order.</summary>
    public ConcurrentQueue<string> LastJobIds { get; } = new();

    /// <summary>Waits until <paramref name="condition"/> holds, with the shared safety net against a hang.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what) => Patience.UntilAsync(condition, what);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        var (operation, match) = Route(request.Method, path);
        var body = await GoogleApiDouble.ReadBodyAsync(request);

        JsonElement? json = null;
        var status = 200;
        string? responseBody = null;
        try
        {
            if (_faults.TryGetValue(operation, out var queue) && queue.TryDequeue(out var fault))
            {
                if (await GoogleApiDouble.ApplyFaultAsync(context, fault) is { } injected)
                {
                    (status, responseBody) = injected;
                    return;
                }
            }

            if (operation == "unknown")
            {
                (status, responseBody) = Error(404, "NOT_FOUND", $"No method {request.Method} {path}", "notFound");
                return;
            }

            if (operation == "upload")
            {
                (status, responseBody) = await UploadAsync(match.Groups["project"].Value, request, body);
                return;
            }

            if (request.Method is "POST" or "PATCH" or "PUT")
            {
                if (!(request.ContentType ?? string.Empty).StartsWith("application/json", StringComparison.Ordinal))
                {
                    (status, responseBody) = Error(400, "INVALID_ARGUMENT", "Content-Type must be application/json", "invalid");
                    return;
                }

                try
                {
                    json = JsonDocument.Parse(body).RootElement.Clone();
                }
                catch (JsonException)
                {
                    (status, responseBody) = Error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.", "parseError");
                    return;
                }
            }

            var project = match.Groups["project"].Value;
            var dataset = match.Groups["dataset"].Value;
            var table = match.Groups["table"].Value;
            var id = match.Groups["id"].Value;
            (status, responseBody) = operation switch
            {
                "datasets.get" => GetDataset(project, dataset),
                "datasets.insert" => InsertDataset(project, json!.Value),
                "tables.get" => GetTable(project, dataset, table),
                "tables.insert" => InsertTable(project, dataset, json!.Value),
                "tables.patch" => PatchTable(project, dataset, table, json!.Value),
                "insertAll" => FailAfterCommit(InsertAll(project, dataset, table, json!.Value, body.Length)),
                "jobs.get" => GetJob(project, id, request.Query["location"].ToString()),
                "query" => Query(project, json!.Value),
                "getQueryResults" => GetQueryResults(id, request.Query),
                _ => Error(404, "NOT_FOUND", "unrouted", "notFound"),
            };
        }
        finally
        {
            Requests.Enqueue(GoogleApiDouble.Record(request, operation, path + request.QueryString, body.Length, status, json));
            await GoogleApiDouble.RespondAsync(context, status, responseBody);
        }
    }

    private static (string Operation, Match Match) Route(string method, string path)
    {
        var upload = UploadPattern().Match(path);
        if (upload.Success)
        {
            return (method == "POST" ? "upload" : "unknown", upload);
        }

        foreach (var (pattern, verb, op) in Routes)
        {
            if (verb == method && pattern.Match(path) is { Success: true } m)
            {
                return (op, m);
            }
        }

        return ("unknown", Match.Empty);
    }

    private const string Project = "^/bigquery/v2/projects/(?<project>[^/]+)";

    private static readonly (Regex Pattern, string Method, string Operation)[] Routes =
    [
        (new Regex(Project + "/datasets$"), "POST", "datasets.insert"),
        (new Regex(Project + "/datasets/(?<dataset>[^/]+)$"), "GET", "datasets.get"),
        (new Regex(Project + "/datasets/(?<dataset>[^/]+)/tables$"), "POST", "tables.insert"),
        (new Regex(Project + "/datasets/(?<dataset>[^/]+)/tables/(?<table>[^/]+)$"), "GET", "tables.get"),
        (new Regex(Project + "/datasets/(?<dataset>[^/]+)/tables/(?<table>[^/]+)$"), "PATCH", "tables.patch"),
        (new Regex(Project + "/datasets/(?<dataset>[^/]+)/tables/(?<table>[^/]+)/insertAll$"), "POST", "insertAll"),
        (new Regex(Project + "/jobs/(?<id>[^/]+)$"), "GET", "jobs.get"),
        (new Regex(Project + "/queries$"), "POST", "query"),
        (new Regex(Project + "/queries/(?<id>[^/]+)$"), "GET", "getQueryResults"),
    ];

    private (int, string) GetDataset(string project, string dataset)
    {
        lock (_gate)
        {
            return _datasets.TryGetValue($"{project}:{dataset}", out var d)
                ? (200, d.ToJsonString())
                : Error(404, "NOT_FOUND", $"Not found: Dataset {project}:{dataset}", "notFound");
        }
    }

    private (int, string) InsertDataset(string project, JsonElement body)
    {
        if (DiscoverySchemas.BigQuery.Validate("Dataset", body) is { } invalid)
        {
            return Error(400, "INVALID_ARGUMENT", invalid, "invalid");
        }

        var reference = body.GetProperty("datasetReference");
        var dataset = reference.GetProperty("datasetId").GetString()!;
        if (reference.TryGetProperty("projectId", out var p) && p.GetString() != project)
        {
            return Error(400, "INVALID_ARGUMENT", "projectId in the body does not match the path", "invalid");
        }

        lock (_gate)
        {
            if (!_datasets.TryAdd($"{project}:{dataset}", JsonNode.Parse(body.GetRawText())!.AsObject()))
            {
                return Error(409, "ALREADY_EXISTS", $"Already Exists: Dataset {project}:{dataset}", "duplicate");
            }
        }

        return (200, body.GetRawText());
    }

    private (int, string) GetTable(string project, string dataset, string table)
    {
        lock (_gate)
        {
            return _tables.TryGetValue($"{project}:{dataset}.{table}", out var t)
                ? (200, t.Resource.ToJsonString())
                : Error(404, "NOT_FOUND", $"Not found: Table {project}:{dataset}.{table}", "notFound");
        }
    }

    private (int, string) InsertTable(string project, string dataset, JsonElement body)
    {
        if (DiscoverySchemas.BigQuery.Validate("Table", body) is { } invalid)
        {
            return Error(400, "INVALID_ARGUMENT", invalid, "invalid");
        }

        var reference = body.GetProperty("tableReference");
        var table = reference.GetProperty("tableId").GetString()!;
        if (reference.GetProperty("datasetId").GetString() != dataset || reference.GetProperty("projectId").GetString() != project)
        {
            return Error(400, "INVALID_ARGUMENT", "tableReference does not match the path", "invalid");
        }

        var resource = JsonNode.Parse(body.GetRawText())!.AsObject();
        if (CheckTableDefinition(resource) is { } error)
        {
            return Error(400, "INVALID_ARGUMENT", error, "invalid");
        }

        lock (_gate)
        {
            if (!_datasets.ContainsKey($"{project}:{dataset}"))
            {
                return Error(404, "NOT_FOUND", $"Not found: Dataset {project}:{dataset}", "notFound");
            }

            if (!_tables.TryAdd($"{project}:{dataset}.{table}", new BqTestTable { Resource = resource }))
            {
                return Error(409, "ALREADY_EXISTS", $"Already Exists: Table {project}:{dataset}.{table}", "duplicate");
            }
        }

        return (200, resource.ToJsonString());
    }

    /// <summary>Partitioning field must be a top-level TIMESTAMP/DATE column; clustering at most 4 top-level non-repeated simple columns.</summary>
    private static string? CheckTableDefinition(JsonObject resource)
    {
        var fields = resource["schema"]?["fields"]?.AsArray() ?? [];
        var byName = fields.ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!.AsObject(), StringComparer.OrdinalIgnoreCase);
        if (resource["timePartitioning"] is JsonObject partitioning)
        {
            var type = partitioning["type"]?.GetValue<string>();
            if (type is not ("DAY" or "HOUR" or "MONTH" or "YEAR"))
            {
                return $"Invalid time partitioning type {type}";
            }

            if (partitioning["field"]?.GetValue<string>() is { } field
                && (!byName.TryGetValue(field, out var column) || column["type"]!.GetValue<string>() is not ("TIMESTAMP" or "DATE" or "DATETIME") || Mode(column) == "REPEATED"))
            {
                return $"The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: {(byName.TryGetValue(field, out var c) ? c["type"] : "missing")}.";
            }
        }

        if (resource["clustering"]?["fields"]?.AsArray() is { } clustering)
        {
            if (clustering.Count > 4)
            {
                return "Too many clustering fields: " + clustering.Count + ", only 4 are allowed.";
            }

            foreach (var name in clustering.Select(n => n!.GetValue<string>()))
            {
                if (!byName.TryGetValue(name, out var column) || Mode(column) == "REPEATED" || column["type"]!.GetValue<string>() is "RECORD" or "STRUCT" or "JSON")
                {
                    return $"The field '{name}' cannot be used for clustering.";
                }
            }
        }

        return null;
    }

    private (int, string) PatchTable(string project, string dataset, string table, JsonElement body)
    {
        if (DiscoverySchemas.BigQuery.Validate("Table", body, "tableReference") is { } invalid)
        {
            return Error(400, "INVALID_ARGUMENT", invalid, "invalid");
        }

        lock (_gate)
        {
            if (!_tables.TryGetValue($"{project}:{dataset}.{table}", out var t))
            {
                return Error(404, "NOT_FOUND", $"Not found: Table {project}:{dataset}.{table}", "notFound");
            }

            if (body.TryGetProperty("schema", out var schema))
            {
                var newFields = schema.GetProperty("fields").EnumerateArray().ToList();
                var old = t.Fields.Select(f => f!.AsObject()).ToList();
                for (var i = 0; i < old.Count; i++)
                {
                    if (i >= newFields.Count || newFields[i].GetProperty("name").GetString() != old[i]["name"]!.GetValue<string>()
                        || newFields[i].GetProperty("type").GetString() != old[i]["type"]!.GetValue<string>()
                        || ModeOf(newFields[i]) != Mode(old[i]))
                    {
                        return Error(400, "INVALID_ARGUMENT", $"Provided Schema does not match Table {project}:{dataset}.{table}. Field {old[i]["name"]} has changed or is missing.", "invalid");
                    }
                }

                foreach (var added in newFields.Skip(old.Count))
                {
                    if (ModeOf(added) == "REQUIRED")
                    {
                        return Error(400, "INVALID_ARGUMENT", $"Provided Schema does not match Table. Cannot add required field {added.GetProperty("name").GetString()}.", "invalid");
                    }
                }

                t.Resource["schema"] = JsonNode.Parse(schema.GetRawText());
            }

            return (200, t.Resource.ToJsonString());
        }
    }

    private (int, string) InsertAll(string project, string dataset, string table, JsonElement body, int bytes)
    {
        if (bytes > MaxInsertAllBytes)
        {
            return Error(400, "INVALID_ARGUMENT", $"Request payload size exceeds the limit: {MaxInsertAllBytes} bytes.", "invalid");
        }

        if (DiscoverySchemas.BigQuery.Validate("TableDataInsertAllRequest", body) is { } invalid)
        {
            return Error(400, "INVALID_ARGUMENT", invalid, "invalid");
        }

        var rows = body.TryGetProperty("rows", out var r) ? r.EnumerateArray().ToList() : [];
        if (rows.Count == 0 || rows.Count > MaxInsertAllRows)
        {
            return Error(400, "INVALID_ARGUMENT", $"Row count {rows.Count} out of range (1–{MaxInsertAllRows}).", "invalid");
        }

        var skipInvalid = body.TryGetProperty("skipInvalidRows", out var s) && s.GetBoolean();
        var ignoreUnknown = body.TryGetProperty("ignoreUnknownValues", out var u) && u.GetBoolean();
        lock (_gate)
        {
            if (!_tables.TryGetValue($"{project}:{dataset}.{table}", out var t))
            {
                return Error(404, "NOT_FOUND", $"Not found: Table {project}:{dataset}.{table}", "notFound");
            }

            var errors = new JsonArray();
            var valid = new List<int>();
            var today = Time.GetUtcNow();
            for (var i = 0; i < rows.Count; i++)
            {
                if (!rows[i].TryGetProperty("json", out var row) || (CheckRow(t, row, ignoreUnknown) ?? CheckStreamingBounds(t, row, today)) is not { } rowError)
                {
                    valid.Add(i);
                    continue;
                }

                errors.Add(new JsonObject { ["index"] = i, ["errors"] = new JsonArray(new JsonObject { ["reason"] = "invalid", ["location"] = rowError.Location, ["debugInfo"] = "", ["message"] = rowError.Message }) });
            }

            if (errors.Count > 0 && !skipInvalid)
            {
                foreach (var i in valid)
                {
                    errors.Add(new JsonObject { ["index"] = i, ["errors"] = new JsonArray(new JsonObject { ["reason"] = "stopped", ["location"] = "", ["debugInfo"] = "", ["message"] = "" }) });
                }

                return (200, new JsonObject { ["kind"] = "bigquery#tableDataInsertAllResponse", ["insertErrors"] = errors }.ToJsonString());
            }

            var now = Time.GetUtcNow();
            foreach (var i in valid)
            {
                var insertId = rows[i].TryGetProperty("insertId", out var idValue) ? idValue.GetString() : null;
                if (insertId is not null && _insertIds.TryGetValue($"{table}/{insertId}", out var seen) && now - seen < TimeSpan.FromMinutes(1))
                {
                    continue; // best-effort dedup within about a minute
                }

                if (insertId is not null)
                {
                    _insertIds[$"{table}/{insertId}"] = now;
                }

                t.Rows.Add(JsonNode.Parse(rows[i].GetProperty("json").GetRawText())!.AsObject());
            }

            var response = new JsonObject { ["kind"] = "bigquery#tableDataInsertAllResponse" };
            if (errors.Count > 0)
            {
                response["insertErrors"] = errors;
            }

            return (200, response.ToJsonString());
        }
    }

    private (int, string) FailAfterCommit((int Status, string Body) result)
    {
        lock (_gate)
        {
            if (result.Status != 200 || InsertAllFailAfterCommit == 0)
            {
                return result;
            }

            InsertAllFailAfterCommit--;
        }

        return Error(503, "UNAVAILABLE", "injected fault after the rows were applied", "backendError");
    }

    private sealed record RowError(string Location, string Message);

    private static RowError? CheckRow(BqTestTable table, JsonElement row, bool ignoreUnknown)
    {
        if (row.ValueKind != JsonValueKind.Object)
        {
            return new RowError(string.Empty, "Row is not a JSON object.");
        }

        var fields = table.Fields.Select(f => f!.AsObject()).ToDictionary(f => f["name"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        foreach (var property in row.EnumerateObject())
        {
            if (!fields.TryGetValue(property.Name, out var field))
            {
                if (ignoreUnknown)
                {
                    continue;
                }

                return new RowError(property.Name, $"no such field: {property.Name}.");
            }

            var mode = Mode(field);
            var type = field["type"]!.GetValue<string>();
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                if (mode == "REQUIRED")
                {
                    return new RowError(property.Name, $"Missing required field: {property.Name}.");
                }

                continue;
            }

            if (mode == "REPEATED")
            {
                if (property.Value.ValueKind != JsonValueKind.Array)
                {
                    return new RowError(property.Name, $"Array specified for non-repeated field: {property.Name}.");
                }

                foreach (var item in property.Value.EnumerateArray())
                {
                    if (!ValueFits(type, item))
                    {
                        return new RowError(property.Name, $"Cannot convert value to {type.ToLowerInvariant()}.");
                    }
                }
            }
            else if (!ValueFits(type, property.Value))
            {
                return new RowError(property.Name, $"Cannot convert value to {type.ToLowerInvariant()}.");
            }
        }

        foreach (var (name, field) in fields)
        {
            if (Mode(field) == "REQUIRED" && (!row.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null))
            {
                return new RowError(name, $"Missing required field: {name}.");
            }
        }

        return null;
    }

    /// <summary>Streaming into a column-partitioned table accepts partition values from 3,650 days back to 365 days ahead.</summary>
    private static RowError? CheckStreamingBounds(BqTestTable table, JsonElement row, DateTimeOffset today)
    {
        if (table.Resource["timePartitioning"]?["field"]?.GetValue<string>() is not { } field
            || !row.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String
            || ParseTimestamp(value.GetString()!) is not { } at)
        {
            return null;
        }

        return at < today.AddDays(-3650) || at > today.AddDays(365)
            ? new RowError(field, $"Value {value.GetString()} for field {field} of the destination table is outside the allowed bounds. You can only stream to date range within 3650 days in the past and 365 days in the future relative to the current date.")
            : null;
    }

    private static bool ValueFits(string type, JsonElement value) => type switch
    {
        "STRING" => value.ValueKind == JsonValueKind.String,
        "TIMESTAMP" => value.ValueKind == JsonValueKind.Number || (value.ValueKind == JsonValueKind.String && ParseTimestamp(value.GetString()!) is not null),
        "BOOL" or "BOOLEAN" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "INTEGER" or "INT64" => value.ValueKind == JsonValueKind.Number ? value.TryGetInt64(out _) : value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), out _),
        _ => true,
    };

    private static DateTimeOffset? ParseTimestamp(string text) =>
        DateTimeOffset.TryParse(text.Replace(" UTC", "Z", StringComparison.Ordinal), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    private static string Mode(JsonObject field) => field["mode"]?.GetValue<string>() is { Length: > 0 } m ? m : "NULLABLE";

    private static string ModeOf(JsonElement field) => field.TryGetProperty("mode", out var m) && m.GetString() is { Length: > 0 } s ? s : "NULLABLE";

    // ---- load jobs ----

    private sealed class JobState
    {
        public required JsonObject Job { get; init; }

        public required string TableKey { get; init; }

        public required List<JsonObject> Rows { get; init; }

        public required LoadJobPlan Plan { get; init; }

        public required string? BadRowError { get; init; }

        public int Polls { get; set; }

        public bool Done { get; set; }
    }

    private async Task<(int, string)> UploadAsync(string project, HttpRequest request, byte[] body)
    {
        if (request.Query["uploadType"] != "multipart")
        {
            return Error(400, "INVALID_ARGUMENT", "uploadType must be multipart or resumable (this double serves multipart)", "invalid");
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) || contentType.MediaType != "multipart/related" || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return Error(400, "INVALID_ARGUMENT", "Content-Type must be multipart/related with a boundary", "invalid");
        }

        // Each section's body must be read before the next section is requested.
        var reader = new MultipartReader(boundary, new MemoryStream(body));
        var metadataPart = await reader.ReadNextSectionAsync();
        if (metadataPart is null || !(metadataPart.ContentType ?? string.Empty).StartsWith("application/json", StringComparison.Ordinal))
        {
            return Error(400, "INVALID_ARGUMENT", "The first part must be the application/json job resource", "invalid");
        }

        var metadata = new MemoryStream();
        await metadataPart.Body.CopyToAsync(metadata);
        var dataPart = await reader.ReadNextSectionAsync();
        if (dataPart is null)
        {
            return Error(400, "INVALID_ARGUMENT", "A multipart upload needs exactly two parts: metadata and media", "invalid");
        }

        var data = new MemoryStream();
        await dataPart.Body.CopyToAsync(data);
        UploadedFileBytes.Enqueue(data.Length);
        if (await reader.ReadNextSectionAsync() is not null)
        {
            return Error(400, "INVALID_ARGUMENT", "A multipart upload needs exactly two parts: metadata and media", "invalid");
        }

        JsonElement job;
        try
        {
            job = JsonDocument.Parse(metadata.ToArray()).RootElement.Clone();
        }
        catch (JsonException)
        {
            return Error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.", "parseError");
        }

        if (DiscoverySchemas.BigQuery.Validate("Job", job) is { } invalid)
        {
            return Error(400, "INVALID_ARGUMENT", invalid, "invalid");
        }

        if (!job.GetProperty("configuration").TryGetProperty("load", out var load))
        {
            return Error(400, "INVALID_ARGUMENT", "An upload needs a load configuration", "invalid");
        }

        var jobReference = job.GetProperty("jobReference");
        var jobId = jobReference.GetProperty("jobId").GetString()!;
        if (!JobIdPattern().IsMatch(jobId))
        {
            return Error(400, "INVALID_ARGUMENT", "Invalid job ID " + jobId, "invalid");
        }

        var destination = load.GetProperty("destinationTable");
        var tableKey = $"{destination.GetProperty("projectId").GetString()}:{destination.GetProperty("datasetId").GetString()}.{destination.GetProperty("tableId").GetString()}";
        var format = load.TryGetProperty("sourceFormat", out var f) ? f.GetString() : "CSV";
        var write = load.TryGetProperty("writeDisposition", out var w) ? w.GetString() : "WRITE_APPEND";
        var ignoreUnknown = load.TryGetProperty("ignoreUnknownValues", out var iu) && iu.GetBoolean();

        lock (_gate)
        {
            var key = $"{project}:{jobId}";
            if (_jobs.ContainsKey(key))
            {
                return Error(409, "ALREADY_EXISTS", $"Already Exists: Job {project}:{jobReference.GetProperty("location").GetString()}.{jobId}", "duplicate");
            }

            string? badRow = null;
            var rows = new List<JsonObject>();
            if (format != "NEWLINE_DELIMITED_JSON")
            {
                badRow = $"sourceFormat {format ?? "CSV"}: this double loads NEWLINE_DELIMITED_JSON only (CSV is the API default)";
            }
            else if (write != "WRITE_APPEND")
            {
                badRow = "writeDisposition must be WRITE_APPEND for posts";
            }
            else if (!_tables.TryGetValue(tableKey, out var table))
            {
                badRow = "Not found: Table " + tableKey;
            }
            else
            {
                var lines = Encoding.UTF8.GetString(data.ToArray()).Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    if (lines[i].Length == 0)
                    {
                        continue;
                    }

                    try
                    {
                        var row = JsonDocument.Parse(lines[i]).RootElement;
                        if (CheckRow(table, row, ignoreUnknown) is { } error)
                        {
                            badRow = $"Error while reading data, error message: JSON parsing error in row starting at position {i}: {error.Message}";
                            break;
                        }

                        rows.Add(JsonNode.Parse(lines[i])!.AsObject());
                    }
                    catch (JsonException)
                    {
                        badRow = $"Error while reading data, error message: JSON table encountered too many errors, giving up. Row: {i}";
                        break;
                    }
                }
            }

            var plan = _loadPlans.TryDequeue(out var p) ? p : new LoadJobPlan();
            var resource = JsonNode.Parse(job.GetRawText())!.AsObject();
            resource["status"] = new JsonObject { ["state"] = "RUNNING" };
            var state = new JobState { Job = resource, TableKey = tableKey, Rows = rows, Plan = plan, BadRowError = badRow };
            _jobs[key] = state;
            LastJobIds.Enqueue(jobId);
            if (plan is { PollsBeforeDone: 0, Hold: false })
            {
                Finish(state);
            }

            return (200, resource.ToJsonString());
        }
    }

    private void Finish(JobState state)
    {
        state.Done = true;
        var status = new JsonObject { ["state"] = "DONE" };
        var reason = state.BadRowError is not null ? "invalid" : state.Plan.ErrorResult;
        if (reason is not null)
        {
            var message = state.BadRowError ?? "injected job failure";
            status["errorResult"] = new JsonObject { ["reason"] = reason, ["message"] = message };
            status["errors"] = new JsonArray(new JsonObject { ["reason"] = reason, ["message"] = message });
        }
        else
        {
            if (state.Plan.Warnings is { Length: > 0 } warnings)
            {
                status["errors"] = new JsonArray([.. warnings.Select(w => (JsonNode)new JsonObject { ["reason"] = w, ["message"] = "non-fatal: " + w })]);
            }

            _tables[state.TableKey].Rows.AddRange(state.Rows);
        }

        state.Job["status"] = status;
    }

    private (int, string) GetJob(string project, string jobId, string location)
    {
        lock (_gate)
        {
            if (!_jobs.TryGetValue($"{project}:{jobId}", out var state))
            {
                return Error(404, "NOT_FOUND", $"Not found: Job {project}:{location}.{jobId}", "notFound");
            }

            if (state.Job["jobReference"]?["location"]?.GetValue<string>() is { } jobLocation && !string.Equals(jobLocation, location, StringComparison.OrdinalIgnoreCase))
            {
                return Error(404, "NOT_FOUND", $"Not found: Job {project}:{location}.{jobId}", "notFound");
            }

            if (!state.Done)
            {
                state.Polls++;
                if ((state.Plan.Hold && _released) || (!state.Plan.Hold && state.Polls >= state.Plan.PollsBeforeDone))
                {
                    Finish(state);
                }
            }

            return (200, state.Job.ToJsonString());
        }
    }

    // ---- queries ----

    private sealed class QueryState
    {
        public required JsonArray Schema { get; init; }

        public required List<JsonObject> Rows { get; init; }

        public required bool Int64Timestamps { get; init; }

        public required int MaxResults { get; init; }

        public required string Location { get; init; }

        public long? DmlAffected { get; init; }
    }

    private (int, string) Query(string project, JsonElement body)
    {
        if (DiscoverySchemas.BigQuery.Validate("QueryRequest", body) is { } invalid)
        {
            return Error(400, "INVALID_ARGUMENT", invalid, "invalid");
        }

        if (!body.TryGetProperty("useLegacySql", out var legacy) || legacy.GetBoolean())
        {
            return Error(400, "INVALID_ARGUMENT", "Query parameters cannot be used in legacy SQL queries (useLegacySql defaults to true).", "invalidQuery");
        }

        if (!body.TryGetProperty("parameterMode", out var mode) || mode.GetString() != "NAMED")
        {
            return Error(400, "INVALID_ARGUMENT", "parameterMode must be NAMED for named parameters", "invalid");
        }

        var sql = body.GetProperty("query").GetString()!;
        var parameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (body.TryGetProperty("queryParameters", out var qp))
        {
            foreach (var parameter in qp.EnumerateArray())
            {
                parameters[parameter.GetProperty("name").GetString()!] = parameter;
            }
        }

        var int64 = body.TryGetProperty("formatOptions", out var fo) && fo.TryGetProperty("useInt64Timestamp", out var ui) && ui.GetBoolean();
        var maxResults = body.TryGetProperty("maxResults", out var mr) ? mr.GetInt32() : int.MaxValue;
        var location = body.TryGetProperty("location", out var loc) ? loc.GetString()! : "US";
        QueryState state;
        try
        {
            state = Evaluate(project, sql, parameters, int64, maxResults, location);
        }
        catch (QueryException ex)
        {
            return Error(400, "INVALID_ARGUMENT", ex.Message, "invalidQuery");
        }

        var jobId = "job_" + Guid.NewGuid().ToString("N");
        lock (_gate)
        {
            _queries[jobId] = state;
        }

        var reference = new JsonObject { ["projectId"] = project, ["jobId"] = jobId, ["location"] = location };
        if (IncompleteQueryPolls > 0)
        {
            IncompleteQueryPolls--;
            return (200, new JsonObject { ["kind"] = "bigquery#queryResponse", ["jobReference"] = reference, ["jobComplete"] = false }.ToJsonString());
        }

        return (200, Page(state, reference, 0, "bigquery#queryResponse"));
    }

    private (int, string) GetQueryResults(string jobId, IQueryCollection query)
    {
        QueryState? state;
        lock (_gate)
        {
            state = _queries.GetValueOrDefault(jobId);
        }

        if (state is null)
        {
            return Error(404, "NOT_FOUND", "Not found: Job " + jobId, "notFound");
        }

        if (!string.Equals(query["location"], state.Location, StringComparison.OrdinalIgnoreCase))
        {
            return Error(404, "NOT_FOUND", $"Not found: Job {jobId} in location {query["location"]}", "notFound");
        }

        var reference = new JsonObject { ["jobId"] = jobId, ["location"] = state.Location };
        if (IncompleteQueryPolls > 0)
        {
            IncompleteQueryPolls--;
            return (200, new JsonObject { ["kind"] = "bigquery#getQueryResultsResponse", ["jobReference"] = reference, ["jobComplete"] = false }.ToJsonString());
        }

        var start = query["pageToken"].ToString() is { Length: > 0 } token ? int.Parse(token, CultureInfo.InvariantCulture) : 0;
        var maxResults = query["maxResults"].ToString() is { Length: > 0 } m ? int.Parse(m, CultureInfo.InvariantCulture) : state.MaxResults;
        return (200, Page(state, reference, start, "bigquery#getQueryResultsResponse", maxResults));
    }

    private string Page(QueryState state, JsonObject reference, int start, string kind, int? maxResults = null)
    {
        var size = Math.Min(Math.Min(maxResults ?? state.MaxResults, state.MaxResults), MaxRowsPerPage);
        var rows = state.Rows.Skip(start).Take(size).ToList();
        var response = new JsonObject
        {
            ["kind"] = kind,
            ["schema"] = new JsonObject { ["fields"] = state.Schema.DeepClone() },
            ["jobReference"] = reference,
            ["jobComplete"] = true,
            ["totalRows"] = state.Rows.Count.ToString(CultureInfo.InvariantCulture),
            ["rows"] = new JsonArray([.. rows.Select(r => (JsonNode)Encode(state, r))]),
        };
        if (state.DmlAffected is { } affected)
        {
            response["numDmlAffectedRows"] = affected.ToString(CultureInfo.InvariantCulture);
        }

        if (start + rows.Count < state.Rows.Count)
        {
            response["pageToken"] = (start + rows.Count).ToString(CultureInfo.InvariantCulture);
        }

        return response.ToJsonString();
    }

    /// <summary>Encodes a result row as f/v cells by the schema: every scalar a string, timestamps as µs or float seconds.</summary>
    private static JsonObject Encode(QueryState state, JsonObject row)
    {
        var cells = new JsonArray();
        foreach (var field in state.Schema.Select(f => f!.AsObject()))
        {
            var name = field["name"]!.GetValue<string>();
            var type = field["type"]!.GetValue<string>();
            var value = row[name];
            JsonNode? v = Mode(field) == "REPEATED"
                ? new JsonArray([.. (value?.AsArray() ?? []).Select(item => (JsonNode)new JsonObject { ["v"] = Scalar(type, item, state.Int64Timestamps) })])
                : Scalar(type, value, state.Int64Timestamps);
            cells.Add(new JsonObject { ["v"] = v });
        }

        return new JsonObject { ["f"] = cells };
    }

    private static JsonNode? Scalar(string type, JsonNode? value, bool int64Timestamps)
    {
        if (value is null)
        {
            return null;
        }

        if (type == "TIMESTAMP")
        {
            var t = ParseTimestamp(value.GetValue<string>())!.Value;
            var micros = (t - DateTimeOffset.UnixEpoch).Ticks / 10;
            return int64Timestamps ? micros.ToString(CultureInfo.InvariantCulture) : (micros / 1e6).ToString("E", CultureInfo.InvariantCulture);
        }

        return value.GetValueKind() switch
        {
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => value.ToJsonString(),
            _ => value.GetValue<string>(),
        };
    }

    private sealed class QueryException(string message) : Exception(message);

    private static readonly JsonArray PageSchema = Schema(
        ("id", "STRING", "NULLABLE"), ("source", "STRING", "NULLABLE"), ("created_at", "TIMESTAMP", "NULLABLE"), ("received_at", "TIMESTAMP", "NULLABLE"),
        ("author_hash", "STRING", "NULLABLE"), ("text", "STRING", "NULLABLE"), ("lang", "STRING", "NULLABLE"), ("hashtags", "STRING", "REPEATED"),
        ("matched_rules", "STRING", "REPEATED"), ("url", "STRING", "NULLABLE"), ("pii_types", "STRING", "REPEATED"), ("total_count", "INTEGER", "NULLABLE"));

    private static JsonArray Schema(params (string Name, string Type, string Mode)[] fields) =>
        new([.. fields.Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["type"] = f.Type, ["mode"] = f.Mode })]);

    /// <summary>The tiny evaluator: recognises exactly the statements of <see cref="BigQuerySql"/> and applies their parameters.</summary>
    private QueryState Evaluate(string project, string sql, Dictionary<string, JsonElement> parameters, bool int64, int maxResults, string location)
    {
        var tableMatch = TableNamePattern().Match(sql);
        if (!tableMatch.Success)
        {
            throw new QueryException("Syntax error: no table in query");
        }

        var tableName = tableMatch.Groups[1].Value;
        var parts = tableName.Split('.');
        if (parts.Length != 3 || parts[0] != project)
        {
            throw new QueryException("Table name must be project.dataset.table: " + tableName);
        }

        var quoted = "`" + tableName + "`";
        var template = new[] { BigQuerySql.Page, BigQuerySql.PageSearch, BigQuerySql.Count, BigQuerySql.CountSearch, BigQuerySql.Statistics, BigQuerySql.StatisticsSearch, BigQuerySql.Delete }
            .FirstOrDefault(t => BigQuerySql.For(t, quoted) == sql)
            ?? throw new QueryException("This double only understands TweetStream's statements; got: " + sql[..Math.Min(60, sql.Length)]);

        BqTestTable table;
        lock (_gate)
        {
            table = _tables.GetValueOrDefault($"{parts[0]}:{parts[1]}.{parts[2]}") ?? throw new QueryException("Not found: Table " + tableName);
        }

        // Partition filter: every scan of the table filters created_at (what requirePartitionFilter demands).
        var scans = Regex.Matches(sql, Regex.Escape(quoted) + @"\s*(\S+\s+\S+\s+\S+)");
        foreach (Match scan in scans)
        {
            if (!scan.Groups[1].Value.StartsWith("WHERE created_at >=", StringComparison.Ordinal))
            {
                throw new QueryException($"Cannot query over table '{tableName}' without a filter over column(s) 'created_at' that can be used for partition elimination");
            }
        }

        var searching = template == BigQuerySql.PageSearch || template == BigQuerySql.CountSearch || template == BigQuerySql.StatisticsSearch;
        string[] range = ["from:TIMESTAMP", "to:TIMESTAMP", .. BigQuerySql.FilterParameters, .. searching ? [BigQuerySql.WordsParameter] : Array.Empty<string>()];
        var expected = template == BigQuerySql.Page || template == BigQuerySql.PageSearch ? [.. range, "after_at:TIMESTAMP", "after_id:STRING", "limit:INT64", "offset:INT64"]
            : template == BigQuerySql.Delete ? ["since:TIMESTAMP", "ids:ARRAY<STRING>"]
            : template == BigQuerySql.Statistics || template == BigQuerySql.StatisticsSearch ? [.. range, "shift:INT64", "top:INT64"]
            : range;
        if (parameters.Count != expected.Length)
        {
            throw new QueryException($"Expected parameters {string.Join(", ", expected)}, got {string.Join(", ", parameters.Keys)}");
        }

        foreach (var spec in expected)
        {
            var (name, type) = (spec[..spec.IndexOf(':')], spec[(spec.IndexOf(':') + 1)..]);
            if (!parameters.TryGetValue(name, out var p))
            {
                throw new QueryException($"Query parameter '{name}' not found");
            }

            var pType = p.GetProperty("parameterType");
            var actual = pType.GetProperty("type").GetString() + (pType.TryGetProperty("arrayType", out var at) ? "<" + at.GetProperty("type").GetString() + ">" : string.Empty);
            if (actual != type)
            {
                throw new QueryException($"Query parameter '{name}' has type {actual}, expected {type}");
            }
        }

        DateTimeOffset Ts(string name) => ParseTimestamp(parameters[name].GetProperty("parameterValue").GetProperty("value").GetString()!)
            ?? throw new QueryException($"Invalid TIMESTAMP value for parameter '{name}'");
        long I64(string name) => long.Parse(parameters[name].GetProperty("parameterValue").GetProperty("value").GetString()!, CultureInfo.InvariantCulture);
        string Str(string name) => parameters[name].GetProperty("parameterValue").TryGetProperty("value", out var v) ? v.GetString()! : throw new QueryException($"Query parameter '{name}' is NULL");
        string[] Strings(string name) => parameters[name].GetProperty("parameterValue").TryGetProperty("arrayValues", out var a)
            ? [.. a.EnumerateArray().Select(v => v.GetProperty("value").GetString()!)]
            : [];

        lock (_gate)
        {
            if (template == BigQuerySql.Delete)
            {
                var since = Ts("since");
                var ids = parameters["ids"].GetProperty("parameterValue").GetProperty("arrayValues").EnumerateArray().Select(v => v.GetProperty("value").GetString()!).ToHashSet();
                var removed = table.Rows.RemoveAll(r => ParseTimestamp(r["created_at"]!.GetValue<string>()) >= since && ids.Contains(r["id"]!.GetValue<string>()));
                return new QueryState { Schema = [], Rows = [], Int64Timestamps = int64, MaxResults = maxResults, Location = location, DmlAffected = removed };
            }

            var from = Ts("from");
            var to = Ts("to");
            static DateTimeOffset Created(JsonObject r) => ParseTimestamp(r["created_at"]!.GetValue<string>())!.Value;
            static bool Deleted(JsonObject r) => r["deleted"]?.GetValueKind() == JsonValueKind.True;
            var live = table.Rows
                .Where(r => Created(r) >= from && Created(r) < to && !Deleted(r))
                .GroupBy(r => r["id"]!.GetValue<string>())
                .Select(g => g.OrderByDescending(r => r["received_at"] is { } x ? ParseTimestamp(x.GetValue<string>()) : null).First());
            var gone = table.Rows.Where(r => Created(r) >= from && Deleted(r)).Select(r => r["id"]!.GetValue<string>()).ToHashSet();
            // The filter as the statement states it; CONTAINS_SUBSTR is case-insensitive.
            var (source, hashtag, piiType, words) = (Str("source"), Str("hashtag"), Str("pii_type"), searching ? Strings("words") : []);
            static IEnumerable<string> Array(JsonObject r, string column) => (r[column]?.AsArray() ?? []).Select(v => v!.GetValue<string>());
            var kept = live.Where(r => !gone.Contains(r["id"]!.GetValue<string>()))
                .Where(r => source.Length == 0 || r["source"]?.GetValue<string>() == source)
                .Where(r => hashtag.Length == 0 || Array(r, "hashtags").Any(h => h.Equals(hashtag, StringComparison.OrdinalIgnoreCase)))
                .Where(r => piiType.Length == 0 || Array(r, "pii_types").Contains(piiType))
                .Where(r => words.All(w => (r["text"]?.GetValue<string>() ?? string.Empty).Contains(w, StringComparison.OrdinalIgnoreCase)))
                .ToList();

            if (template == BigQuerySql.Count || template == BigQuerySql.CountSearch)
            {
                return new QueryState { Schema = Schema(("total_count", "INTEGER", "NULLABLE")), Rows = [new JsonObject { ["total_count"] = kept.Count }], Int64Timestamps = int64, MaxResults = maxResults, Location = location };
            }

            if (template == BigQuerySql.Statistics || template == BigQuerySql.StatisticsSearch)
            {
                const long HourMicros = 3_600_000_000;
                var shift = I64("shift");
                var rows = kept.GroupBy(r => ((Created(r) - DateTimeOffset.UnixEpoch).Ticks / 10 + shift) / HourMicros * HourMicros - shift)
                    .Select(g => new JsonObject { ["kind"] = "hour", ["k"] = g.Key.ToString(CultureInfo.InvariantCulture), ["n"] = g.Count() })
                    .Concat(kept.SelectMany(r => Array(r, "pii_types").Select(t => (Type: t, Id: r["id"]!.GetValue<string>())))
                        .GroupBy(x => x.Type)
                        .Select(g => new JsonObject { ["kind"] = "pii", ["k"] = g.Key, ["n"] = g.Select(x => x.Id).Distinct().Count() }))
                    .Concat(kept.GroupBy(r => r["source"]!.GetValue<string>())
                        .Select(g => new JsonObject { ["kind"] = "source", ["k"] = g.Key, ["n"] = g.Count() }))
                    .Concat(kept.SelectMany(r => Array(r, "hashtags").Select(h => (Tag: h.ToLowerInvariant(), Id: r["id"]!.GetValue<string>())))
                        .GroupBy(x => x.Tag)
                        .Select(g => (g.Key, N: g.Select(x => x.Id).Distinct().Count()))
                        .OrderByDescending(x => x.N).ThenBy(x => x.Key, StringComparer.Ordinal)
                        .Take((int)I64("top"))
                        .Select(x => new JsonObject { ["kind"] = "tag", ["k"] = x.Key, ["n"] = x.N }))
                    .ToList();
                return new QueryState { Schema = Schema(("kind", "STRING", "NULLABLE"), ("k", "STRING", "NULLABLE"), ("n", "INTEGER", "NULLABLE")), Rows = rows, Int64Timestamps = int64, MaxResults = maxResults, Location = location };
            }

            var ordered = kept.OrderByDescending(Created).ThenByDescending(r => r["id"]!.GetValue<string>(), StringComparer.Ordinal).ToList();
            var (afterAt, afterId) = (Ts("after_at"), Str("after_id"));
            var page = ordered
                .Where(r => Created(r) < afterAt || (Created(r) == afterAt && string.CompareOrdinal(r["id"]!.GetValue<string>(), afterId) < 0))
                .Skip((int)I64("offset")).Take((int)I64("limit"))
                .Select(r =>
                {
                    var copy = r.DeepClone().AsObject();
                    copy["total_count"] = ordered.Count;
                    return copy;
                })
                .ToList();
            return new QueryState { Schema = PageSchema, Rows = page, Int64Timestamps = int64, MaxResults = maxResults, Location = location };
        }
    }

    private static (int, string) Error(int status, string statusName, string message, string? reason = null) =>
        GoogleApiDouble.Error(status, statusName, message, reason, "global");

    [GeneratedRegex(@"^/upload/bigquery/v2/projects/(?<project>[^/]+)/jobs$")]
    private static partial Regex UploadPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,1024}$")]
    private static partial Regex JobIdPattern();

    [GeneratedRegex(@"FROM `([^`]+)`")]
    private static partial Regex TableNamePattern();
}
