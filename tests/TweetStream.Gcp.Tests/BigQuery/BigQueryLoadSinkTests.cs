using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Gcp.BigQuery;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Tests.Support;
using static TweetStream.Gcp.Tests.Support.BigQueryTestKit;

namespace TweetStream.Gcp.Tests.BigQuery;

public sealed class BigQueryLoadSinkTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(Now);
    private readonly TempDirectory _dir = TestPaths.CreateTempDirectory();
    private BigQueryTestServer _server = null!;

    public async Task InitializeAsync() => _server = await BigQueryTestServer.StartAsync(new FakeTimeProvider(Now));

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private BigQueryLoadSinkOptions Options() => Configure(new BigQueryLoadSinkOptions { BufferDirectory = _dir.Path, JobPollInterval = TimeSpan.FromSeconds(1) }, _server);

    private string[] BufferFiles() => Directory.GetFiles(_dir.Path, "*.ndjson", SearchOption.AllDirectories);

    private static SinkBatch Batch(int from, int count) => new([.. Enumerable.Range(from, count).Select(i => Post(i))]);

    /// <summary>Moves the sink's clock a second at a time until <paramref name="task"/> ends, however long the machine takes.</summary>
    private async Task AdvanceUntilAsync(Task task)
    {
        await Patience.UntilAsync(() => task.IsCompleted, "the write to finish while the sink's clock advances", () => _time.Advance(TimeSpan.FromSeconds(1)));
        await task;
    }

    [Fact]
    public async Task A_call_completes_when_its_load_job_succeeded_and_batches_within_the_interval_share_one_job()
    {
        await using var sink = LoadSink(_server, Options(), _time);
        var first = Batch(0, 3);

        await sink.WriteAsync(first, CancellationToken.None).AsTask().WithinSafetyNet("the first load job");

        Assert.False(first.HasFailures, first.HasFailures ? first.GetFailure(0)!.Reason : null);
        Assert.Equal(3, _server.Rows(Project, Dataset, TableName).Count);
        Assert.Equal(1, _server.Count("upload"));
        Assert.Empty(BufferFiles());

        var b = Batch(10, 2);
        var c = Batch(20, 2);
        var second = sink.WriteAsync(b, CancellationToken.None).AsTask();
        var third = sink.WriteAsync(c, CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted); // buffered only: not committed, so not acknowledged
        Assert.False(third.IsCompleted);
        Assert.Equal(1, _server.Count("upload"));

        var started = _time.GetUtcNow();
        await AdvanceUntilAsync(Task.WhenAll(second, third));

        Assert.True(_time.GetUtcNow() - started >= TimeSpan.FromSeconds(59), "the second job waited for the load interval");
        Assert.Equal(2, _server.Count("upload")); // b and c shared one job
        Assert.False(b.HasFailures);
        Assert.False(c.HasFailures);
        Assert.Equal(7, _server.Rows(Project, Dataset, TableName).Count);
        Assert.Empty(BufferFiles());
    }

    [Fact]
    public async Task No_load_file_exceeds_MaxFileBytes_even_when_one_batch_is_larger()
    {
        // The whole batch used to go into the active file, and a file was sealed only once it was over the limit.
        var options = Options();
        options.MaxFileBytes = 2_000;
        options.MinLoadInterval = TimeSpan.FromSeconds(1);
        await using var sink = LoadSink(_server, options, _time);
        var batch = Batch(0, 20);

        await AdvanceUntilAsync(sink.WriteAsync(batch, CancellationToken.None).AsTask());

        Assert.False(batch.HasFailures, batch.HasFailures ? batch.GetFailure(0)!.Reason : null);
        Assert.Equal(20, _server.Rows(Project, Dataset, TableName).Count);
        var files = _server.UploadedFileBytes.ToArray();
        Assert.All(files, bytes => Assert.InRange(bytes, 1, 2_000));
        Assert.True(files.Sum() > 3 * 2_000, $"the batch's rows ({files.Sum()} B) should fill more than three files");
        Assert.Empty(BufferFiles());
    }

    [Fact]
    public async Task The_load_job_is_an_NDJSON_append_with_a_job_id_derived_from_the_file()
    {
        await using var sink = LoadSink(_server, Options(), _time);

        await sink.WriteAsync(Batch(0, 2), CancellationToken.None).AsTask().WithinSafetyNet("the first load job");

        var job = _server.Requests.Single(r => r.Operation == "upload");
        Assert.Equal(200, job.StatusCode);
        Assert.Contains("uploadType=multipart", job.Path, StringComparison.Ordinal);
        using var http = new HttpClient();
        var get = await http.GetStringAsync(new Uri(_server.BaseAddress, $"projects/{Project}/jobs/{_server.LastJobIds.Single()}?location=EU"));
        using var resource = JsonDocument.Parse(get);
        var load = resource.RootElement.GetProperty("configuration").GetProperty("load");
        Assert.Equal("NEWLINE_DELIMITED_JSON", load.GetProperty("sourceFormat").GetString());
        Assert.Equal("WRITE_APPEND", load.GetProperty("writeDisposition").GetString());
        Assert.Equal(0, load.GetProperty("maxBadRecords").GetInt32());
        Assert.Matches("^tweetstream_[0-9a-f]{32}_[0-9a-f]{24}$", _server.LastJobIds.Single());
    }

    [Theory]
    [InlineData("invalid", false)]
    [InlineData("backendError", true)]
    public async Task A_job_with_errorResult_fails_its_rows_with_the_reason(string reason, bool retryable)
    {
        await using var sink = LoadSink(_server, Options(), _time);
        _server.PlanLoadJob(new LoadJobPlan(PollsBeforeDone: 2, ErrorResult: reason));
        var batch = Batch(0, 4);

        await AdvanceUntilAsync(sink.WriteAsync(batch, CancellationToken.None).AsTask());

        Assert.All(Enumerable.Range(0, 4), i =>
        {
            Assert.Equal(retryable, batch.GetFailure(i)!.Retryable);
            Assert.Contains(reason, batch.GetFailure(i)!.Reason, StringComparison.Ordinal);
        });
        Assert.Empty(_server.Rows(Project, Dataset, TableName));
        Assert.True(_server.Count("jobs.get") >= 2, "the sink polled the running job");
        Assert.Empty(BufferFiles()); // a retry appends the rows to a new file with a new job id
    }

    [Fact]
    public async Task A_job_that_succeeded_with_errors_listed_still_commits()
    {
        await using var sink = LoadSink(_server, Options(), _time);
        _server.PlanLoadJob(new LoadJobPlan(Warnings: ["invalid", "stopped"]));
        var batch = Batch(0, 4);

        await AdvanceUntilAsync(sink.WriteAsync(batch, CancellationToken.None).AsTask());

        Assert.False(batch.HasFailures);
        Assert.Equal(4, _server.Rows(Project, Dataset, TableName).Count);
    }

    [Fact]
    public async Task A_restart_in_the_middle_of_a_load_neither_loses_the_file_nor_loads_it_twice()
    {
        _server.PlanLoadJob(new LoadJobPlan(Hold: true));
        var sink = LoadSink(_server, Options(), _time);
        var batch = Batch(0, 5);
        var write = sink.WriteAsync(batch, CancellationToken.None).AsTask();
        await BigQueryTestServer.WaitUntilAsync(() => _server.Count("upload") == 1, "the job was inserted");

        await sink.DisposeAsync(); // the process stops while the job runs
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.WithinSafetyNet("the write to be cancelled by the shutdown"));
        Assert.Single(BufferFiles(), f => f.EndsWith(".sealed.ndjson", StringComparison.Ordinal));
        _server.ReleaseJobs();

        await using var restarted = LoadSink(_server, Options(), _time);
        await BigQueryTestServer.WaitUntilAsync(() => BufferFiles().Length == 0, "the recovered file was settled");

        var uploads = _server.Requests.Where(r => r.Operation == "upload").ToList();
        Assert.Equal([200, 409], uploads.Select(u => u.StatusCode)); // same job id: BigQuery refused a second job
        Assert.Equal(5, _server.Rows(Project, Dataset, TableName).Count);
        Assert.Equal(5, _server.Rows(Project, Dataset, TableName).Select(r => r["id"]!.GetValue<string>()).Distinct().Count());
    }

    [Fact]
    public async Task A_torn_buffer_file_left_by_a_crash_is_trimmed_and_loaded()
    {
        var options = Options();
        await Provisioner(_server, options).EnsureAsync(CancellationToken.None);
        var folder = Path.Combine(_dir.Path, $"{Project}.{Dataset}.{TableName}");
        Directory.CreateDirectory(folder);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            BigQueryPostSchema.WriteLine(buffer, writer, Post(1));
            BigQueryPostSchema.WriteLine(buffer, writer, Post(2));
        }

        var torn = buffer.WrittenSpan.ToArray().Concat("{\"id\":\"x:3\",\"sou"u8.ToArray()).ToArray();
        await File.WriteAllBytesAsync(Path.Combine(folder, $"000000000007.{Guid.NewGuid():N}.active.ndjson"), torn);

        await using var sink = LoadSink(_server, options, _time);
        await BigQueryTestServer.WaitUntilAsync(() => BufferFiles().Length == 0, "the recovered file was loaded");

        Assert.Equal(["x:1", "x:2"], _server.Rows(Project, Dataset, TableName).Select(r => r["id"]!.GetValue<string>()).Order());

        // New files continue after the recovered sequence number.
        var next = sink.WriteAsync(Batch(5, 1), CancellationToken.None).AsTask();
        Assert.StartsWith("000000000008.", Path.GetFileName(BufferFiles().Single()), StringComparison.Ordinal);
        await AdvanceUntilAsync(next);
    }

    [Fact]
    public async Task In_a_pipeline_items_are_acknowledged_only_after_their_load_job_succeeded()
    {
        await using var sink = LoadSink(_server, Options(), _time);
        var source = new InMemorySource();
        for (var i = 0; i < 120; i++)
        {
            source.Add(Post(i), i);
        }

        source.Complete();
        var run = PubSubTestKit.CreatePipeline(source, sink, options: new PipelineOptions
        {
            BatchSize = 50,
            BatchMaxDelay = TimeSpan.FromMilliseconds(5),
            MaxParallelBatches = 4,
            DrainTimeout = TimeSpan.FromSeconds(30),
        }).RunAsync(CancellationToken.None);

        // The first job carries whatever was buffered when it started; the rest wait for the interval, unacknowledged.
        // The pipeline acknowledges batch by batch as the job's writes return, so acks trail the job for a moment:
        // never more than it loaded, and all of them before the next job.
        await BigQueryTestServer.WaitUntilAsync(() => _server.Count("upload") == 1 && !source.Acks.Acked.IsEmpty, "the first job committed");
        var loaded = _server.Rows(Project, Dataset, TableName).Count;
        Assert.InRange(source.Acks.Acked.Count, 1, loaded);
        await BigQueryTestServer.WaitUntilAsync(() => source.Acks.Acked.Count == loaded, $"the {loaded} items of the first job acknowledged");
        Assert.Equal(1, _server.Count("upload"));
        Assert.Equal(loaded, _server.Rows(Project, Dataset, TableName).Count);

        await AdvanceUntilAsync(run);
        var stats = await run;

        Assert.True(120 == _server.Rows(Project, Dataset, TableName).Count, $"written {stats.Written}, dead-lettered {stats.DeadLettered}, retries {stats.Retries}, uploads {_server.Count("upload")}, acked {source.Acks.Acked.Count}, rejected {source.Acks.Rejected.Count}");
        Assert.Equal(Enumerable.Range(0, 120).Select(i => (long)i), source.Acks.Acked.Order());
        Assert.True(_server.Count("upload") <= 3, "batches within an interval shared jobs");
    }
}
