using System.Text.Json.Serialization;

namespace TweetStream.Gcp.Dlp;

internal sealed class DlpDeidentifyResponse
{
    public DlpContentItem? Item { get; set; }

    public DlpOverview? Overview { get; set; }
}

internal sealed class DlpContentItem
{
    public string? Value { get; set; }

    public DlpTable? Table { get; set; }
}

internal sealed class DlpTable
{
    public List<DlpRow>? Rows { get; set; }
}

internal sealed class DlpRow
{
    public List<DlpValue>? Values { get; set; }
}

internal sealed class DlpValue
{
    public string? StringValue { get; set; }
}

internal sealed class DlpOverview
{
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long TransformedBytes { get; set; }

    public List<DlpTransformationSummary>? TransformationSummaries { get; set; }
}

internal sealed class DlpTransformationSummary
{
    public DlpInfoTypeName? InfoType { get; set; }

    public List<DlpSummaryResult>? Results { get; set; }
}

internal sealed class DlpInfoTypeName
{
    public string? Name { get; set; }
}

internal sealed class DlpSummaryResult
{
    public string? Code { get; set; }

    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long Count { get; set; }

    public string? Details { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DlpDeidentifyResponse))]
internal sealed partial class DlpJsonContext : JsonSerializerContext;
