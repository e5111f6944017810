using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Gcp.Tests.Support;
using static TweetStream.Gcp.Tests.Support.BigQueryTestKit;

namespace TweetStream.Gcp.Tests.BigQuery;

public sealed class BigQueryStreamingSinkTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _serverTime = new(Now);
    private BigQueryTestServer _server = null!;

    public async Task InitializeAsync() => _server = await BigQueryTestServer.StartAsync(_serverTime);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static readonly DateTimeOffset OutOfBounds = Now.AddYears(-20); // BigQuery streams only 3,650 days back

    [Fact]
    public async Task A_batch_with_one_invalid_row_dead_letters_only_that_row_with_BigQuerys_reason()
    {
        var sink = StreamingSink(_server);
        var batch = new SinkBatch([.. Enumerable.Range(0, 10).Select(i => Post(i, i == 4 ? OutOfBounds : null))]);

        await sink.WriteAsync(batch, CancellationToken.None);

        var failure = batch.GetFailure(4);
        Assert.NotNull(failure);
        Assert.False(failure.Retryable);
        Assert.True(failure.Reason.StartsWith("invalid: ", StringComparison.Ordinal), failure.Reason);
        Assert.Contains("outside the allowed bounds", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("(at created_at)", failure.Reason, StringComparison.Ordinal);
        Assert.All(Enumerable.Range(0, 10).Where(i => i != 4), i => Assert.Null(batch.GetFailure(i)));
        Assert.Equal(9, _server.Rows(Project, Dataset, TableName).Count);
    }

    [Fact]
    public async Task Without_skipInvalidRows_the_stopped_rows_are_retryable_and_commit_on_retry()
    {
        var options = Configure(new BigQueryStreamingSinkOptions { SkipInvalidRows = false }, _server);
        var sink = StreamingSink(_server, options);
        var posts = Enumerable.Range(0, 10).Select(i => Post(i, i == 4 ? OutOfBounds : null)).ToArray();
        var batch = new SinkBatch(posts);

        await sink.WriteAsync(batch, CancellationToken.None);

        Assert.False(batch.GetFailure(4)!.Retryable);
        foreach (var i in Enumerable.Range(0, 10).Where(i => i != 4))
        {
            Assert.True(batch.GetFailure(i)!.Retryable);
            Assert.StartsWith("stopped", batch.GetFailure(i)!.Reason, StringComparison.Ordinal);
        }

        Assert.Empty(_server.Rows(Project, Dataset, TableName)); // the whole request was rejected

        // The pipeline retries only the retryable rows.
        var retry = new SinkBatch([.. posts.Where((_, i) => i != 4)]);
        await sink.WriteAsync(retry, CancellationToken.None);
        Assert.False(retry.HasFailures);
        Assert.Equal(9, _server.Rows(Project, Dataset, TableName).Count);
    }

    [Fact]
    public async Task Requests_stay_within_the_10_MB_limit_and_every_row_commits()
    {
        var options = Configure(new BigQueryStreamingSinkOptions { MaxRequestBytes = BigQueryTestServer.MaxInsertAllBytes, MaxRowsPerRequest = 50_000, GzipRequests = false }, _server);
        var sink = StreamingSink(_server, options);
        var text = new string('a', 1_000_000); // ~1 MB a row: 11 rows are just over 10 MB
        var batch = new SinkBatch([.. Enumerable.Range(0, 21).Select(i => Post(i, text: text + i))]);

        await sink.WriteAsync(batch, CancellationToken.None);

        Assert.False(batch.HasFailures);
        var inserts = _server.Requests.Where(r => r.Operation == "insertAll").ToList();
        Assert.Equal(3, inserts.Count); // 10 + 10 + 1 rows
        var sizes = inserts.Select(r => r.BodyBytes).OrderDescending().ToArray(); // requests run in parallel
        Assert.True(sizes[0] > 10_000_000 && sizes[1] > 10_000_000, "the first two requests are filled close to the limit");
        Assert.True(sizes.All(b => b <= BigQueryTestServer.MaxInsertAllBytes), "no request exceeds 10,485,760 bytes");
        Assert.True(inserts.All(r => r.StatusCode == 200), "every request was accepted");
        Assert.Equal(21, _server.Rows(Project, Dataset, TableName).Count);
    }

    [Fact]
    public async Task The_double_rejects_a_request_one_byte_over_10_MB()
    {
        // Guards the boundary the sink relies on: without the encoder's split, requests like this are rejected.
        using var client = new HttpClient();
        var tablePath = $"projects/{Project}/datasets/{Dataset}/tables/{TableName}/insertAll";
        await Provisioner(_server, Configure(new BigQueryStreamingSinkOptions(), _server)).EnsureAsync(CancellationToken.None);
        var envelope = "{\"rows\":[{\"insertId\":\"x:1\",\"json\":{\"id\":\"x:1\",\"source\":\"x\",\"created_at\":\"2026-11-26T10:00:00Z\",\"text\":\"\"}}]}";
        var pad = BigQueryTestServer.MaxInsertAllBytes + 1 - envelope.Length;
        var body = envelope.Replace("\"text\":\"\"", "\"text\":\"" + new string('b', pad) + "\"", StringComparison.Ordinal);
        Assert.Equal(BigQueryTestServer.MaxInsertAllBytes + 1, body.Length);

        using var response = await client.PostAsync(new Uri(_server.BaseAddress, tablePath), new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("10485760", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_row_larger_than_the_request_limit_fails_alone_without_being_sent()
    {
        var options = Configure(new BigQueryStreamingSinkOptions { MaxRequestBytes = 100_000 }, _server);
        var sink = StreamingSink(_server, options);
        var batch = new SinkBatch([Post(1), Post(2, text: new string('c', 200_000)), Post(3)]);

        await sink.WriteAsync(batch, CancellationToken.None);

        Assert.False(batch.GetFailure(1)!.Retryable);
        Assert.Contains("exceeds the insertAll request limit", batch.GetFailure(1)!.Reason, StringComparison.Ordinal);
        Assert.Null(batch.GetFailure(0));
        Assert.Null(batch.GetFailure(2));
        Assert.Equal(2, _server.Rows(Project, Dataset, TableName).Count);
    }

    [Fact]
    public async Task BackendError_is_retried_by_the_transport_and_the_rows_commit_once()
    {
        var sink = StreamingSink(_server);
        await sink.WriteAsync(new SinkBatch([Post(100)]), CancellationToken.None); // provisions
        _server.InjectFault("insertAll", Fault.Http(503, "UNAVAILABLE", "backendError"));
        _server.InjectFault("insertAll", Fault.Http(500, "INTERNAL", "internalError"));
        var batch = new SinkBatch([.. Enumerable.Range(0, 5).Select(i => Post(i))]);

        await sink.WriteAsync(batch, CancellationToken.None);

        Assert.False(batch.HasFailures);
        Assert.Equal(4, _server.Count("insertAll")); // 1 provisioning batch + 2 faults + 1 success
        Assert.Equal(6, _server.Rows(Project, Dataset, TableName).Count);
    }

    [Theory]
    [InlineData(400, "INVALID_ARGUMENT", "invalid")]
    [InlineData(403, "PERMISSION_DENIED", "quotaExceeded")]
    [InlineData(404, "NOT_FOUND", "notFound")]
    public async Task Persistent_errors_are_not_retried_and_fail_the_rows(int status, string statusName, string reason)
    {
        var sink = StreamingSink(_server);
        await sink.WriteAsync(new SinkBatch([Post(100)]), CancellationToken.None);
        _server.InjectFault("insertAll", Fault.Http(status, statusName, reason));
        var batch = new SinkBatch([.. Enumerable.Range(0, 5).Select(i => Post(i))]);

        await sink.WriteAsync(batch, CancellationToken.None);

        Assert.Equal(2, _server.Count("insertAll"));
        Assert.All(Enumerable.Range(0, 5), i =>
        {
            Assert.False(batch.GetFailure(i)!.Retryable);
            Assert.Contains(reason, batch.GetFailure(i)!.Reason, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Transient_errors_beyond_the_transports_retries_are_reported_retryable()
    {
        var sink = StreamingSink(_server);
        await sink.WriteAsync(new SinkBatch([Post(100)]), CancellationToken.None);
        _server.InjectFault("insertAll", Fault.Http(503, "UNAVAILABLE", "backendError"), times: 3);
        var batch = new SinkBatch([Post(1)]);

        await sink.WriteAsync(batch, CancellationToken.None);

        Assert.True(batch.GetFailure(0)!.Retryable);
        Assert.Equal(4, _server.Count("insertAll")); // 3 attempts, no more
    }

    [Fact]
    public async Task InsertId_is_the_post_id_so_a_repeat_within_a_minute_is_deduplicated()
    {
        var sink = StreamingSink(_server);
        var posts = Enumerable.Range(0, 3).Select(i => Post(i)).ToArray();

        await sink.WriteAsync(new SinkBatch(posts), CancellationToken.None);
        await sink.WriteAsync(new SinkBatch(posts), CancellationToken.None);
        Assert.Equal(3, _server.Rows(Project, Dataset, TableName).Count);

        var body = _server.Requests.Last(r => r.Operation == "insertAll").Body!.Value;
        Assert.Equal(posts.Select(p => p.Id), body.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("insertId").GetString()));

        _serverTime.Advance(TimeSpan.FromMinutes(2));
        await sink.WriteAsync(new SinkBatch(posts), CancellationToken.None);
        Assert.Equal(6, _server.Rows(Project, Dataset, TableName).Count); // best effort only: readers dedup by id
    }

    [Fact]
    public async Task Rows_follow_the_documented_schema_and_never_carry_a_raw_handle()
    {
        var sink = StreamingSink(_server);
        var raw = Post(7) with { Author = new PostAuthor("123", "alice_raw") };
        var batch = new SinkBatch([Post(1), raw, TweetStream.Post.Tombstone("x:9", "x", Now)]);

        await sink.WriteAsync(batch, CancellationToken.None);

        Assert.False(batch.GetFailure(1)!.Retryable);
        Assert.Contains("not hashed", batch.GetFailure(1)!.Reason, StringComparison.Ordinal);
        var rows = _server.Rows(Project, Dataset, TableName);
        Assert.Equal(2, rows.Count);
        Assert.DoesNotContain(rows, r => r.ToJsonString().Contains("alice_raw", StringComparison.Ordinal));
        var row = rows.Single(r => r["id"]!.GetValue<string>() == "x:1");
        Assert.Equal("k1:handle1", row["author_hash"]!.GetValue<string>());
        Assert.Equal("2026-11-26T11:59:00.000000Z", row["created_at"]!.GetValue<string>());
        Assert.Equal(["EMAIL"], row["pii_types"]!.AsArray().Select(n => n!.GetValue<string>()));
        var marker = rows.Single(r => r["id"]!.GetValue<string>() == "x:9");
        Assert.True(marker["deleted"]!.GetValue<bool>());
        Assert.NotNull(marker["deleted_at"]);
    }

    [Fact]
    public async Task Every_insertAll_body_is_valid_against_the_discovery_schema()
    {
        var sink = StreamingSink(_server);
        await sink.WriteAsync(new SinkBatch([.. Enumerable.Range(0, 20).Select(i => Post(i))]), CancellationToken.None);

        var body = _server.Requests.Single(r => r.Operation == "insertAll").Body!.Value;
        Assert.Null(DiscoverySchemas.BigQuery.Validate("TableDataInsertAllRequest", body));
        Assert.True(body.GetProperty("skipInvalidRows").GetBoolean());
        Assert.False(body.GetProperty("ignoreUnknownValues").GetBoolean());
        using var bad = JsonDocument.Parse("""{"rows":[{"insertId":"a","json":{}, "extra":1}]}""");
        Assert.NotNull(DiscoverySchemas.BigQuery.Validate("TableDataInsertAllRequest", bad.RootElement)); // the validator is strict
    }

    [Fact]
    public async Task Batches_are_split_at_the_configured_row_count()
    {
        var sink = StreamingSink(_server);
        var batch = new SinkBatch([.. Enumerable.Range(0, 1200).Select(i => Post(i))]);

        await sink.WriteAsync(batch, CancellationToken.None);

        Assert.False(batch.HasFailures);
        var counts = _server.Requests.Where(r => r.Operation == "insertAll").Select(r => r.Body!.Value.GetProperty("rows").GetArrayLength()).Order().ToArray();
        Assert.Equal([200, 500, 500], counts);
        Assert.Equal(1200, _server.Rows(Project, Dataset, TableName).Count);
    }

    [Fact]
    public async Task In_a_pipeline_a_fault_storm_loses_nothing_and_insertId_absorbs_the_repeats()
    {
        var sink = StreamingSink(_server);
        await sink.WriteAsync(new SinkBatch([Post(1000)]), CancellationToken.None); // provisions
        _server.InjectFault("insertAll", Fault.Http(503, "UNAVAILABLE", "backendError"), times: 4);
        _server.InjectFault("insertAll", Fault.ConnectionReset);
        _server.InjectFault("insertAll", Fault.Http(403, "PERMISSION_DENIED", "rateLimitExceeded"), times: 2);
        _server.InsertAllFailAfterCommit = 3; // applied, then reported failed: the retry repeats the same insertIds
        var source = new TweetStream.Tests.Support.InMemorySource();
        for (var i = 0; i < 300; i++)
        {
            source.Add(Post(i), i);
        }

        source.Complete();

        var stats = await PubSubTestKit.CreatePipeline(source, sink).RunAsync(CancellationToken.None);

        Assert.Equal(300, stats.Written);
        Assert.Equal(0, stats.DeadLettered);
        var ids = _server.Rows(Project, Dataset, TableName).Select(r => r["id"]!.GetValue<string>()).ToList();
        Assert.Equal(301, ids.Distinct().Count());
        Assert.Equal(ids.Count, ids.Distinct().Count()); // repeated requests were deduplicated by insertId
        Assert.Equal(0, _server.InsertAllFailAfterCommit);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), source.Acks.Acked.Order());
    }
}
