using System.Text.Json;
using TweetStream.Benchmarks;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Gcp.Tests.Benchmarks;

/// <summary>The bigquery benchmark command (benchmarks/TweetStream.Benchmarks): a tiny run, and the check that makes a run count.</summary>
public sealed class BigQueryCommandTests
{
    private static readonly string[] Ids = ["x:1", "x:2", "x:3"];

    [Fact]
    public async Task A_small_run_of_both_sinks_succeeds_and_reports_every_row()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await BigQueryCommand.RunAsync(["--count", "300", "--runs", "1", "--mode", "both"], output, error)
            .WithinSafetyNet("a 300-row bigquery run of both sinks");

        Assert.True(code == 0, $"exit {code}: {error}\n{output}");
        Assert.Equal(string.Empty, error.ToString());
        var lines = output.ToString().Split('\n', StringSplitOptions.TrimEntries);
        Assert.Single(lines, l => l.StartsWith("bigquery insertall: 300 rows in ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("bigquery load: 300 rows in ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_run_counts_when_the_table_holds_each_id_once_and_only_provisioning_asked_about_what_is_missing()
    {
        RecordedRequest[] requests = [Request("tables.get", 404), Request("datasets.get", 404), Request("datasets.insert", 200), Request("tables.insert", 200), Request("insertAll", 200)];

        Assert.Null(BigQueryCommand.Verify(Ids, Ids, requests, written: 3, deadLettered: 0, retries: 0, leftoverFiles: 0));
    }

    [Fact]
    public void A_missing_row_fails_the_run_even_when_a_duplicate_makes_up_the_count()
    {
        RecordedRequest[] requests = [Request("insertAll", 200)];

        var shortTable = BigQueryCommand.Verify(Ids, ["x:1", "x:2"], requests, written: 3, deadLettered: 0, retries: 0, leftoverFiles: 0);
        var duplicated = BigQueryCommand.Verify(Ids, ["x:1", "x:2", "x:2"], requests, written: 3, deadLettered: 0, retries: 0, leftoverFiles: 0);

        Assert.Equal("the table holds 2 rows for 3 posts (1 missing, 0 duplicated, 0 unexpected)", shortTable);
        Assert.Equal("the table holds 3 rows for 3 posts (1 missing, 1 duplicated, 0 unexpected)", duplicated);
    }

    [Fact]
    public void A_rejected_request_or_a_retry_fails_the_run_even_when_every_row_arrived()
    {
        var rejected = BigQueryCommand.Verify(Ids, Ids, [Request("insertAll", 400), Request("insertAll", 200)], written: 3, deadLettered: 0, retries: 0, leftoverFiles: 0);
        var retried = BigQueryCommand.Verify(Ids, Ids, [Request("upload", 200)], written: 3, deadLettered: 0, retries: 1, leftoverFiles: 0);

        Assert.Equal("1 of 2 requests rejected (insertAll 400 ×1)", rejected);
        Assert.Equal("the pipeline wrote 3 of 3, dead-lettered 0, retried 1 times", retried);
    }

    private static RecordedRequest Request(string operation, int status) =>
        new(operation, "POST", "/", null, null, null, 0, status, (JsonElement?)null);
}
