using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TweetStream.Gcp.Rest;

namespace TweetStream.Gcp.BigQuery;

/// <summary>How a load job ended for the rows it carried.</summary>
internal sealed record LoadOutcome(bool Succeeded, bool Retryable, string? Reason)
{
    public static LoadOutcome Success { get; } = new(true, false, null);
}

/// <summary>
/// Loads posts into BigQuery with free load jobs: rows are appended to a local NDJSON buffer file and a sink call
/// completes when the load job holding its rows is DONE (design option (a) of issue 6).
/// </summary>
/// <remarks>
/// <para>Why (a): the sink contract says a returned call committed its items, and acknowledgements flow back to sources
/// only then. Returning after buffering (b-style "ack on buffer") would ack Pub/Sub messages whose rows could still be lost
/// with the disk; waiting for the job keeps at-least-once end to end while batches that arrive within one interval share
/// one job. The cost is latency (up to one <see cref="BigQueryLoadSinkOptions.MinLoadInterval"/> plus the job) and that
/// the pipeline's parallelism bounds throughput per interval.</para>
/// <para>Files: <c>{seq}.{guid}.active.ndjson</c> receives rows; sealing renames it <c>{seq}.{jobId}.sealed.ndjson</c> where
/// the job id is derived from the file (its guid and the SHA-256 of its content). After a crash the next instance trims a
/// torn last line, seals active files and loads sealed ones under the same job id: if the crashed instance had already
/// inserted that job, jobs.insert answers 409 and the sink follows the existing job, so a file is never loaded twice.
/// Rows whose calls died with the process are not acknowledged and may come again from the source; readers deduplicate by id.</para>
/// <para>Only <c>status.errorResult</c> fails a job; <c>status.errors</c> on a successful job are logged.</para>
/// </remarks>
internal sealed class BigQueryLoadSink : ISink, IAsyncDisposable
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    private readonly BigQueryApi _api;
    private readonly BigQueryLoadSinkOptions _options;
    private readonly BigQueryProvisioner _provisioner;
    private readonly BigQueryDeleter? _deleter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _directory;
    private readonly Lock _gate = new();
    private readonly Queue<Segment> _sealed = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0);
    private Segment? _active;
    private long _nextSeq;
    private DateTimeOffset? _lastJobStart;
    private Task? _loop;

    public BigQueryLoadSink(BigQueryApi api, BigQueryLoadSinkOptions options, BigQueryProvisioner provisioner, BigQueryDeleter? deleter, TimeProvider time, ILogger logger)
    {
        _api = api;
        _options = options;
        _provisioner = provisioner;
        _deleter = options.Deletion == BigQueryDeletionMode.DmlDelete ? deleter : null;
        _time = time;
        _logger = logger;
        _directory = Path.GetFullPath(Path.Combine(options.BufferDirectory, $"{api.ProjectId}.{api.DatasetId}.{api.TableId}"));
        Directory.CreateDirectory(_directory);
        Recover();
    }

    public string Name => "bigquery-load";

    /// <summary>Files sealed and waiting for (or in) a load job.</summary>
    internal int PendingFiles
    {
        get
        {
            lock (_gate)
            {
                return _sealed.Count;
            }
        }
    }

    public async ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        await BigQuerySinkCommon.EnsureProvisionedAsync(_provisioner, cancellationToken).ConfigureAwait(false);
        var rows = new List<int>(batch.Count);
        var deletions = new List<int>();
        BigQuerySinkCommon.Classify(batch, _deleter is not null, rows, deletions);

        var buffer = new ArrayBufferWriter<byte>(rows.Count * 512 + 16);
        var line = new ArrayBufferWriter<byte>(1024);
        var written = new List<int>(rows.Count);
        var lineEnds = new List<int>(rows.Count); // in buffer, one per written row
        using (var writer = new Utf8JsonWriter(line, WriterOptions))
        {
            foreach (var index in rows)
            {
                line.ResetWrittenCount();
                BigQueryPostSchema.WriteLine(line, writer, batch[index]);
                if (line.WrittenCount > _options.MaxFileBytes)
                {
                    batch.MarkFailed(index, $"row of {line.WrittenCount} bytes exceeds the load file limit of {_options.MaxFileBytes} bytes");
                    continue;
                }

                buffer.Write(line.WrittenSpan);
                written.Add(index);
                lineEnds.Add(buffer.WrittenCount);
            }
        }

        // The rows go to the active file while they fit in MaxFileBytes, then to the next: one batch may span files.
        var pending = new List<(Task<LoadOutcome> Load, int From, int To)>(1);
        if (written.Count > 0)
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
                var from = 0;
                while (from < written.Count)
                {
                    var segment = _active ??= NewSegment();
                    var start = from == 0 ? 0 : lineEnds[from - 1];
                    var to = from;
                    while (to < written.Count && segment.Bytes + lineEnds[to] - start <= _options.MaxFileBytes)
                    {
                        to++;
                    }

                    if (to == from)
                    {
                        // Full: the next row starts a file of its own, where it fits (a larger row failed above).
                        Seal(segment);
                        continue;
                    }

                    var end = lineEnds[to - 1];
                    segment.Stream!.Write(buffer.WrittenSpan[start..end]);
                    segment.Stream.Flush(flushToDisk: true);
                    segment.Rows += to - from;
                    segment.Bytes += end - start;
                    pending.Add((segment.Completion.Task, from, to));
                    if (segment.Bytes >= _options.MaxFileBytes || to < written.Count)
                    {
                        Seal(segment);
                    }

                    from = to;
                }

                _loop ??= Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
            }

            _wake.Release();
        }

        var deleteTask = deletions.Count > 0 && _deleter is not null
            ? _deleter.DeleteAsync(deletions.Select(i => batch[i].Id).ToHashSet(StringComparer.Ordinal), cancellationToken)
            : Task.FromResult<(bool, string)?>(null);

        foreach (var (load, from, to) in pending)
        {
            var outcome = await load.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!outcome.Succeeded)
            {
                BigQuerySinkCommon.MarkAll(batch, written.GetRange(from, to - from), (outcome.Retryable, outcome.Reason!));
            }
        }

        BigQuerySinkCommon.MarkAll(batch, deletions, await deleteTask.ConfigureAwait(false));
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            _stop.Cancel();
            loop = _loop;
        }

        if (loop is not null)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        lock (_gate)
        {
            // The files stay: the next instance loads them. Waiting calls end as not committed.
            _active?.Stream?.Dispose();
            _active?.Completion.TrySetCanceled();
            foreach (var segment in _sealed)
            {
                segment.Completion.TrySetCanceled();
            }
        }

        _stop.Dispose();
        _wake.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            bool hasWork;
            lock (_gate)
            {
                hasWork = _sealed.Count > 0 || _active is { Rows: > 0 };
            }

            if (!hasWork)
            {
                await _wake.WaitAsync(stop).ConfigureAwait(false);
                continue;
            }

            var wait = _lastJobStart is { } last ? last + _options.MinLoadInterval - _time.GetUtcNow() : TimeSpan.Zero;
            if (wait > TimeSpan.Zero)
            {
                // Batches arriving meanwhile join the active file, so they share the next job.
                await Task.Delay(wait, _time, stop).ConfigureAwait(false);
                continue;
            }

            _lastJobStart = _time.GetUtcNow();
            Segment? next = null;
            LoadOutcome outcome;
            try
            {
                lock (_gate)
                {
                    if (_sealed.Count == 0 && _active is { Rows: > 0 } active)
                    {
                        Seal(active);
                    }

                    next = _sealed.Peek();
                }

                await _provisioner.EnsureAsync(stop).ConfigureAwait(false);
                outcome = await RunJobAsync(next, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Nothing known about the job (network, outage, a disk error): keep the file and try the same job id
                // after the interval. The loop must survive: waiting calls depend on it.
                BigQueryLog.LoadDeferred(_logger, next?.JobId ?? "(not sealed)", ex.Message);
                continue;
            }

            lock (_gate)
            {
                _sealed.Dequeue();
            }

            try
            {
                File.Delete(next.Path);
            }
            catch (IOException ex)
            {
                // The job is settled; a leftover file would be loaded again after a restart only under the same job id (409).
                BigQueryLog.LoadDeferred(_logger, next.JobId!, "could not delete the loaded file: " + ex.Message);
            }

            next.Completion.TrySetResult(outcome);
        }
    }

    private async Task<LoadOutcome> RunJobAsync(Segment segment, CancellationToken stop)
    {
        var job = new BqJob
        {
            JobReference = new BqJobReference { ProjectId = _api.ProjectId, JobId = segment.JobId, Location = _api.Location },
            Configuration = new BqJobConfiguration
            {
                Load = new BqJobConfigurationLoad
                {
                    DestinationTable = new BqTableReference { ProjectId = _api.ProjectId, DatasetId = _api.DatasetId, TableId = _api.TableId },
                    SourceFormat = "NEWLINE_DELIMITED_JSON",
                    WriteDisposition = "WRITE_APPEND",
                    CreateDisposition = "CREATE_NEVER",
                    IgnoreUnknownValues = false,
                    MaxBadRecords = 0,
                },
            },
        };

        BqJob result;
        try
        {
            BigQueryLog.LoadStarted(_logger, segment.JobId!, segment.Rows, new FileInfo(segment.Path).Length);
            result = await _api.InsertLoadJobAsync(job, segment.Path, stop).ConfigureAwait(false);
        }
        catch (GoogleApiException ex) when (ex.HttpStatus == HttpStatusCode.Conflict)
        {
            // The job id is derived from the file: 409 means this file's job already exists (an earlier attempt or a
            // crashed instance). Follow it instead of loading again.
            result = await _api.GetJobAsync(segment.JobId!, _api.Location, stop).ConfigureAwait(false);
        }
        catch (GoogleApiException ex) when (!_api.Client.Policy.IsTransient(BigQueryRetryPolicy.JobsInsert, ex))
        {
            BigQueryLog.LoadDone(_logger, segment.JobId!, "rejected: " + ex.Message);
            return new LoadOutcome(false, false, ex.Message);
        }

        while (result.Status?.State != "DONE")
        {
            await Task.Delay(_options.JobPollInterval, _time, stop).ConfigureAwait(false);
            result = await _api.GetJobAsync(segment.JobId!, result.JobReference?.Location ?? _api.Location, stop).ConfigureAwait(false);
        }

        if (result.Status.ErrorResult is { } error)
        {
            var reason = $"load job {segment.JobId} failed: {error.Reason ?? "unknown"}: {error.Message}";
            BigQueryLog.LoadDone(_logger, segment.JobId!, reason);
            return new LoadOutcome(false, BigQueryRetryPolicy.IsRetryableReason(error.Reason, BigQueryRetryPolicy.JobsInsert), reason);
        }

        if (result.Status.Errors is { Count: > 0 } warnings)
        {
            BigQueryLog.LoadWarnings(_logger, segment.JobId!, warnings.Count, $"{warnings[0].Reason}: {warnings[0].Message}");
        }

        BigQueryLog.LoadDone(_logger, segment.JobId!, "succeeded");
        return LoadOutcome.Success;
    }

    private Segment NewSegment()
    {
        var seq = _nextSeq++;
        var guid = Guid.NewGuid().ToString("N");
        var path = Path.Combine(_directory, $"{seq.ToString("D12", CultureInfo.InvariantCulture)}.{guid}.active.ndjson");
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        return new Segment(seq, guid, path) { Stream = stream };
    }

    /// <summary>Closes the active file, names it after its job and queues it. Call under the lock.</summary>
    private void Seal(Segment segment)
    {
        segment.Stream?.Dispose();
        segment.Stream = null;
        var jobId = JobIdFor(segment.Guid, segment.Path);
        var sealedPath = Path.Combine(_directory, $"{segment.Seq.ToString("D12", CultureInfo.InvariantCulture)}.{jobId}.sealed.ndjson");
        File.Move(segment.Path, sealedPath);
        segment.Path = sealedPath;
        segment.JobId = jobId;
        _sealed.Enqueue(segment);
        if (ReferenceEquals(_active, segment))
        {
            _active = null;
        }
    }

    /// <summary>Job ids are derived from the file: its guid (unique per file) and a digest of its content.</summary>
    internal static string JobIdFor(string guid, string path)
    {
        using var file = File.OpenRead(path);
        var hash = SHA256.HashData(file);
        return $"tweetstream_{guid}_{Convert.ToHexStringLower(hash, 0, 12)}";
    }

    private void Recover()
    {
        var files = Directory.GetFiles(_directory, "*.ndjson").Order(StringComparer.Ordinal).ToArray();
        var recovered = 0;
        foreach (var file in files)
        {
            var parts = Path.GetFileName(file).Split('.');
            if (parts.Length != 4 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                continue;
            }

            _nextSeq = Math.Max(_nextSeq, seq + 1);
            Segment segment;
            if (parts[2] == "sealed")
            {
                segment = new Segment(seq, parts[1], file) { JobId = parts[1], Rows = CountLines(file) };
            }
            else if (parts[2] == "active")
            {
                TrimTornLine(file);
                if (new FileInfo(file).Length == 0)
                {
                    File.Delete(file);
                    continue;
                }

                segment = new Segment(seq, parts[1], file) { Rows = CountLines(file) };
                Seal(segment);
                recovered++;
                continue;
            }
            else
            {
                continue;
            }

            _sealed.Enqueue(segment);
            recovered++;
        }

        if (recovered > 0)
        {
            BigQueryLog.Recovered(_logger, recovered);
            _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        }
    }

    /// <summary>A crash mid-append can leave a partial last line; BigQuery would reject the whole file for it.</summary>
    private static void TrimTornLine(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        var length = stream.Length;
        var end = length;
        var one = new byte[1];
        while (end > 0)
        {
            stream.Position = end - 1;
            stream.ReadExactly(one);
            if (one[0] == (byte)'\n')
            {
                break;
            }

            end--;
        }

        if (end != length)
        {
            stream.SetLength(end);
            stream.Flush(flushToDisk: true);
        }
    }

    private static long CountLines(string file)
    {
        long count = 0;
        foreach (var b in File.ReadAllBytes(file))
        {
            if (b == (byte)'\n')
            {
                count++;
            }
        }

        return count;
    }

    private sealed class Segment(long seq, string guid, string path)
    {
        public long Seq { get; } = seq;

        public string Guid { get; } = guid;

        public string Path { get; set; } = path;

        public string? JobId { get; set; }

        public FileStream? Stream { get; set; }

        public long Rows { get; set; }

        public long Bytes { get; set; }

        public TaskCompletionSource<LoadOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
