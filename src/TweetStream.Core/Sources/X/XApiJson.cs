using System.Text.Json.Serialization;

namespace TweetStream.Sources.X;

// Shapes of the rules and connections APIs (OpenAPI 2.159/2.167: AddOrDeleteRulesRequest, UpdateRulesResponse,
// GetRulesResponse). Only what the source reads or writes; unknown members are ignored on read.

internal sealed class XRule
{
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [JsonPropertyName("value")]
    public string? Value { get; set; }

    [JsonPropertyName("tag")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Tag { get; set; }
}

internal sealed class XNewRule
{
    [JsonPropertyName("value")]
    public required string Value { get; init; }

    [JsonPropertyName("tag")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Tag { get; init; }
}

internal sealed class XAddRulesRequest
{
    [JsonPropertyName("add")]
    public required IReadOnlyList<XNewRule> Add { get; init; }
}

internal sealed class XDeleteRulesRequest
{
    [JsonPropertyName("delete")]
    public required XDeleteIds Delete { get; init; }
}

internal sealed class XDeleteIds
{
    [JsonPropertyName("ids")]
    public required IReadOnlyList<string> Ids { get; init; }
}

internal sealed class XRulesResponse
{
    [JsonPropertyName("data")]
    public List<XRule>? Data { get; set; }

    [JsonPropertyName("errors")]
    public List<XProblem>? Errors { get; set; }

    [JsonPropertyName("meta")]
    public XRulesMeta? Meta { get; set; }
}

internal sealed class XRulesMeta
{
    [JsonPropertyName("next_token")]
    public string? NextToken { get; set; }

    [JsonPropertyName("summary")]
    public XRulesSummary? Summary { get; set; }
}

internal sealed class XRulesSummary
{
    [JsonPropertyName("invalid")]
    public int Invalid { get; set; }

    [JsonPropertyName("not_created")]
    public int NotCreated { get; set; }

    [JsonPropertyName("not_deleted")]
    public int NotDeleted { get; set; }
}

/// <summary>A problem (RFC 7807) or a v1.1-style error; invalid-rule problems add <c>value</c> and <c>details</c>.</summary>
internal sealed class XProblem
{
    [JsonPropertyName("title")]
    public string? Title { get; set; }

    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("detail")]
    public string? Detail { get; set; }

    [JsonPropertyName("details")]
    public List<string>? Details { get; set; }

    [JsonPropertyName("value")]
    public string? Value { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }

    [JsonPropertyName("connection_issue")]
    public string? ConnectionIssue { get; set; }

    [JsonPropertyName("errors")]
    public List<XProblem>? Errors { get; set; }

    /// <summary>X's own words, for start-up errors and logs (rule values are the operator's, not user content).</summary>
    public string Describe()
    {
        var parts = new List<string>(4);
        if (Value is not null)
        {
            parts.Add("rule \"" + Value + "\"");
        }

        if (Title is not null)
        {
            parts.Add(Title);
        }

        if (Detail is not null)
        {
            parts.Add(Detail);
        }

        if (ConnectionIssue is not null)
        {
            parts.Add(ConnectionIssue);
        }

        if (Details is { Count: > 0 })
        {
            parts.Add(string.Join("; ", Details));
        }

        if (Message is not null)
        {
            parts.Add(Message);
        }

        if (Errors is { Count: > 0 })
        {
            parts.Add(string.Join(" | ", Errors.Select(e => e.Describe())));
        }

        return parts.Count == 0 ? "no details" : string.Join(": ", parts);
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(XRulesResponse))]
[JsonSerializable(typeof(XAddRulesRequest))]
[JsonSerializable(typeof(XDeleteRulesRequest))]
[JsonSerializable(typeof(XProblem))]
internal sealed partial class XApiJsonContext : JsonSerializerContext;
