using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Channels;
using TweetStream.Sources.Common;

namespace TweetStream.Sources.Mastodon;

/// <summary>Reconciliation: after a gap, statuses delivered before it are fetched again to find edits and deletions.</summary>
/// <remarks>
/// <para>The gap fill reads only statuses newer than the gap, and the stream does not replay the <c>status.update</c>
/// and <c>delete</c> events it sent while nobody listened. So after every reconnect (and after a restart, from the
/// state file) each remembered status delivered before the gap and created within <c>ReconcileMaxAge</c> is
/// fetched with <c>GET /api/v1/statuses/:id</c>: a newer <c>edited_at</c> or other content is emitted like a
/// <c>status.update</c>, a 404 or 410 like a <c>delete</c>; an unchanged status emits nothing.</para>
/// <para>It runs after the gap fill and before the stream is read, so a stream event about the same status comes
/// after it and the dedup set drops the repeat; the stream's events wait in the connection meanwhile.</para>
/// <para>The instance's rate limit (300 requests per 5 minutes per account by default) is respected: while
/// <c>X-RateLimit-Remaining</c> is at the reserve the pass waits for <c>X-RateLimit-Reset</c>, and a 429 is
/// waited out and the same status asked again. Other failures end the pass; what it did not confirm stays due
/// for the next gap.</para>
/// </remarks>
internal sealed partial class MastodonHashtagSource
{
    private const string DeliveredSuffix = "|delivered";
    private const string DeletedKeyPrefix = "d,";
    private const string UpdatedKeyPrefix = "u,";

    /// <summary>Consecutive 429s on one status after which the pass gives up until the next gap.</summary>
    private const int MaxRateLimitedAttempts = 5;

    private static string DeliveredKey(DeliveredStatuses.Version v) => UpdatedKeyPrefix + DeliveredStatuses.Format(v);

    private static void ApplySettled(DeliveredStatuses acknowledged, string key)
    {
        if (key.StartsWith(DeletedKeyPrefix, StringComparison.Ordinal))
        {
            acknowledged.Forget(key[DeletedKeyPrefix.Length..]);
        }
        else if (key.StartsWith(UpdatedKeyPrefix, StringComparison.Ordinal))
        {
            acknowledged.Decode(key[UpdatedKeyPrefix.Length..], round: 0);
        }
    }

    private async Task ReconcileAsync(TagStream stream, ChannelWriter<SourceItem> writer, CancellationToken cancellationToken)
    {
        var due = stream.Delivered.Due(stream.Round, _time.GetUtcNow() - _options.ReconcileMaxAge);
        if (due.Count == 0)
        {
            return;
        }

        var label = stream.Instance.Authority + " #" + stream.Tag;
        int updated = 0, deleted = 0, checkedCount = 0;
        foreach (var remembered in due)
        {
            // A stream event handled in an earlier pass of this loop may have replaced or removed it.
            var current = stream.Delivered.Find(remembered.Id);
            if (current is null)
            {
                continue;
            }

            var (outcome, status) = await FetchStatusAsync(stream, remembered.Id, label, cancellationToken).ConfigureAwait(false);
            if (outcome == FetchOutcome.Failed)
            {
                SourceLog.ReconcileStopped(_logger, Name, label, due.Count - checkedCount);
                break;
            }

            checkedCount++;
            SourceItem? item = null;
            if (outcome == FetchOutcome.Gone)
            {
                item = Tombstone(stream, remembered.Id, 0);
                deleted += item is null ? 0 : 1;
            }
            else if (status is not null && MastodonStatusMapper.IsComplete(status) && status.Id == remembered.Id)
            {
                var now = DeliveredStatuses.VersionOf(status);
                var edited = now.EditedAtMs > current.EditedAtMs;
                if (edited || now.ContentHash != current.ContentHash)
                {
                    item = Emit(stream, status, 0, force: !edited);
                    updated += item is null ? 0 : 1;
                }
                else
                {
                    stream.Delivered.Verified(remembered.Id, stream.Round);
                }
            }
            else
            {
                // Nothing usable to compare with; asking again after every gap would not make it usable.
                stream.Delivered.Verified(remembered.Id, stream.Round);
            }

            if (item is not null)
            {
                await writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
            }
        }

        SourceLog.Reconciled(_logger, Name, label, checkedCount, updated, deleted);
    }

