using System.Globalization;

namespace TweetStream.Gcp.BigQuery;

/// <summary>Runs one GoogleSQL statement with jobs.query and, while the job is not complete or more pages exist, jobs.getQueryResults.</summary>
internal sealed class BigQueryQueryRunner
{
    private readonly BigQueryApi _api;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly int _maxResults;
    private readonly long? _maximumBytesBilled;
    private readonly TimeSpan _maxDuration;

    public BigQueryQueryRunner(BigQueryApi api, TimeProvider time, TimeSpan timeout, int maxResults, long? maximumBytesBilled, TimeSpan maxDuration)
    {
        _api = api;
        _time = time;
        _timeout = timeout;
        _maxResults = maxResults;
        _maximumBytesBilled = maximumBytesBilled;
        _maxDuration = maxDuration;
    }

    /// <summary>Runs <paramref name="sql"/> (named parameters only; never values in the text) and returns the schema and every row.</summary>
    public async Task<(BqTableSchema Schema, List<BqQueryRow> Rows, long? DmlAffected)> RunAsync(string sql, List<BqQueryParameter> parameters, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_maxDuration, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var ct = linked.Token;
        var response = await _api.QueryAsync(
            new BqQueryRequest
            {
                Query = sql,
                UseLegacySql = false,
                Location = _api.Location,
                TimeoutMs = (long)_timeout.TotalMilliseconds,
                MaxResults = _maxResults,
                ParameterMode = "NAMED",
                QueryParameters = parameters,
                RequestId = Guid.NewGuid().ToString(),
                FormatOptions = new BqDataFormatOptions { UseInt64Timestamp = true },
                MaximumBytesBilled = _maximumBytesBilled?.ToString(CultureInfo.InvariantCulture),
            },
            ct).ConfigureAwait(false);

        var rows = new List<BqQueryRow>();
        var job = response.JobReference;
        while (true)
        {
            if (response.JobComplete == true)
            {
                if (response.Rows is { } page)
                {
                    rows.AddRange(page);
                }

                if (string.IsNullOrEmpty(response.PageToken))
                {
                    var affected = response.NumDmlAffectedRows is { } n && long.TryParse(n, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) ? count : (long?)null;
                    return (response.Schema ?? new BqTableSchema(), rows, affected);
                }
            }

            if (job?.JobId is null)
            {
                throw new InvalidOperationException("BigQuery returned an incomplete query without a job reference.");
            }

            var schema = response.Schema;
            var token = response.JobComplete == true ? response.PageToken : null;
            response = await _api.GetQueryResultsAsync(job, token, _maxResults, _timeout, ct).ConfigureAwait(false);
            response.Schema ??= schema;
        }
    }

    public static BqQueryParameter Timestamp(string name, DateTimeOffset value) => new()
    {
        Name = name,
        ParameterType = new BqQueryParameterType { Type = "TIMESTAMP" },
        ParameterValue = new BqQueryParameterValue { Value = BigQueryPostSchema.FormatTimestamp(value) },
    };

    public static BqQueryParameter Int64(string name, long value) => new()
    {
        Name = name,
        ParameterType = new BqQueryParameterType { Type = "INT64" },
        ParameterValue = new BqQueryParameterValue { Value = value.ToString(CultureInfo.InvariantCulture) },
    };

    public static BqQueryParameter String(string name, string value) => new()
    {
        Name = name,
        ParameterType = new BqQueryParameterType { Type = "STRING" },
        ParameterValue = new BqQueryParameterValue { Value = value },
    };

    public static BqQueryParameter StringArray(string name, IEnumerable<string> values) => new()
    {
        Name = name,
        ParameterType = new BqQueryParameterType { Type = "ARRAY", ArrayType = new BqQueryParameterType { Type = "STRING" } },
        ParameterValue = new BqQueryParameterValue { ArrayValues = [.. values.Select(v => new BqQueryParameterValue { Value = v })] },
    };
}
