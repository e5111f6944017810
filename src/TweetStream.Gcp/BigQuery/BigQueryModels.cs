using System.Text.Json;
using System.Text.Json.Serialization;

namespace TweetStream.Gcp.BigQuery;

// Wire shapes of the BigQuery v2 REST API (discovery schemas of the same names); only the fields we use.
// int64 fields (expirationMs, numRows, totalRows) are strings on the wire (proto3 JSON).
internal sealed class BqDatasetReference
{
    public string? ProjectId { get; set; }

    public string? DatasetId { get; set; }
}

internal sealed class BqDataset
{
    public BqDatasetReference? DatasetReference { get; set; }

    public string? Location { get; set; }
}

internal sealed class BqTableReference
{
    public string? ProjectId { get; set; }

    public string? DatasetId { get; set; }

    public string? TableId { get; set; }
}

internal sealed class BqTableFieldSchema
{
    public string Name { get; set; } = string.Empty;

    public string Type { get; set; } = string.Empty;

    public string? Mode { get; set; }

    public string? Description { get; set; }
}

internal sealed class BqTableSchema
{
    public List<BqTableFieldSchema> Fields { get; set; } = [];
}

internal sealed class BqTimePartitioning
{
    public string? Type { get; set; }

    public string? Field { get; set; }

    public string? ExpirationMs { get; set; }
}

internal sealed class BqClustering
{
    public List<string>? Fields { get; set; }
}

internal sealed class BqTable
{
    public BqTableReference? TableReference { get; set; }

    public BqTableSchema? Schema { get; set; }

    public BqTimePartitioning? TimePartitioning { get; set; }

    public BqClustering? Clustering { get; set; }

    public bool? RequirePartitionFilter { get; set; }

    public string? Description { get; set; }
}

internal sealed class BqErrorProto
{
    public string? Reason { get; set; }

    public string? Location { get; set; }

    public string? Message { get; set; }
}

internal sealed class BqInsertError
{
    public long Index { get; set; }

    public List<BqErrorProto>? Errors { get; set; }
}

internal sealed class BqInsertAllResponse
{
    public List<BqInsertError>? InsertErrors { get; set; }
}

internal sealed class BqJobReference
{
    public string? ProjectId { get; set; }

    public string? JobId { get; set; }

    public string? Location { get; set; }
}

internal sealed class BqJobConfigurationLoad
{
    public BqTableReference? DestinationTable { get; set; }

    public string? SourceFormat { get; set; }

    public string? WriteDisposition { get; set; }

    public string? CreateDisposition { get; set; }

    public bool? IgnoreUnknownValues { get; set; }

    public int? MaxBadRecords { get; set; }
}

internal sealed class BqJobConfiguration
{
    public BqJobConfigurationLoad? Load { get; set; }
}

internal sealed class BqJobStatus
{
    public string? State { get; set; }

    public BqErrorProto? ErrorResult { get; set; }

    public List<BqErrorProto>? Errors { get; set; }
}

internal sealed class BqJob
{
    public BqJobReference? JobReference { get; set; }

    public BqJobConfiguration? Configuration { get; set; }

    public BqJobStatus? Status { get; set; }
}

internal sealed class BqQueryParameterType
{
    public string Type { get; set; } = string.Empty;

    public BqQueryParameterType? ArrayType { get; set; }
}

internal sealed class BqQueryParameterValue
{
    public string? Value { get; set; }

    public List<BqQueryParameterValue>? ArrayValues { get; set; }
}

internal sealed class BqQueryParameter
{
    public string? Name { get; set; }

    public BqQueryParameterType ParameterType { get; set; } = new();

    public BqQueryParameterValue ParameterValue { get; set; } = new();
}

internal sealed class BqDataFormatOptions
{
    public bool? UseInt64Timestamp { get; set; }
}

internal sealed class BqQueryRequest
{
    public string Query { get; set; } = string.Empty;

    public bool UseLegacySql { get; set; }

    public string? Location { get; set; }

    public long? TimeoutMs { get; set; }

    public long? MaxResults { get; set; }

    public string? ParameterMode { get; set; }

    public List<BqQueryParameter>? QueryParameters { get; set; }

    public string? RequestId { get; set; }

    public BqDataFormatOptions? FormatOptions { get; set; }

    public string? MaximumBytesBilled { get; set; }
}

internal sealed class BqQueryRow
{
    public List<BqQueryCell>? F { get; set; }
}

internal sealed class BqQueryCell
{
    public JsonElement V { get; set; }
}

/// <summary>Both <c>QueryResponse</c> and <c>GetQueryResultsResponse</c>: the fields we read are the same.</summary>
internal sealed class BqQueryResponse
{
    public BqTableSchema? Schema { get; set; }

    public BqJobReference? JobReference { get; set; }

    public bool? JobComplete { get; set; }

    public string? TotalRows { get; set; }

    public string? PageToken { get; set; }

    public List<BqQueryRow>? Rows { get; set; }

    public List<BqErrorProto>? Errors { get; set; }

    public string? NumDmlAffectedRows { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(BqDataset))]
[JsonSerializable(typeof(BqTable))]
[JsonSerializable(typeof(BqInsertAllResponse))]
[JsonSerializable(typeof(BqJob))]
[JsonSerializable(typeof(BqQueryRequest))]
[JsonSerializable(typeof(BqQueryResponse))]
internal sealed partial class BigQueryJsonContext : JsonSerializerContext;
