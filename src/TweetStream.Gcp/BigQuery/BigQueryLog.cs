using Microsoft.Extensions.Logging;

namespace TweetStream.Gcp.BigQuery;

/// <summary>Source-generated log messages: names, counts, job ids and API errors only, never post content.</summary>
internal static partial class BigQueryLog
{
    [LoggerMessage(1101, LogLevel.Information, "BigQuery {Kind} {Name} created")]
    public static partial void Provisioned(ILogger logger, string kind, string name);

    [LoggerMessage(1102, LogLevel.Information, "BigQuery table {Table}: added column(s) {Columns}")]
    public static partial void ColumnsAdded(ILogger logger, string table, string columns);

    [LoggerMessage(1103, LogLevel.Warning, "BigQuery insertAll of {Count} rows to {Table} failed: {Reason}")]
    public static partial void InsertFailed(ILogger logger, int count, string table, string reason);

    [LoggerMessage(1104, LogLevel.Information, "BigQuery load job {JobId} started for {Rows} rows ({Bytes} bytes)")]
    public static partial void LoadStarted(ILogger logger, string jobId, long rows, long bytes);

    [LoggerMessage(1105, LogLevel.Information, "BigQuery load job {JobId} done: {Outcome}")]
    public static partial void LoadDone(ILogger logger, string jobId, string outcome);

    [LoggerMessage(1106, LogLevel.Warning, "BigQuery load job {JobId} could not be run now; it is kept and retried: {Reason}")]
    public static partial void LoadDeferred(ILogger logger, string jobId, string reason);

    [LoggerMessage(1107, LogLevel.Information, "BigQuery load buffer recovered {Files} file(s) after a restart")]
    public static partial void Recovered(ILogger logger, int files);

    [LoggerMessage(1108, LogLevel.Warning, "BigQuery deletion of {Count} posts failed: {Reason}")]
    public static partial void DeleteFailed(ILogger logger, int count, string reason);

    [LoggerMessage(1109, LogLevel.Warning, "BigQuery load job {JobId} succeeded with {Count} non-fatal error(s), first: {Reason}")]
    public static partial void LoadWarnings(ILogger logger, string jobId, int count, string reason);
}
