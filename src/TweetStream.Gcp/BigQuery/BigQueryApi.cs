using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using TweetStream.Gcp.Auth;
using TweetStream.Gcp.Rest;

namespace TweetStream.Gcp.BigQuery;

/// <summary>The BigQuery v2 calls TweetStream makes, over the shared transport.</summary>
internal sealed class BigQueryApi
{
    public const string HttpClientName = "TweetStream.Gcp.BigQuery";
    public const string Scope = "https://www.googleapis.com/auth/bigquery";
    public const string TokenSourceKey = "bigquery";

    public BigQueryApi(GoogleRestClient client, BigQueryClientOptions options)
    {
        Client = client;
        ProjectId = options.ProjectId;
        DatasetId = options.DatasetId;
        TableId = options.TableId;
        Location = options.Location;
    }

    public GoogleRestClient Client { get; }

    public string ProjectId { get; }

    public string DatasetId { get; }

    public string TableId { get; }

    public string Location { get; }

    /// <summary>The table as GoogleSQL names it, quoted.</summary>
    public string QualifiedTable => $"`{ProjectId}.{DatasetId}.{TableId}`";

    public static BigQueryApi Create(BigQueryClientOptions options, HttpClient http, IGoogleAccessTokenSource tokens, TimeProvider time, GoogleRetryPolicy? policy = null)
    {
        var emulator = options.ResolveEmulatorHost();
        var settings = emulator is not null
            ? new GoogleRestSettings(new Uri("http://" + emulator + "/bigquery/v2/"), null, GzipRequestBodies: false, GzipThresholdBytes: int.MaxValue)
            : new GoogleRestSettings(EnsureSlash(options.BaseAddress), options.QuotaProjectId, options.GzipRequests, 1024);
        var client = new GoogleRestClient(http, settings, emulator is not null ? NoAccessTokenSource.Instance : tokens, policy ?? BigQueryRetryPolicy.Instance, time);
        return new BigQueryApi(client, options);
    }

    public async Task<BqDataset?> GetDatasetAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await Client.SendAsync(BigQueryRetryPolicy.DatasetsGet, HttpMethod.Get, $"projects/{E(ProjectId)}/datasets/{E(DatasetId)}", null, BigQueryJsonContext.Default.BqDataset, cancellationToken).ConfigureAwait(false);
        }
        catch (GoogleApiException ex) when (ex.HttpStatus == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates the dataset; false when it already existed (409 <c>duplicate</c>).</summary>
    public async Task<bool> InsertDatasetAsync(BqDataset dataset, CancellationToken cancellationToken)
    {
        try
        {
            await Client.SendJsonAsync(BigQueryRetryPolicy.DatasetsInsert, HttpMethod.Post, $"projects/{E(ProjectId)}/datasets", dataset, BigQueryJsonContext.Default.BqDataset, BigQueryJsonContext.Default.BqDataset, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (GoogleApiException ex) when (ex.HttpStatus == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    public async Task<BqTable?> GetTableAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await Client.SendAsync(BigQueryRetryPolicy.TablesGet, HttpMethod.Get, TablePath, null, BigQueryJsonContext.Default.BqTable, cancellationToken).ConfigureAwait(false);
        }
        catch (GoogleApiException ex) when (ex.HttpStatus == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates the table; false when it already existed (409 <c>duplicate</c>).</summary>
    public async Task<bool> InsertTableAsync(BqTable table, CancellationToken cancellationToken)
    {
        try
        {
            await Client.SendJsonAsync(BigQueryRetryPolicy.TablesInsert, HttpMethod.Post, $"projects/{E(ProjectId)}/datasets/{E(DatasetId)}/tables", table, BigQueryJsonContext.Default.BqTable, BigQueryJsonContext.Default.BqTable, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (GoogleApiException ex) when (ex.HttpStatus == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    /// <summary>Replaces the schema (tables.patch); BigQuery accepts only added NULLABLE/REPEATED columns.</summary>
    public Task<BqTable> PatchSchemaAsync(BqTableSchema schema, CancellationToken cancellationToken) =>
        Client.SendJsonAsync(BigQueryRetryPolicy.TablesPatch, HttpMethod.Patch, TablePath, new BqTable { Schema = schema }, BigQueryJsonContext.Default.BqTable, BigQueryJsonContext.Default.BqTable, cancellationToken);

    public Task<BqInsertAllResponse> InsertAllAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        Client.SendAsync(BigQueryRetryPolicy.InsertAll, HttpMethod.Post, TablePath + "/insertAll", body, BigQueryJsonContext.Default.BqInsertAllResponse, cancellationToken);

    /// <summary>Starts a load job from <paramref name="file"/> with a multipart upload (job JSON, then the NDJSON bytes).</summary>
    public Task<BqJob> InsertLoadJobAsync(BqJob job, string file, CancellationToken cancellationToken)
    {
        var metadata = JsonSerializer.SerializeToUtf8Bytes(job, BigQueryJsonContext.Default.BqJob);
        return Client.SendContentAsync(
            BigQueryRetryPolicy.JobsInsert,
            HttpMethod.Post,
            $"/upload/bigquery/v2/projects/{E(ProjectId)}/jobs?uploadType=multipart",
            () =>
            {
                var multipart = new MultipartContent("related", "tweetstream_" + Guid.NewGuid().ToString("N"));
                var json = new ByteArrayContent(metadata);
                json.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "UTF-8" };
                multipart.Add(json);
                var data = new StreamContent(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan));
                data.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                multipart.Add(data);
                return multipart;
            },
            BigQueryJsonContext.Default.BqJob,
            cancellationToken);
    }

    public Task<BqJob> GetJobAsync(string jobId, string? location, CancellationToken cancellationToken) =>
        Client.SendAsync(
            BigQueryRetryPolicy.JobsGet,
            HttpMethod.Get,
            $"projects/{E(ProjectId)}/jobs/{E(jobId)}?location={E(location ?? Location)}",
            null,
            BigQueryJsonContext.Default.BqJob,
            cancellationToken);

    public Task<BqQueryResponse> QueryAsync(BqQueryRequest request, CancellationToken cancellationToken) =>
        Client.SendJsonAsync(BigQueryRetryPolicy.Query, HttpMethod.Post, $"projects/{E(ProjectId)}/queries", request, BigQueryJsonContext.Default.BqQueryRequest, BigQueryJsonContext.Default.BqQueryResponse, cancellationToken);

    public Task<BqQueryResponse> GetQueryResultsAsync(BqJobReference job, string? pageToken, int maxResults, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var path = $"projects/{E(ProjectId)}/queries/{E(job.JobId!)}?location={E(job.Location ?? Location)}&maxResults={maxResults}&timeoutMs={(long)timeout.TotalMilliseconds}"
            + (pageToken is null ? string.Empty : "&pageToken=" + E(pageToken))
            + "&formatOptions.useInt64Timestamp=true";
        return Client.SendAsync(BigQueryRetryPolicy.GetQueryResults, HttpMethod.Get, path, null, BigQueryJsonContext.Default.BqQueryResponse, cancellationToken);
    }

    private string TablePath => $"projects/{E(ProjectId)}/datasets/{E(DatasetId)}/tables/{E(TableId)}";

    private static string E(string value) => Uri.EscapeDataString(value);

    private static Uri EnsureSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
