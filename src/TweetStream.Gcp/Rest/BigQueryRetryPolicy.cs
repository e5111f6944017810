using System.Net;

namespace TweetStream.Gcp.Rest;

/// <summary>BigQuery's retry rules (CONTRACT.md §3.6): the official .NET and Python clients' reasons, the SLA backoff.</summary>
/// <remarks>
/// <para>Retried by the transport: connection failures, HTTP 502, and errors whose reason is <c>backendError</c>,
/// <c>rateLimitExceeded</c>, <c>internalError</c> or <c>badGateway</c> (plus <c>jobRateLimitExceeded</c> for queries);
/// an error without a structured reason is retried when its status is 429, 500, 502 or 503. Never retried:
/// <c>invalid</c>, <c>invalidQuery</c>, <c>notFound</c>, <c>duplicate</c>, <c>quotaExceeded</c>, <c>accessDenied</c> —
/// they persist until something changes.</para>
/// <para>Backoff follows the SLA definition: at least 1 s after the first error, doubling up to 32 s. insertAll is
/// retried at most twice (insertId makes a repeat harmless, but the pipeline owns longer retries); the pipeline then sees
/// the same set through <see cref="IsTransient"/>.</para>
/// </remarks>
internal sealed class BigQueryRetryPolicy : GoogleRetryPolicy
{
    public const string InsertAll = "bigquery.tabledata.insertAll";
    public const string JobsInsert = "bigquery.jobs.insert";
    public const string JobsGet = "bigquery.jobs.get";
    public const string Query = "bigquery.jobs.query";
    public const string GetQueryResults = "bigquery.jobs.getQueryResults";
    public const string DatasetsGet = "bigquery.datasets.get";
    public const string DatasetsInsert = "bigquery.datasets.insert";
    public const string TablesGet = "bigquery.tables.get";
    public const string TablesInsert = "bigquery.tables.insert";
    public const string TablesPatch = "bigquery.tables.patch";

    private readonly GoogleRetrySettings _standard;
    private readonly GoogleRetrySettings _insertAll;

    /// <summary>Creates the policy; <paramref name="initialDelay"/> other than the SLA's 1 s is for tests.</summary>
    public BigQueryRetryPolicy(TimeSpan? initialDelay = null)
    {
        var first = initialDelay ?? TimeSpan.FromSeconds(1);
        _standard = new(6, first, first * 32, TimeSpan.FromMinutes(2));
        _insertAll = new(3, first, first * 4, TimeSpan.FromSeconds(60));
    }

    public static BigQueryRetryPolicy Instance { get; } = new();

    public override GoogleRetrySettings GetSettings(string operation) => operation == InsertAll ? _insertAll : _standard;

    public override bool ShouldRetry(string operation, Exception exception)
    {
        if (IsTransportFailure(exception))
        {
            return true;
        }

        if (exception is not GoogleApiException api)
        {
            return false;
        }

        if (api.HttpStatus == HttpStatusCode.BadGateway)
        {
            return true;
        }

        return api.Reason switch
        {
            null => (int)api.HttpStatus is 429 or 500 or 502 or 503,
            _ => IsRetryableReason(api.Reason, operation),
        };
    }

    public override bool IsTransient(string operation, Exception exception) =>
        exception is Polly.Timeout.TimeoutRejectedException || ShouldRetry(operation, exception);

    /// <summary>True for the per-row or per-job error reasons that may succeed when tried again.</summary>
    public static bool IsRetryableReason(string? reason, string operation = InsertAll) => reason switch
    {
        "backendError" or "rateLimitExceeded" or "internalError" or "badGateway" => true,
        "jobRateLimitExceeded" => operation is Query or JobsInsert,
        _ => false,
    };
}
