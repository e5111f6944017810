using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using TweetStream.Gcp;
using TweetStream.Gcp.Auth;
using TweetStream.Gcp.BigQuery;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Pipeline;

namespace TweetStream.Benchmarks;

/// <summary>
/// <c>bigquery --count N [--runs R] [--mode insertall|load|both] [--rows-per-request M]</c>: BigQuery ingestion throughput of the real sinks,
/// registered through <c>AddBigQueryStreamingSink</c> (tabledata.insertAll) and <c>AddBigQueryLoadSink</c> (load jobs
/// from spooled NDJSON files), against the tests' strict BigQuery REST double on 127.0.0.1 (every request validated
/// against the discovery schemas and the documented limits, every row against the table schema). The source hands over
/// pre-generated, already hashed posts, so the figure is the pipeline's batching plus the sink's encoding, spooling and
/// HTTP, plus the double's own work, which runs in the same process and so counts in the CPU figure.
/// </summary>
/// <remarks>
/// <para>Per mode: a warm-up (JIT) of min(N, 20,000) rows, then R timed runs, each against a fresh double, table and
/// buffer directory. The sink provisions the dataset and table itself, inside the timed run. Every run must leave exactly
/// the N posts' ids in the table, each once, with every request accepted (only the provisioning's "does it exist?" GETs
/// may answer 404), nothing retried or dead-lettered and no buffer file left behind, else the command exits 1. One line
/// per mode: <c>bigquery insertall: N rows in T s, X rows/s, Q requests, M rows/request, cpu C µs/row (median of R: …)</c>
/// and <c>bigquery load: N rows in T s, X rows/s, J load jobs, M rows/job, cpu C µs/row (median of R: …)</c>.</para>
/// <para>The load sink runs one job at a time, at most one per <c>MinLoadInterval</c> (here 1 s, the least the options
/// allow; the default is a minute), and its calls wait for their job. The double runs a job inside the upload request,
/// parsing and checking every row on one thread before it answers, so the load figure is bounded by the double's job
/// time as much as by the sink; its CPU per row is the steadier figure. The double keeps every row as a parsed JSON
/// object (and, for insertAll, a parsed copy of every request body), 3–4 KB a row: at 200,000 rows the process peaks
/// at about 2 GB, so counts in the millions need many GB.</para>
/// </remarks>
internal static class BigQueryCommand
{
    internal const string Project = "bench-project";
    internal const string Dataset = "bench";
    internal const string Table = "posts";
    private const int WarmUpCount = 20_000;
    private const int BatchSize = 1000;
    private const int StreamingParallelBatches = 4;

    // Enough batches waiting on the next job to fill a whole file (MaxFileBytes, 50 MB ≈ 100,000 rows) within an
    // interval, so the pipeline's parallelism is not what bounds the load figure.
    private const int LoadParallelBatches = 128;
    private static readonly TimeSpan LoadInterval = TimeSpan.FromSeconds(1);

    // The posts' day (BenchmarkPosts.Typical): insertAll only accepts partition values within 10 years back and 1 ahead.
    private static readonly DateTimeOffset DoubleNow = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    internal enum Mode
    {
        InsertAll,
        Load,
    }

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        int count = 200_000, runs = 5;
        int? rowsPerRequest = null;
        Mode[] modes = [Mode.InsertAll, Mode.Load];
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            int? parsed = value is not null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
            switch (args[i])
            {
                case "--count" when parsed is not null:
                    count = parsed.Value;
                    break;
                case "--runs" when parsed is not null:
                    runs = parsed.Value;
                    break;
                case "--rows-per-request" when parsed is not null:
                    rowsPerRequest = parsed.Value;
                    break;
                case "--mode" when value is "insertall" or "load" or "both":
                    modes = value switch
                    {
                        "insertall" => [Mode.InsertAll],
                        "load" => [Mode.Load],
                        _ => [Mode.InsertAll, Mode.Load],
                    };
                    break;
                default:
                    await error.WriteLineAsync($"bigquery: unknown, incomplete or invalid argument '{args[i]}'");
                    await error.WriteLineAsync("usage: bigquery --count N [--runs R] [--mode insertall|load|both] [--rows-per-request M]");
                    return 2;
            }

