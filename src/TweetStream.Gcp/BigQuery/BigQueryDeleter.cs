using Microsoft.Extensions.Logging;
using TweetStream.Gcp.Rest;

namespace TweetStream.Gcp.BigQuery;

/// <summary>Honours tombstones with a DML DELETE (<see cref="BigQueryDeletionMode.DmlDelete"/>).</summary>
internal sealed class BigQueryDeleter(BigQueryApi api, BigQueryQueryRunner runner, ILogger logger)
{
    /// <summary>Deletes every copy of <paramref name="ids"/>; returns null on success or the failure (retryable, reason).</summary>
    public async Task<(bool Retryable, string Reason)?> DeleteAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        try
        {
            await runner.RunAsync(
                BigQuerySql.For(BigQuerySql.Delete, api.QualifiedTable),
                [BigQueryQueryRunner.Timestamp("since", DateTimeOffset.UnixEpoch), BigQueryQueryRunner.StringArray("ids", ids)],
                cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            BigQueryLog.DeleteFailed(logger, ids.Count, ex.Message);

            // Rows still in the streaming buffer cannot be deleted yet: worth retrying later.
            var retryable = ex is not GoogleApiException
                || api.Client.Policy.IsTransient(BigQueryRetryPolicy.Query, ex)
                || ex.Message.Contains("streaming buffer", StringComparison.OrdinalIgnoreCase);
            return (retryable, ex.Message);
        }
    }
}
