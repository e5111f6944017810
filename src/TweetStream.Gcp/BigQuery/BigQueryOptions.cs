using System.ComponentModel.DataAnnotations;

namespace TweetStream.Gcp;

/// <summary>How a sink honours a tombstone (a post deleted at its source).</summary>
public enum BigQueryDeletionMode
{
    /// <summary>
    /// Append a marker row (<c>deleted = true</c>, <c>deleted_at</c>) with the post's id; readers exclude ids that have a
    /// marker. Costs one small row (streaming: billed at the 1 KB minimum; load: free) and works on rows still in the
    /// streaming buffer. The default.
    /// </summary>
    MarkDeleted,

    /// <summary>
    /// Run a DML <c>DELETE … WHERE id IN UNNEST(@ids)</c>. Billed as a query (bytes of <c>id</c> and <c>created_at</c>
    /// scanned over the whole table, 10 MB minimum per statement) and rejected for rows still in the streaming buffer
    /// (about 30 minutes after an insertAll), which the sink reports retryable. Leaves no trace of the post.
    /// </summary>
    DmlDelete,
}

/// <summary>Connection settings shared by the BigQuery sinks and the query store.</summary>
/// <remarks>
/// Credentials are Application Default Credentials scoped to <c>https://www.googleapis.com/auth/bigquery</c>. With an
/// emulator (<see cref="EmulatorHost"/> or <c>BIGQUERY_EMULATOR_HOST</c>) calls go over plain http with no credentials.
/// </remarks>
public abstract class BigQueryClientOptions
{
    /// <summary>The Google Cloud project holding the dataset. Required.</summary>
    [Required]
    [RegularExpression("^[a-z][a-z0-9.:-]{1,61}[a-z0-9]$")]
    public string ProjectId { get; set; } = string.Empty;

    /// <summary>The dataset id. Required; letters, digits and <c>_</c>, at most 1,024 characters.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_]{1,1024}$")]
    public string DatasetId { get; set; } = string.Empty;

    /// <summary>The table id. Default <c>posts</c>.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_]{1,1024}$")]
    public string TableId { get; set; } = "posts";

    /// <summary>Location of the dataset and of jobs (<c>US</c>, <c>EU</c>, <c>europe-west2</c>, …). Default <c>US</c>.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9-]{2,64}$")]
    public string Location { get; set; } = "US";

    /// <summary>The JSON API's base address. Default <c>https://bigquery.googleapis.com/bigquery/v2/</c>; uploads go to <c>/upload/bigquery/v2/</c> on the same host.</summary>
    [Required]
    public Uri BaseAddress { get; set; } = new("https://bigquery.googleapis.com/bigquery/v2/");

    /// <summary>Project charged for quota, sent as <c>x-goog-user-project</c>. Default none.</summary>
    public string? QuotaProjectId { get; set; }

    /// <summary>
    /// <c>host:port</c> of a BigQuery emulator (no scheme): calls go to <c>http://host:port/bigquery/v2/</c> without an
    /// <c>Authorization</c> header. Default: the <c>BIGQUERY_EMULATOR_HOST</c> environment variable, if set.
    /// </summary>
    [RegularExpression(@"^[^/\s:]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$")]
    public string? EmulatorHost { get; set; }

    /// <summary>Gzip JSON request bodies of at least 1 KiB. Default true; never used with an emulator.</summary>
    public bool GzipRequests { get; set; } = true;

    internal string? ResolveEmulatorHost() =>
        !string.IsNullOrWhiteSpace(EmulatorHost) ? EmulatorHost : Environment.GetEnvironmentVariable("BIGQUERY_EMULATOR_HOST") is { Length: > 0 } env ? env : null;
}

/// <summary>Settings shared by the BigQuery sinks: the table they write and how it is provisioned.</summary>
/// <remarks>
/// At start the sink makes sure the dataset and the table exist (when <see cref="CreateIfMissing"/>) with the documented
/// post schema (see <c>docs</c> in the package README): DAY partitioning on <c>created_at</c>, optional partition expiration,
/// clustering and <c>requirePartitionFilter</c>. An existing table missing a nullable or repeated column of the schema gets
/// it added (tables.patch); an existing table whose columns have other types or modes, a missing required column, or
/// other partitioning fails start-up with a message naming the column.
/// </remarks>
public abstract class BigQueryTableOptions : BigQueryClientOptions
{
    /// <summary>Create the dataset and table when missing, and add missing nullable columns. Default true.</summary>
    public bool CreateIfMissing { get; set; } = true;

    /// <summary>Partitions older than this are deleted by BigQuery. Default none (kept forever); at least 1 hour.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "36500.00:00:00")]
    public TimeSpan? PartitionExpiration { get; set; }

    /// <summary>Clustering columns, comma-separated, most important first (at most 4 top-level, non-repeated columns). Default <c>source,lang</c>; empty for none.</summary>
    public string ClusteringFields { get; set; } = "source,lang";

    /// <summary>Queries must filter on <c>created_at</c> (the query store always does). Default false.</summary>
    public bool RequirePartitionFilter { get; set; }

