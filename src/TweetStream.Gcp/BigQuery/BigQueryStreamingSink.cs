using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using TweetStream.Gcp.Rest;

namespace TweetStream.Gcp.BigQuery;

/// <summary>Streams posts into the BigQuery table with tabledata.insertAll (insertId = post id).</summary>
/// <remarks>
/// <para>An HTTP 200 may still carry <c>insertErrors</c>: a row whose errors include a reason other than <c>stopped</c>
/// or a transient one (<c>invalid</c>, …) is failed with BigQuery's reason and message and dead-lettered; rows reported
/// only as <c>stopped</c> (not inserted because another row was invalid and skipInvalidRows is false) or with a transient
/// reason are retryable. With skipInvalidRows false, a request with an invalid row inserted nothing, so its unlisted rows
/// are retryable too. A failed request marks all its rows retryable or failed by <see cref="BigQueryRetryPolicy"/>.</para>
/// <para>The sink never retries; the transport retries transient errors twice (insertId makes that harmless).</para>
/// </remarks>
internal sealed class BigQueryStreamingSink : ISink, IDisposable
{
    private readonly BigQueryApi _api;
    private readonly BigQueryStreamingSinkOptions _options;
    private readonly BigQueryProvisioner _provisioner;
    private readonly BigQueryDeleter? _deleter;
    private readonly ILogger _logger;
    private readonly ConcurrentBag<InsertAllEncoder> _encoders = [];

    public BigQueryStreamingSink(BigQueryApi api, BigQueryStreamingSinkOptions options, BigQueryProvisioner provisioner, BigQueryDeleter? deleter, ILogger logger)
    {
        _api = api;
        _options = options;
        _provisioner = provisioner;
        _deleter = options.Deletion == BigQueryDeletionMode.DmlDelete ? deleter : null;
        _logger = logger;
    }

    public string Name => "bigquery";

    public async ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        await BigQuerySinkCommon.EnsureProvisionedAsync(_provisioner, cancellationToken).ConfigureAwait(false);
        var rows = new List<int>(batch.Count);
        var deletions = new List<int>();
        BigQuerySinkCommon.Classify(batch, _deleter is not null, rows, deletions);

        if (!_encoders.TryTake(out var encoder))
        {
            encoder = new InsertAllEncoder(_options.MaxRowsPerRequest, _options.MaxRequestBytes, _options.SkipInvalidRows);
        }

        var oversized = new List<(int Index, int Bytes)>();
        List<InsertAllRequestSlice> requests;
        try
        {
            requests = encoder.Encode(batch, rows, oversized);
        }
        finally
        {
            _encoders.Add(encoder);
        }

        foreach (var (index, bytes) in oversized)
        {
            batch.MarkFailed(index, $"row of {bytes} bytes exceeds the insertAll request limit of {_options.MaxRequestBytes} bytes");
        }

