using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TweetStream.Tests.Support;

namespace TweetStream.Gcp.Tests.Support;

/// <summary>
/// Validates request bodies against the Pub/Sub discovery document's schemas, the way the real API rejects them:
/// unknown fields, wrong JSON types, bad base64/durations/timestamps and missing required fields are errors.
/// </summary>
/// <remarks>
/// Loads <c>../shared/reference/gcp/pubsub-v1.discovery.json</c> when present ("Required." at the start of a field's
/// description marks it required), else the trimmed fixture committed with the tests (explicit <c>required</c> flags).
/// </remarks>
public sealed partial class DiscoverySchemas
{
    private readonly JsonElement _schemas;

    private DiscoverySchemas(JsonDocument document, string origin)
    {
        Document = document;
        _schemas = document.RootElement.GetProperty("schemas");
        Origin = origin;
    }

    public static DiscoverySchemas PubSub { get; } = Load("pubsub-v1.discovery.json", "pubsub-v1.schemas.json");

    /// <summary>BigQuery v2: <c>../shared/reference/gcp/bigquery-v2.discovery.json</c>, else <c>Fixtures/bigquery-v2.schemas.json</c>.</summary>
    public static DiscoverySchemas BigQuery { get; } = Load("bigquery-v2.discovery.json", "bigquery-v2.schemas.json");

    public string Origin { get; }

    private JsonDocument Document { get; }

    /// <summary>Returns the first violation of <paramref name="value"/> against schema <paramref name="schema"/>, or null.</summary>
    /// <param name="exempt">Required fields the call takes from the URL path instead (e.g. <c>name</c> on create).</param>
    public string? Validate(string schema, JsonElement value, params string[] exempt) => ValidateObject(schema, value, schema, exempt);

    private static DiscoverySchemas Load(string discoveryFile, string fixtureFile)
    {
        var shared = TestPaths.SharedReference is { } root ? Path.Combine(root, "gcp", discoveryFile) : null;
        if (shared is not null && File.Exists(shared))
        {
            return new DiscoverySchemas(JsonDocument.Parse(File.ReadAllBytes(shared)), shared);
        }

        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", fixtureFile);
        return new DiscoverySchemas(JsonDocument.Parse(File.ReadAllBytes(fixture)), fixture);
    }

    private string? ValidateObject(string schemaName, JsonElement value, string path, string[] exempt)
    {
        var schema = _schemas.GetProperty(schemaName);
        if ((schema.TryGetProperty("type", out var kind) && kind.GetString() != "object")
            || (!schema.TryGetProperty("properties", out _) && schema.TryGetProperty("additionalProperties", out _)))
        {
            // A named non-object schema (BigQuery's JsonValue is "any") or a named map (JsonObject).
            return ValidateValue(schema, value, path);
        }

        return ValidateProperties(schemaName, schema, value, path, exempt);
    }

    private string? ValidateProperties(string schemaName, JsonElement schema, JsonElement value, string path, string[] exempt)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            return $"Invalid value at '{path}' ({schemaName}): expected an object, got {value.ValueKind}";
        }

        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        foreach (var field in value.EnumerateObject())
        {
            if (properties.ValueKind != JsonValueKind.Object || !properties.TryGetProperty(field.Name, out var spec))
            {
                return $"Invalid JSON payload received. Unknown name \"{field.Name}\" at '{path}': Cannot find field.";
            }

            if (ValidateValue(spec, field.Value, path + "." + field.Name) is { } error)
            {
                return error;
            }
        }

        if (properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var spec in properties.EnumerateObject())
            {
                if (IsRequired(spec.Value) && !exempt.Contains(spec.Name) && !value.TryGetProperty(spec.Name, out _))
                {
                    return $"Invalid value at '{path}': required field \"{spec.Name}\" is missing";
                }
            }
        }

        return null;
    }

    private static bool IsRequired(JsonElement spec) =>
        (spec.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.True)
        || (spec.TryGetProperty("description", out var d) && d.GetString()!.StartsWith("Required.", StringComparison.Ordinal));

    private string? ValidateValue(JsonElement spec, JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null; // proto3 JSON: null means the default value.
        }

        if (spec.TryGetProperty("$ref", out var reference))
        {
            return ValidateObject(reference.GetString()!, value, path, []);
        }

        var type = spec.TryGetProperty("type", out var t) ? t.GetString() : null;
        var format = spec.TryGetProperty("format", out var f) ? f.GetString() : null;
        switch (type)
        {
            case "string":
                if (value.ValueKind != JsonValueKind.String)
                {
                    return $"Invalid value at '{path}' (TYPE_STRING), {value.GetRawText()}";
                }

                var text = value.GetString()!;
                var ok = format switch
                {
                    "byte" => IsBase64(text),
                    "google-duration" => DurationPattern().IsMatch(text),
                    "google-datetime" => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
                    "int64" or "uint64" => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
                    _ => true,
                };
                if (!ok)
                {
                    return $"Invalid value at '{path}' ({format}): \"{Truncate(text)}\"";
                }

                if (spec.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(e => e.GetString() == text))
                {
                    return $"Invalid value at '{path}' (enum): \"{Truncate(text)}\"";
                }

                return null;
            case "integer":
                var isInt = value.ValueKind == JsonValueKind.Number ? value.TryGetInt32(out _)
                    : value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
                return isInt ? null : $"Invalid value at '{path}' (TYPE_INT32), {Truncate(value.GetRawText())}";
            case "number":
                return value.ValueKind == JsonValueKind.Number ? null : $"Invalid value at '{path}' (TYPE_DOUBLE), {Truncate(value.GetRawText())}";
            case "boolean":
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : $"Invalid value at '{path}' (TYPE_BOOL), {Truncate(value.GetRawText())}";
            case "array":
                if (value.ValueKind != JsonValueKind.Array)
                {
                    return $"Invalid value at '{path}': expected a list";
                }

                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (ValidateValue(spec.GetProperty("items"), item, $"{path}[{index++}]") is { } error)
                    {
                        return error;
                    }
                }

                return null;
            case "object" when spec.TryGetProperty("properties", out _):
                return ValidateProperties(path, spec, value, path, []); // an inline message (insertAll rows[])
            case "object":
                if (value.ValueKind != JsonValueKind.Object)
                {
                    return $"Invalid value at '{path}': expected a map";
                }

                if (spec.TryGetProperty("additionalProperties", out var mapValue))
                {
                    foreach (var entry in value.EnumerateObject())
                    {
                        if (ValidateValue(mapValue, entry.Value, $"{path}[{entry.Name}]") is { } error)
                        {
                            return error;
                        }
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static bool IsBase64(string text)
    {
        var normalized = text.Replace('-', '+').Replace('_', '/');
        normalized = normalized.PadRight(normalized.Length + (4 - normalized.Length % 4) % 4, '=');
        var buffer = new byte[normalized.Length];
        return Convert.TryFromBase64String(normalized, buffer, out _);
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

    [GeneratedRegex(@"^-?\d+(\.\d{1,9})?s$")]
    private static partial Regex DurationPattern();
}
