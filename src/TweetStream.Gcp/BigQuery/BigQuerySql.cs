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
    // The filter is part of the fixed text: an empty @source, @hashtag or @pii_type turns its condition off, so one
    // statement serves every filter and nothing is spliced into SQL. Text search has statements of its own: naming
    // the text column in a read bills its bytes, and it is the widest column, so reads without a search leave it out.
    private static string Live(bool search) => """
        WITH live AS (
          SELECT * FROM {table}
          WHERE created_at >= @from AND created_at < @to AND deleted IS NOT TRUE
          QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY received_at DESC) = 1
        ), gone AS (
          SELECT DISTINCT id FROM {table}
          WHERE created_at >= @from AND deleted IS TRUE
        ), kept AS (
          SELECT * FROM live WHERE id NOT IN (SELECT id FROM gone)
            AND (@source = '' OR source = @source)
            AND (@hashtag = '' OR EXISTS (SELECT 1 FROM UNNEST(hashtags) AS h WHERE LOWER(h) = LOWER(@hashtag)))
            AND (@pii_type = '' OR @pii_type IN UNNEST(pii_types))
        """ + (search ? "\n    AND NOT EXISTS (SELECT 1 FROM UNNEST(@words) AS w WHERE NOT CONTAINS_SUBSTR(text, w))" : string.Empty) + "\n)";

    /// <summary>The filter's parameters, in every read: @source, @hashtag, @pii_type (STRING, '' for none).</summary>
    public static readonly string[] FilterParameters = ["source:STRING", "hashtag:STRING", "pii_type:STRING"];

    /// <summary>The search's parameter, in the <c>…Search</c> statements only: @words (ARRAY&lt;STRING&gt;), each a case-insensitive substring of the text.</summary>
    public const string WordsParameter = "words:ARRAY<STRING>";

    private const string PageTail = """

        SELECT id, source, created_at, received_at, author_hash, text, lang, hashtags, matched_rules, url, pii_types,
          (SELECT COUNT(*) FROM kept) AS total_count
        FROM kept
        WHERE created_at < @after_at OR (created_at = @after_at AND id < @after_id)
        ORDER BY created_at DESC, id DESC
        LIMIT @limit OFFSET @offset
        """;

    private const string CountTail = """

        SELECT COUNT(*) AS total_count FROM kept
        """;

    private const string StatisticsTail = """

        SELECT 'hour' AS kind, CAST(DIV(UNIX_MICROS(created_at) + @shift, 3600000000) * 3600000000 - @shift AS STRING) AS k, COUNT(*) AS n
        FROM kept GROUP BY k
        UNION ALL
        SELECT 'pii' AS kind, t AS k, COUNT(DISTINCT id) AS n
        FROM kept, UNNEST(pii_types) AS t GROUP BY k
        UNION ALL
        SELECT 'source' AS kind, source AS k, COUNT(*) AS n
        FROM kept GROUP BY k
        UNION ALL
        (SELECT 'tag' AS kind, LOWER(h) AS k, COUNT(DISTINCT id) AS n
         FROM kept, UNNEST(hashtags) AS h GROUP BY k ORDER BY n DESC, k LIMIT @top)
        """;

    /// <summary>
    /// One page, newest first, after the keyset position (@after_at, @after_id), with the range's total on every row.
    /// Without a cursor @after_at is @to and @after_id is ''. Parameters: @from, @to, @after_at (TIMESTAMP), @after_id,
    /// the filter's, @limit, @offset (INT64).
    /// </summary>
    public static readonly string Page = "-- tweetstream:page\n" + Live(search: false) + PageTail;

    /// <summary><see cref="Page"/> with a text search (@words).</summary>
    public static readonly string PageSearch = "-- tweetstream:page-search\n" + Live(search: true) + PageTail;

    /// <summary>The range's total alone (a page past the end). Parameters: @from, @to and the filter's.</summary>
    public static readonly string Count = "-- tweetstream:count\n" + Live(search: false) + CountTail;

    /// <summary><see cref="Count"/> with a text search (@words).</summary>
    public static readonly string CountSearch = "-- tweetstream:count-search\n" + Live(search: true) + CountTail;

    /// <summary>
    /// Posts per hour (kind 'hour', key = hour start in µs since the epoch; hours start @shift µs before whole UTC
    /// hours), posts per redacted type (kind 'pii'), per source (kind 'source') and the @top hashtags (kind 'tag').
    /// Parameters: @from, @to, the filter's, @shift, @top (INT64).
    /// </summary>
    public static readonly string Statistics = "-- tweetstream:stats\n" + Live(search: false) + StatisticsTail;

    /// <summary><see cref="Statistics"/> with a text search (@words).</summary>
    public static readonly string StatisticsSearch = "-- tweetstream:stats-search\n" + Live(search: true) + StatisticsTail;

    /// <summary>
    /// DML deletion of every copy of the ids. @since (TIMESTAMP, the epoch) is a partition filter that prunes nothing but
    /// satisfies <c>requirePartitionFilter</c>; the statement scans id and created_at of the whole table. Parameters: @since, @ids (ARRAY&lt;STRING&gt;).
    /// </summary>
    public const string Delete = "-- tweetstream:delete\nDELETE FROM {table} WHERE created_at >= @since AND id IN UNNEST(@ids)";

    public static string For(string template, string qualifiedTable) => template.Replace("{table}", qualifiedTable, StringComparison.Ordinal);
}