        // Outcomes are collected per request and applied afterwards: SinkBatch is not thread-safe.
        var outcomes = new List<(int Index, bool Retryable, string Reason)>[requests.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, requests.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentRequests, CancellationToken = cancellationToken },
            async (r, ct) => outcomes[r] = await InsertAsync(requests[r], ct).ConfigureAwait(false)).ConfigureAwait(false);

        foreach (var list in outcomes)
        {
            foreach (var (index, retryable, reason) in list)
            {
                if (retryable)
                {
                    batch.MarkRetryable(index, reason);
                }
                else
                {
                    batch.MarkFailed(index, reason);
                }
            }
        }

        if (deletions.Count > 0 && _deleter is not null)
        {
            var failure = await _deleter.DeleteAsync(deletions.Select(i => batch[i].Id).ToHashSet(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
            BigQuerySinkCommon.MarkAll(batch, deletions, failure);
        }
    }

    public void Dispose()
    {
        while (_encoders.TryTake(out var encoder))
        {
            encoder.Dispose();
        }
    }

    private async Task<List<(int Index, bool Retryable, string Reason)>> InsertAsync(InsertAllRequestSlice request, CancellationToken cancellationToken)
    {
        var outcomes = new List<(int, bool, string)>();
        BqInsertAllResponse response;
        try
        {
            response = await _api.InsertAllAsync(request.Body, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var retryable = ex is not GoogleApiException || _api.Client.Policy.IsTransient(BigQueryRetryPolicy.InsertAll, ex);
            BigQueryLog.InsertFailed(_logger, request.Indexes.Length, _api.TableId, ex.Message);
            foreach (var index in request.Indexes)
            {
                outcomes.Add((index, retryable, ex.Message));
            }

            return outcomes;
        }

        if (response.InsertErrors is not { Count: > 0 } errors)
        {
            return outcomes;
        }

        var listed = new bool[request.Indexes.Length];
        var anyInvalid = false;
        foreach (var error in errors)
        {
            if (error.Index < 0 || error.Index >= request.Indexes.Length || listed[error.Index])
            {
                continue;
            }

            listed[error.Index] = true;
            var (retryable, reason) = Classify(error.Errors);
            anyInvalid |= !retryable;
            outcomes.Add((request.Indexes[error.Index], retryable, reason));
        }

        if (anyInvalid && !_options.SkipInvalidRows)
        {
            for (var i = 0; i < listed.Length; i++)
            {
                if (!listed[i])
                {
                    outcomes.Add((request.Indexes[i], true, "stopped: not inserted because another row of the request was invalid"));
                }
            }
        }

        return outcomes;
    }

    /// <summary>A row is permanently failed when any of its errors is neither <c>stopped</c> nor transient.</summary>
    internal static (bool Retryable, string Reason) Classify(List<BqErrorProto>? errors)
    {
        if (errors is not { Count: > 0 })
        {
            return (true, "insertAll reported the row without a reason");
        }

        foreach (var error in errors)
        {
            if (error.Reason != "stopped" && !BigQueryRetryPolicy.IsRetryableReason(error.Reason))
            {
                return (false, $"{error.Reason ?? "unknown"}: {error.Message}{(string.IsNullOrEmpty(error.Location) ? string.Empty : " (at " + error.Location + ")")}");
            }
        }

        var first = errors[0];
        return (true, $"{first.Reason ?? "unknown"}: {first.Message}");
    }
}

/// <summary>Checks both BigQuery sinks apply before writing.</summary>
internal static class BigQuerySinkCommon
{
    public const string UnhashedAuthor = "author is not hashed: refusing to store a raw handle (add HashHandles to the pipeline before this sink)";

    public static async Task EnsureProvisionedAsync(BigQueryProvisioner provisioner, CancellationToken cancellationToken)
    {
        try
        {
            await provisioner.EnsureAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IncompatibleTableException ex)
        {
            throw new PermanentSinkException(ex.Message, ex);
        }
    }

    /// <summary>Splits the batch into rows to write and tombstones to delete with DML; fails what must not be stored.</summary>
    public static void Classify(SinkBatch batch, bool dmlDeletes, List<int> rows, List<int> deletions)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            var post = batch[i];
            if (string.IsNullOrEmpty(post.Id))
            {
                batch.MarkFailed(i, "post has no id");
            }
            else if (!post.Author.IsHashed)
            {
                batch.MarkFailed(i, UnhashedAuthor);
            }
            else if (post.IsTombstone && dmlDeletes)
            {
                deletions.Add(i);
            }
            else
            {
                rows.Add(i);
            }
        }
    }

    public static void MarkAll(SinkBatch batch, List<int> indexes, (bool Retryable, string Reason)? failure)
    {
        if (failure is not { } f)
        {
            return;
        }

        foreach (var index in indexes)
        {
            if (f.Retryable)
            {
                batch.MarkRetryable(index, f.Reason);
            }
            else
            {
                batch.MarkFailed(index, f.Reason);
            }
        }
    }
}