            i++;
        }

        // Generated and sized once, outside every timing: the runs measure ingestion, not making posts.
        var warmUpCount = Math.Min(count, WarmUpCount);
        var posts = BenchmarkPosts.Typical(count);
        var sizes = posts.Select(p => PostJson.SerializeToUtf8Bytes(p).Length).ToArray();

        var summaries = new List<string>();
        foreach (var mode in modes)
        {
            var warmUp = await RunOnceAsync(mode, posts, sizes, warmUpCount, rowsPerRequest);
            await output.WriteLineAsync($"{Name(mode)} warm-up: {warmUp.Describe()}");
            if (warmUp.Failure is not null)
            {
                await error.WriteLineAsync($"bigquery {Name(mode)}: warm-up failed: {warmUp.Failure}");
                return 1;
            }

            var results = new List<RunResult>();
            for (var run = 1; run <= runs; run++)
            {
                var result = await RunOnceAsync(mode, posts, sizes, count, rowsPerRequest);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{Name(mode)} run {run}/{runs}: {result.Describe()}"));
                if (result.Failure is not null)
                {
                    await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"bigquery {Name(mode)}: run {run} failed: {result.Failure}"));
                    return 1;
                }

                results.Add(result);
            }

            var median = TimedRun.Median(results.Select(r => r.Rate));
            var cpuMedian = TimedRun.Median(results.Select(r => r.CpuMicrosPerRow));
            var settings = mode == Mode.InsertAll
                ? string.Create(CultureInfo.InvariantCulture, $"batch size {BatchSize}, {StreamingParallelBatches} parallel batches, {(rowsPerRequest is { } m ? $"MaxRowsPerRequest {m}, other " : string.Empty)}sink defaults")
                : string.Create(CultureInfo.InvariantCulture, $"batch size {BatchSize}, {LoadParallelBatches} parallel batches, MinLoadInterval {LoadInterval.TotalSeconds:0} s, sink defaults");
            summaries.Add(string.Create(CultureInfo.InvariantCulture,
                $"bigquery {Name(mode)}: {results.OrderBy(r => r.Rate).ElementAt(runs / 2).Summary()} (median of {runs}: {median:N0} rows/s, cpu {cpuMedian:F2} µs/row; {settings})"));
        }

        // The summaries last, together: one line per mode. CPU counts the double too (same process).
        foreach (var summary in summaries)
        {
            await output.WriteLineAsync(summary);
        }

        using var process = Process.GetCurrentProcess();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"cpu includes the in-process double; peak working set {process.PeakWorkingSet64 / (1024 * 1024)} MB"));
        return 0;
    }

    private static string Name(Mode mode) => mode == Mode.InsertAll ? "insertall" : "load";

    private static async Task<RunResult> RunOnceAsync(Mode mode, Post[] posts, int[] sizes, int count, int? rowsPerRequest)
    {
        // A fresh double per run: a fresh table, and the previous run's rows and recorded requests are garbage rather
        // than heap the next run's collector must walk.
        await using var server = await BigQueryTestServer.StartAsync(new FixedClock(DoubleNow));
        var bufferRoot = Path.Combine(Path.GetTempPath(), "tweetstream-bench-bigquery-" + Guid.NewGuid().ToString("N"));
        try
        {
            var run = await RunPipelineAsync(mode, posts, sizes, count, server.BaseAddress, bufferRoot, rowsPerRequest);

            var requests = server.Requests.ToList();
            var tableIds = server.Table(Project, Dataset, Table)?.Rows.Select(r => r["id"]?.GetValue<string>() ?? string.Empty).ToList() ?? [];
            var leftover = Directory.Exists(bufferRoot) ? Directory.GetFiles(bufferRoot, "*", SearchOption.AllDirectories).Length : 0;
            var failure = Verify(posts.Take(count).Select(p => p.Id), tableIds, requests, run.Written, run.DeadLettered, run.Retries, leftover);

            var operation = mode == Mode.InsertAll ? "insertAll" : "upload";
            var data = requests.Where(r => r.Operation == operation).ToList();
            var perRequest = mode == Mode.InsertAll
                ? data.Where(r => r.Body is not null).Select(r => r.Body!.Value.GetProperty("rows").GetArrayLength()).ToList()
                : [];
            return new RunResult(mode, count, run.Elapsed, run.Cpu, data.Count, perRequest, data.Sum(r => (long)r.BodyBytes), requests.Count(r => r.Operation == "jobs.get"), run.GcSummary, failure);
        }
        finally
        {
            if (Directory.Exists(bufferRoot))
            {
                Directory.Delete(bufferRoot, recursive: true);
            }
        }
    }

    /// <summary>Registers the sink as a user would and runs the pipeline to the end of the posts, timed.</summary>
    /// <remarks>
    /// The registrations capture the double's address, never the double: a finished run's service provider, and with
    /// it these lambdas, stays reachable for a while after disposal (by all appearances through the HTTP client
    /// factory's handler-expiry timers). When the lambdas captured the double, every run's rows stayed on the heap: the
    /// live heap grew by about 0.8 GB per 200,000-row run and three runs of both modes peaked at 6.2 GB; now it is flat.
    /// </remarks>
    private static async Task<PipelineRun> RunPipelineAsync(Mode mode, Post[] posts, int[] sizes, int count, Uri baseAddress, string bufferRoot, int? rowsPerRequest)
    {
        var services = new ServiceCollection();
        // Registered before the sink, whose TryAdd then keeps it: a fixed token instead of Application Default
        // Credentials, so requests go as to BigQuery itself (gzipped bodies), not as to an emulator.
        services.AddKeyedSingleton<IGoogleAccessTokenSource>(BigQueryApi.TokenSourceKey, new FixedTokenSource());
        services.AddTweetStream(p =>
        {
            p.SetSource(_ => new PreparedSource(posts, sizes, count));
            if (mode == Mode.InsertAll)
            {
                p.AddBigQueryStreamingSink(o =>
                {
                    Configure(o, baseAddress);
                    o.MaxRowsPerRequest = rowsPerRequest ?? o.MaxRowsPerRequest;
                });
            }
            else
            {
                p.AddBigQueryLoadSink(o =>
                {
                    Configure(o, baseAddress);
                    o.BufferDirectory = bufferRoot;
                    o.MinLoadInterval = LoadInterval;
                });
            }

            p.ConfigurePipeline(o =>
            {
                o.BatchSize = BatchSize;
                o.MaxParallelBatches = mode == Mode.InsertAll ? StreamingParallelBatches : LoadParallelBatches;
                o.BatchMaxDelay = TimeSpan.FromMilliseconds(50);
            });
        });
        await using var provider = services.BuildServiceProvider();
        var runner = provider.GetRequiredService<TweetStreamRunner>();

        var timed = await TimedRun.MeasureAsync(runner);
        var stats = runner.Statistics["default"];
        return new PipelineRun(timed.Elapsed, timed.Cpu, timed.GcSummary, stats.Written, stats.DeadLettered, stats.Retries);
    }

    private static void Configure(BigQueryClientOptions options, Uri baseAddress)
    {
        options.ProjectId = Project;
        options.DatasetId = Dataset;
        options.TableId = Table;
        options.Location = "EU";
        options.BaseAddress = baseAddress;
    }

    /// <summary>
    /// Why a run does not count, or null: the table must hold exactly the expected ids, each once; every request must
    /// have been answered 200 except the 404s of the provisioning's existence checks (datasets.get, tables.get); the
    /// pipeline must report every post written, none dead-lettered and nothing retried; no buffer file may be left.
    /// </summary>
    internal static string? Verify(IEnumerable<string> expectedIds, IReadOnlyCollection<string> tableIds, IReadOnlyCollection<RecordedRequest> requests, long written, long deadLettered, long retries, int leftoverFiles)
    {
        ArgumentNullException.ThrowIfNull(expectedIds);
        ArgumentNullException.ThrowIfNull(tableIds);
        ArgumentNullException.ThrowIfNull(requests);
        var expected = expectedIds.ToHashSet(StringComparer.Ordinal);
        var stored = tableIds.ToHashSet(StringComparer.Ordinal);
        var missing = expected.Count(id => !stored.Contains(id));
        var unexpected = stored.Count(id => !expected.Contains(id));
        var duplicates = tableIds.Count - stored.Count;
        var rejected = requests
            .Where(r => r.StatusCode != 200 && !(r.StatusCode == 404 && r.Operation is "datasets.get" or "tables.get"))
            .ToList();

        var problems = new List<string>();
        if (tableIds.Count != expected.Count || missing > 0 || unexpected > 0 || duplicates > 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"the table holds {tableIds.Count} rows for {expected.Count} posts ({missing} missing, {duplicates} duplicated, {unexpected} unexpected)"));
        }

        if (rejected.Count > 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{rejected.Count} of {requests.Count} requests rejected ({string.Join(", ", rejected.GroupBy(r => $"{r.Operation} {r.StatusCode}").Select(g => $"{g.Key} ×{g.Count()}"))})"));
        }

        if (written != expected.Count || deadLettered > 0 || retries > 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"the pipeline wrote {written} of {expected.Count}, dead-lettered {deadLettered}, retried {retries} times"));
        }

        if (leftoverFiles > 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{leftoverFiles} buffer files left unloaded"));
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private sealed record PipelineRun(TimeSpan Elapsed, TimeSpan Cpu, string GcSummary, long Written, long DeadLettered, long Retries);

    private sealed record RunResult(Mode Mode, int Rows, TimeSpan Elapsed, TimeSpan Cpu, int Requests, List<int> RowsPerRequest, long RequestBytes, int JobPolls, string GcSummary, string? Failure)
    {
        public double Rate => Rows / Elapsed.TotalSeconds;

        public double CpuMicrosPerRow => Cpu.TotalMicroseconds / Rows;

        public string Summary()
        {
            var per = Rows / (double)Math.Max(1, Requests);
            if (Mode == Mode.Load)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"{Rows} rows in {Elapsed.TotalSeconds:F2} s, {Rate:N0} rows/s, {Requests} load jobs, {per:F0} rows/job, cpu {CpuMicrosPerRow:F2} µs/row");
            }

            // Requests below the limit are worth seeing: a batch split unevenly, or closed early by its delay.
            var fill = RowsPerRequest.Count == 0 || RowsPerRequest.Min() == RowsPerRequest.Max()
                ? string.Empty
                : string.Create(CultureInfo.InvariantCulture, $" ({RowsPerRequest.Min()}–{RowsPerRequest.Max()})");
            return string.Create(CultureInfo.InvariantCulture,
                $"{Rows} rows in {Elapsed.TotalSeconds:F2} s, {Rate:N0} rows/s, {Requests} requests, {per:F0} rows/request{fill}, cpu {CpuMicrosPerRow:F2} µs/row");
        }

        public string Describe()
        {
            // Bodies as the double read them: insertAll JSON after gunzip, load uploads whole (multipart).
            var size = Mode == Mode.Load
                ? string.Create(CultureInfo.InvariantCulture, $"{RequestBytes / 1e6 / Math.Max(1, Requests):F1} MB upload/job, {JobPolls} jobs.get")
                : string.Create(CultureInfo.InvariantCulture, $"{RequestBytes / 1024 / Math.Max(1, Requests)} KiB JSON/request");
            return string.Create(CultureInfo.InvariantCulture,
                $"{Summary()} ({Cpu.TotalSeconds / Elapsed.TotalSeconds:F2} cores busy), {size}, {GcSummary}");
        }
    }

    /// <summary>The double's clock: its only uses are insertAll's partition bounds and insertId window.</summary>
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