    /// <summary>How tombstones are honoured. Default <see cref="BigQueryDeletionMode.MarkDeleted"/>.</summary>
    public BigQueryDeletionMode Deletion { get; set; } = BigQueryDeletionMode.MarkDeleted;

    internal IReadOnlyList<string> ClusteringFieldList() =>
        ClusteringFields.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Settings of the streaming sink (<c>AddBigQueryStreamingSink</c>, tabledata.insertAll).</summary>
/// <remarks>
/// Each pipeline batch is split into insertAll requests of at most <see cref="MaxRowsPerRequest"/> rows and
/// <see cref="MaxRequestBytes"/> bytes of JSON; every row's insertId is the post id, so a retried request is
/// deduplicated by BigQuery (best effort, about a minute). Streaming is billed per GB ingested with a 1 KB minimum per row;
/// <c>AddBigQueryLoadSink</c> is the free alternative.
/// </remarks>
public sealed class BigQueryStreamingSinkOptions : BigQueryTableOptions
{
    /// <summary>Most rows per insertAll request. Default 500 (Google's recommendation); at most 50,000.</summary>
    [Range(1, 50_000)]
    public int MaxRowsPerRequest { get; set; } = 500;

    /// <summary>Most bytes of JSON per request. Default 5,000,000 (Google's advice); at most 10,485,760 (the hard limit).</summary>
    [Range(16_384, 10_485_760)]
    public int MaxRequestBytes { get; set; } = 5_000_000;

    /// <summary>
    /// Insert the valid rows of a request even when others are invalid. Default true: with false one invalid row makes
    /// BigQuery reject the whole request and the other rows come back as <c>stopped</c> and are retried.
    /// </summary>
    public bool SkipInvalidRows { get; set; } = true;

    /// <summary>insertAll requests of one batch in flight at once. Default 4.</summary>
    [Range(1, 64)]
    public int MaxConcurrentRequests { get; set; } = 4;
}

/// <summary>Settings of the batch-load sink (<c>AddBigQueryLoadSink</c>): free ingestion through load jobs.</summary>
/// <remarks>
/// <para>Rows are appended to a local NDJSON file under <see cref="BufferDirectory"/> (flushed to disk before the write
/// waits); at most once per <see cref="MinLoadInterval"/> the file is sealed and loaded with a multipart upload
/// (NEWLINE_DELIMITED_JSON, WRITE_APPEND) under a job id derived from the file, so a retry after a crash finds the same
/// job instead of loading twice. A sink call completes when the load job that holds its rows is DONE: committed when the job
/// has no <c>errorResult</c>, failed (or retryable, for transient reasons) otherwise.</para>
/// <para>Every call waits up to about one interval, so throughput is bounded by the pipeline's parallelism: set
/// <c>MaxParallelBatches</c> × batch size at least to the posts expected per interval (e.g. 8 × 500 = 4,000 posts a
/// minute), and the pipeline's drain deadline above the interval if shutdown should wait for the last job.</para>
/// </remarks>
public sealed class BigQueryLoadSinkOptions : BigQueryTableOptions
{
    /// <summary>Directory for buffer files; must survive restarts. Default <c>data/bigquery-load</c>.</summary>
    [Required]
    public string BufferDirectory { get; set; } = "data/bigquery-load";

    /// <summary>
    /// Least time between the starts of two load jobs. Default 1 minute: BigQuery allows 1,500 table modifications per
    /// table per day (about one a minute) and 5 metadata updates per 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MinLoadInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Most bytes in one load file (a multipart upload): a batch's rows that do not fit go to the next file, loaded by
    /// the next job, so with <see cref="MinLoadInterval"/> this bounds load throughput (50 MB a minute ≈ 1,500 posts/s).
    /// A single row larger than this fails. Default 50,000,000.
    /// </summary>
    [Range(1024, 1_000_000_000)]
    public long MaxFileBytes { get; set; } = 50_000_000;

    /// <summary>How often a running job is polled with jobs.get. Default 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan JobPollInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Settings of the BigQuery query store (<c>AddBigQueryQueryStore</c>), the dashboard's <see cref="IPostStore"/>.</summary>
public sealed class BigQueryQueryStoreOptions : BigQueryClientOptions
{
    /// <summary>How long jobs.query waits before returning an incomplete job (then getQueryResults is polled). Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most rows per response page. Default 1,000.</summary>
    [Range(1, 100_000)]
    public int MaxResultsPerPage { get; set; } = 1000;

    /// <summary>Queries that would bill more bytes fail instead. Default none.</summary>
    [Range(typeof(long), "1", "9223372036854775807")]
    public long? MaximumBytesBilled { get; set; }

    /// <summary>Largest page a query returns; bigger requests are clamped (as the SQLite store does). Default 500.</summary>
    [Range(1, 10_000)]
    public int MaxPageSize { get; set; } = 500;

    /// <summary>How long a query may run in total, polling included. Default 2 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxQueryDuration { get; set; } = TimeSpan.FromMinutes(2);
}
