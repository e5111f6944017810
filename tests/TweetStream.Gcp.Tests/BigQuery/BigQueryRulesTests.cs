using System.Net;
using System.Text.Json;
using TweetStream.Gcp.BigQuery;
using TweetStream.Gcp.Rest;

namespace TweetStream.Gcp.Tests.BigQuery;

public sealed class BigQueryRulesTests
{
    [Theory]
    [InlineData(503, "backendError", true)]
    [InlineData(403, "rateLimitExceeded", true)]
    [InlineData(500, "internalError", true)]
    [InlineData(502, null, true)]
    [InlineData(502, "invalid", true)] // the .NET client always retries 502
    [InlineData(503, null, true)]
    [InlineData(429, null, true)]
    [InlineData(400, "invalid", false)]
    [InlineData(400, "invalidQuery", false)]
    [InlineData(403, "quotaExceeded", false)]
    [InlineData(403, "accessDenied", false)]
    [InlineData(404, "notFound", false)]
    [InlineData(409, "duplicate", false)]
    [InlineData(400, null, false)]
    public void The_transport_retries_exactly_what_the_contract_lists(int status, string? reason, bool retried)
    {
        var error = new GoogleApiException((HttpStatusCode)status, null, reason, "m", BigQueryRetryPolicy.InsertAll);

        Assert.Equal(retried, BigQueryRetryPolicy.Instance.ShouldRetry(BigQueryRetryPolicy.InsertAll, error));
        Assert.True(BigQueryRetryPolicy.Instance.ShouldRetry(BigQueryRetryPolicy.InsertAll, new HttpRequestException("reset")));
    }

    [Fact]
    public void JobRateLimitExceeded_is_retried_for_queries_only()
    {
        var error = new GoogleApiException(HttpStatusCode.Forbidden, null, "jobRateLimitExceeded", "m");

        Assert.True(BigQueryRetryPolicy.Instance.ShouldRetry(BigQueryRetryPolicy.Query, error));
        Assert.False(BigQueryRetryPolicy.Instance.ShouldRetry(BigQueryRetryPolicy.InsertAll, error));
    }

    [Fact]
    public void A_row_is_failed_when_any_reason_is_permanent_and_retryable_when_only_stopped_or_transient()
    {
        Assert.False(BigQueryStreamingSink.Classify([new() { Reason = "stopped" }, new() { Reason = "invalid", Message = "no such field: x." }]).Retryable);
        Assert.True(BigQueryStreamingSink.Classify([new() { Reason = "stopped" }]).Retryable);
        Assert.True(BigQueryStreamingSink.Classify([new() { Reason = "backendError" }]).Retryable);
        Assert.True(BigQueryStreamingSink.Classify(null).Retryable);
    }

    [Theory]
    [InlineData("\"1795694400123456\"", "2026-11-26T12:00:00.1234560+00:00")]
    [InlineData("\"1.795694400123456E9\"", "2026-11-26T12:00:00.1234560+00:00")]
    [InlineData("null", null)]
    public void Timestamps_parse_from_int64_microseconds_or_float_seconds(string json, string? expected)
    {
        using var doc = JsonDocument.Parse(json);

        Assert.Equal(expected is null ? null : DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), BigQueryQueryStore.Timestamp(doc.RootElement));
    }

    [Theory]
    [InlineData("\"9007199254740993\"", 9007199254740993)] // beyond double precision: must be parsed as a string
    [InlineData("42", 42)]
    public void Int64_values_parse_from_strings_and_numbers(string json, long expected)
    {
        using var doc = JsonDocument.Parse(json);

        Assert.Equal(expected, BigQueryQueryStore.ParseInt64(doc.RootElement));
    }

    [Fact]
    public void The_committed_fixture_holds_every_schema_the_double_validates_with_required_flags()
    {
        using var fixture = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "bigquery-v2.schemas.json")));
        var schemas = fixture.RootElement.GetProperty("schemas");

        foreach (var name in new[] { "Dataset", "Table", "TableDataInsertAllRequest", "Job", "JobConfigurationLoad", "QueryRequest", "QueryParameter", "JsonObject", "JsonValue" })
        {
            Assert.True(schemas.TryGetProperty(name, out _), name);
        }

        Assert.True(schemas.GetProperty("JobReference").GetProperty("properties").GetProperty("jobId").GetProperty("required").GetBoolean());
        Assert.True(schemas.GetProperty("QueryRequest").GetProperty("properties").GetProperty("query").GetProperty("required").GetBoolean());
        Assert.Equal("int64", schemas.GetProperty("TimePartitioning").GetProperty("properties").GetProperty("expirationMs").GetProperty("format").GetString());
    }

    [Fact]
    public void Every_statement_filters_the_partition_column_on_each_scan()
    {
        foreach (var template in new[] { BigQuerySql.Page, BigQuerySql.PageSearch, BigQuerySql.Count, BigQuerySql.CountSearch, BigQuerySql.Statistics, BigQuerySql.StatisticsSearch, BigQuerySql.Delete })
        {
            var sql = BigQuerySql.For(template, "`p.d.t`");
            var scans = sql.Split("`p.d.t`")[1..];
            Assert.NotEmpty(scans);
            Assert.All(scans, after => Assert.StartsWith("WHERE created_at >= @", after.TrimStart(), StringComparison.Ordinal));
        }
    }
}