    private async Task<(FetchOutcome Outcome, MastodonStatus? Status)> FetchStatusAsync(TagStream stream, string id, string label, CancellationToken cancellationToken)
    {
        var uri = new Uri(stream.Instance, "api/v1/statuses/" + Uri.EscapeDataString(id));
        for (var attempt = 1; ; attempt++)
        {
            var wait = stream.Budget.DelayBeforeNext(_time.GetUtcNow());
            if (wait > TimeSpan.Zero)
            {
                SourceLog.RateLimitWait(_logger, Name, stream.Instance.Authority, wait);
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.AccessToken);
                using var timeout = new CancellationTokenSource(_options.StallTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                using var response = await _http.SendAsync(request, linked.Token).ConfigureAwait(false);
                stream.Budget.Observe(response, _time.GetUtcNow());
                switch (response.StatusCode)
                {
                    case HttpStatusCode.NotFound or HttpStatusCode.Gone:
                        return (FetchOutcome.Gone, null);
                    case HttpStatusCode.TooManyRequests when attempt < MaxRateLimitedAttempts:
                        stream.Budget.Exhausted(response, _time.GetUtcNow());
                        continue;
                    case HttpStatusCode.OK:
                        var body = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
                        if (body.Length > _options.MaxEventBytes)
                        {
                            return (FetchOutcome.Found, null);
                        }

                        return (FetchOutcome.Found, JsonSerializer.Deserialize(body, MastodonJsonContext.Default.MastodonStatus));
                    default:
                        SourceLog.ReconcileFailed(_logger, Name, label, "HTTP " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
                        return (FetchOutcome.Failed, null);
                }
            }
            catch (JsonException)
            {
                return (FetchOutcome.Found, null);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                SourceLog.ReconcileFailed(_logger, Name, label, e.GetType().Name);
                return (FetchOutcome.Failed, null);
            }
        }
    }

    private enum FetchOutcome
    {
        Found,
        Gone,
        Failed,
    }

    /// <summary>
    /// What the instance's <c>X-RateLimit-*</c> headers last said, and how long to wait before the next request.
    /// </summary>
    /// <remarks>Thread-safe: the tags of one instance share it.</remarks>
    internal sealed class RateBudget
    {
        /// <summary>Requests left for what else needs the budget: the gap fill and the streams' own reconnects.</summary>
        public const int Reserve = 5;

        /// <summary>Mastodon's window is 5 minutes; a reset further away is clock skew or a bad header.</summary>
        public static readonly TimeSpan LongestWait = TimeSpan.FromMinutes(5);

        /// <summary>The wait after a 429 that says nothing about when to come back.</summary>
        public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);

        private readonly Lock _gate = new();
        private DateTimeOffset _notBefore;

        public TimeSpan DelayBeforeNext(DateTimeOffset now)
        {
            lock (_gate)
            {
                return _notBefore > now ? _notBefore - now : TimeSpan.Zero;
            }
        }

        /// <summary>Reads <c>X-RateLimit-Remaining</c> and <c>X-RateLimit-Reset</c>: at the reserve, wait for the reset.</summary>
        public void Observe(HttpResponseMessage response, DateTimeOffset now)
        {
            if (Header(response, "X-RateLimit-Remaining") is { } text
                && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var remaining)
                && remaining <= Reserve
                && Reset(response) is { } reset)
            {
                Until(Clamp(reset - now, TimeSpan.Zero), now);
            }
        }

        /// <summary>A 429: wait for <c>Retry-After</c>, else the reset, else a minute.</summary>
        public void Exhausted(HttpResponseMessage response, DateTimeOffset now)
        {
            var wait = response.Headers.RetryAfter switch
            {
                { Delta: { } delta } => delta,
                { Date: { } date } => date - now,
                _ => Reset(response) is { } reset && reset > now ? reset - now : DefaultWait,
            };
            Until(Clamp(wait, TimeSpan.FromSeconds(1)), now);
        }

        private void Until(TimeSpan wait, DateTimeOffset now)
        {
            lock (_gate)
            {
                var until = now + wait;
                if (until > _notBefore)
                {
                    _notBefore = until;
                }
            }
        }

        private static TimeSpan Clamp(TimeSpan wait, TimeSpan least) =>
            wait < least ? least : wait > LongestWait ? LongestWait : wait;

        // Mastodon sends an ISO 8601 time ("2026-11-26T10:05:00.000Z").
        private static DateTimeOffset? Reset(HttpResponseMessage response) =>
            Header(response, "X-RateLimit-Reset") is { } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var reset)
                ? reset
                : null;

        private static string? Header(HttpResponseMessage response, string name) =>
            response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
    }
}
