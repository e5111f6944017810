namespace TweetStream.Gcp.BigQuery;

/// <summary>
/// Every statement TweetStream sends, as templates: <c>{table}</c> is the quoted table name, values are always named
/// query parameters (never text built from input). Each read filters <c>created_at</c> on every scan of the table so
/// BigQuery prunes partitions (and tables with <c>requirePartitionFilter</c> accept it).
/// </summary>
/// <remarks>
/// Posts live once per id after dedup (insertId is best effort and a restarted load can repeat rows): the newest
/// received copy wins. Deletion markers (<c>deleted</c> true) hide every copy of their id; a marker's <c>created_at</c> is
/// the deletion time, which is never before the post's, so scanning from <c>@from</c> finds it.
/// </remarks>
internal static class BigQuerySql
{
    private const string Live = """
        WITH live AS (
          SELECT * FROM {table}
          WHERE created_at >= @from AND created_at < @to AND deleted IS NOT TRUE
          QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY received_at DESC) = 1
        ), gone AS (
          SELECT DISTINCT id FROM {table}
          WHERE created_at >= @from AND deleted IS TRUE
        ), kept AS (
          SELECT * FROM live WHERE id NOT IN (SELECT id FROM gone)
        )
        """;

    /// <summary>One page, newest first, with the range's total on every row. Parameters: @from, @to (TIMESTAMP), @limit, @offset (INT64).</summary>
    public const string Page = "-- tweetstream:page\n" + Live + """

        SELECT id, source, created_at, received_at, author_hash, text, lang, hashtags, matched_rules, url, pii_types,
          COUNT(*) OVER () AS total_count
        FROM kept
        ORDER BY created_at DESC, id DESC
        LIMIT @limit OFFSET @offset
        """;

    /// <summary>The range's total alone (a page past the end). Parameters: @from, @to.</summary>
    public const string Count = "-- tweetstream:count\n" + Live + """

        SELECT COUNT(*) AS total_count FROM kept
        """;

    /// <summary>Posts per hour (kind 'hour', key = hour start in µs since the epoch) and posts per redacted type (kind 'pii'). Parameters: @from, @to.</summary>
    public const string Statistics = "-- tweetstream:stats\n" + Live + """

        SELECT 'hour' AS kind, CAST(UNIX_MICROS(TIMESTAMP_TRUNC(created_at, HOUR)) AS STRING) AS k, COUNT(*) AS n
        FROM kept GROUP BY k
        UNION ALL
        SELECT 'pii' AS kind, t AS k, COUNT(DISTINCT id) AS n
        FROM kept, UNNEST(pii_types) AS t GROUP BY k
        """;

    /// <summary>
    /// DML deletion of every copy of the ids. @since (TIMESTAMP, the epoch) is a partition filter that prunes nothing but
    /// satisfies <c>requirePartitionFilter</c>; the statement scans id and created_at of the whole table. Parameters: @since, @ids (ARRAY&lt;STRING&gt;).
    /// </summary>
    public const string Delete = "-- tweetstream:delete\nDELETE FROM {table} WHERE created_at >= @since AND id IN UNNEST(@ids)";

    public static string For(string template, string qualifiedTable) => template.Replace("{table}", qualifiedTable, StringComparison.Ordinal);
}
