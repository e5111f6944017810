using System.Globalization;
using Microsoft.Extensions.Logging;

namespace TweetStream.Gcp.BigQuery;

/// <summary>The existing table cannot hold the post schema; start-up fails with this message.</summary>
internal sealed class IncompatibleTableException(string message) : Exception(message);

/// <summary>
/// Makes sure the dataset and the post table exist with the documented schema, partitioning and clustering, once per
/// sink (concurrent callers share one attempt; a failed attempt is retried by the next caller).
/// </summary>
internal sealed class BigQueryProvisioner
{
    private readonly BigQueryApi _api;
    private readonly BigQueryTableOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Task? _running;

    public BigQueryProvisioner(BigQueryApi api, BigQueryTableOptions options, ILogger logger)
    {
        _api = api;
        _options = options;
        _logger = logger;
    }

    public Task EnsureAsync(CancellationToken cancellationToken)
    {
        Task running;
        lock (_gate)
        {
            running = _running is { IsFaulted: false, IsCanceled: false } ok ? ok : _running = RunAsync(CancellationToken.None);
        }

        return running.IsCompletedSuccessfully ? Task.CompletedTask : running.WaitAsync(cancellationToken);
    }

    /// <summary>The table resource the sinks ask for.</summary>
    public static BqTable DesiredTable(BigQueryApi api, BigQueryTableOptions options)
    {
        var clustering = options.ClusteringFieldList();
        return new BqTable
        {
            TableReference = new BqTableReference { ProjectId = api.ProjectId, DatasetId = api.DatasetId, TableId = api.TableId },
            Schema = new BqTableSchema { Fields = [.. BigQueryPostSchema.Fields] },
            TimePartitioning = new BqTimePartitioning
            {
                Type = "DAY",
                Field = BigQueryPostSchema.PartitionField,
                ExpirationMs = options.PartitionExpiration is { } expiration
                    ? ((long)expiration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)
                    : null,
            },
            Clustering = clustering.Count > 0 ? new BqClustering { Fields = [.. clustering] } : null,
            RequirePartitionFilter = options.RequirePartitionFilter,
            Description = "TweetStream posts (schema documented in TweetStream.Gcp BigQueryPostSchema).",
        };
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var table = await _api.GetTableAsync(cancellationToken).ConfigureAwait(false);
        if (table is null)
        {
            if (!_options.CreateIfMissing)
            {
                throw new IncompatibleTableException($"BigQuery table {_api.ProjectId}.{_api.DatasetId}.{_api.TableId} does not exist and CreateIfMissing is false.");
            }

            if (await _api.GetDatasetAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                var created = await _api.InsertDatasetAsync(
                    new BqDataset { DatasetReference = new BqDatasetReference { ProjectId = _api.ProjectId, DatasetId = _api.DatasetId }, Location = _options.Location },
                    cancellationToken).ConfigureAwait(false);
                if (created)
                {
                    BigQueryLog.Provisioned(_logger, "dataset", $"{_api.ProjectId}.{_api.DatasetId}");
                }
            }

            if (await _api.InsertTableAsync(DesiredTable(_api, _options), cancellationToken).ConfigureAwait(false))
            {
                BigQueryLog.Provisioned(_logger, "table", $"{_api.ProjectId}.{_api.DatasetId}.{_api.TableId}");
                return;
            }

            // Another writer created it between our get and insert: check what it created.
            table = await _api.GetTableAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new IncompatibleTableException($"BigQuery table {_api.TableId} was reported as existing but cannot be read.");
        }

        var missing = Check(table);
        if (missing.Count > 0)
        {
            if (!_options.CreateIfMissing)
            {
                throw new IncompatibleTableException($"BigQuery table {_api.TableId} lacks column(s) {string.Join(", ", missing.Select(f => f.Name))} and CreateIfMissing is false.");
            }

            var fields = new List<BqTableFieldSchema>(table.Schema?.Fields ?? []);
            fields.AddRange(missing);
            await _api.PatchSchemaAsync(new BqTableSchema { Fields = fields }, cancellationToken).ConfigureAwait(false);
            BigQueryLog.ColumnsAdded(_logger, _api.TableId, string.Join(",", missing.Select(f => f.Name)));
        }
    }

    /// <summary>Returns the nullable/repeated columns to add; throws for anything that cannot be reconciled.</summary>
    internal List<BqTableFieldSchema> Check(BqTable table)
    {
        var name = $"{_api.ProjectId}.{_api.DatasetId}.{_api.TableId}";
        var existing = (table.Schema?.Fields ?? []).ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
        var missing = new List<BqTableFieldSchema>();
        foreach (var wanted in BigQueryPostSchema.Fields)
        {
            if (!existing.TryGetValue(wanted.Name, out var have))
            {
                if (wanted.Mode == "REQUIRED")
                {
                    throw new IncompatibleTableException($"BigQuery table {name} is incompatible: required column '{wanted.Name}' ({wanted.Type}) is missing and cannot be added to an existing table. Use another TableId or migrate the table.");
                }

                missing.Add(wanted);
                continue;
            }

            var haveMode = string.IsNullOrEmpty(have.Mode) ? "NULLABLE" : have.Mode;
            var modeOk = haveMode == wanted.Mode || (wanted.Mode == "REQUIRED" && haveMode == "NULLABLE");
            if (NormalizeType(have.Type) != NormalizeType(wanted.Type) || !modeOk)
            {
                throw new IncompatibleTableException($"BigQuery table {name} is incompatible: column '{wanted.Name}' is {have.Type} {haveMode}, expected {wanted.Type} {wanted.Mode}. Use another TableId or migrate the table.");
            }
        }

        foreach (var extra in existing.Values)
        {
            if (extra.Mode == "REQUIRED" && !BigQueryPostSchema.Fields.Any(f => string.Equals(f.Name, extra.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new IncompatibleTableException($"BigQuery table {name} is incompatible: it has a REQUIRED column '{extra.Name}' that posts do not fill.");
            }
        }

        if (table.TimePartitioning is not { Type: "DAY", Field: BigQueryPostSchema.PartitionField })
        {
            throw new IncompatibleTableException($"BigQuery table {name} is incompatible: it must be DAY-partitioned on created_at (found {table.TimePartitioning?.Type ?? "no partitioning"} on {table.TimePartitioning?.Field ?? "_PARTITIONTIME"}).");
        }

        return missing;
    }

    private static string NormalizeType(string type) => type.ToUpperInvariant() switch
    {
        "INT64" => "INTEGER",
        "FLOAT64" => "FLOAT",
        "BOOL" => "BOOLEAN",
        "STRUCT" => "RECORD",
        var t => t,
    };
}
