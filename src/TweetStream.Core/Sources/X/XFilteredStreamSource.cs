using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TweetStream.Sources.X;

/// <summary>
/// The X API v2 filtered stream: keeps the server's rules in sync, holds one long-lived connection, turns each
/// line into a post, tombstone or malformed item, and reconnects with the backoff X documents.
/// </summary>
/// <remarks>
/// <para>A push source: X cannot be paused, so the loop only splits and parses lines and hands them on; the
/// pipeline sheds (and counts) what its buffer cannot hold. Posts need no acknowledgement (a stream has no
/// cursor); <see cref="XFilteredStreamOptions.BackfillMinutes"/> covers short gaps and duplicates it replays are
/// dropped by id.</para>
/// <para>Fatal configuration errors (401, 403, rejected rules, other 4xx) end the enumeration with an
/// <see cref="InvalidOperationException"/> carrying X's text; everything else is retried forever.</para>
/// </remarks>
internal sealed class XFilteredStreamSource : ITweetSource
{
    private const string OperationalDisconnect = "operational-disconnect";
    private const string TruncatedReason = "truncated line: the connection ended mid-line";

    private readonly XFilteredStreamOptions _options;
    private readonly XApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IXStreamObserver? _observer;
    private readonly XRecentIds _recent;
    private readonly Dictionary<string, string> _tagMap;
    private readonly int[] _attempts = new int[3];
    private int _connections;
    private bool _rulesSynced;

    public XFilteredStreamSource(
        XFilteredStreamOptions options,
        HttpClient http,
        TimeProvider time,
        ILogger<XFilteredStreamSource>? logger = null,
        IXStreamObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        _options = options;
        _time = time ?? TimeProvider.System;
        _api = new XApiClient(http, options, _time);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _observer = observer;
        _recent = new XRecentIds(options.DeduplicationCapacity);
        _tagMap = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options.OwnedTagPrefix.Length > 0)
        {
            foreach (var rule in options.Rules)
            {
                _tagMap[options.OwnedTagPrefix + rule.Tag] = rule.Tag!;
            }
        }
    }

    public string Name => XStreamLineParser.SourceName;

    public SourceDelivery Delivery => SourceDelivery.Push;

    public async IAsyncEnumerable<SourceItem> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var clearedConnections = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (response, failure) = await TryConnectAsync(cancellationToken).ConfigureAwait(false);
            if (response is null)
            {
                // Too many connections: a stale connection of ours may still be counted; end it once per streak.
                if (failure!.TooManyConnections && _options.ClearStaleConnections && !clearedConnections)
                {
                    clearedConnections = true;
                    XLog.ClearingConnections(_logger);
                    var cleared = await TryClearConnectionsAsync(cancellationToken).ConfigureAwait(false);
                    if (cleared)
                    {
                        continue;
                    }
                }

                await BackoffAsync(failure.FailureClass, failure.Message, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var connection = ++_connections;
            XLog.Connected(_logger, connection);
            _observer?.OnConnected(connection);

            var stream = new Connection(this, response);
            string reason;
            try
            {
                await stream.StartAsync(cancellationToken).ConfigureAwait(false);
                while (true)
                {
                    var (item, end) = await stream.NextAsync(cancellationToken).ConfigureAwait(false);
                    if (item is not null)
                    {
                        yield return item;
                    }

                    if (end is not null)
                    {
                        reason = end;
                        break;
                    }
                }

                if (stream.ReceivedBytes)
                {
                    // A connection that carried data was healthy: the next failure starts every ladder afresh.
                    Array.Clear(_attempts);
                    clearedConnections = false;
                }
            }
            finally
            {
                stream.Dispose();
            }

            XLog.Disconnected(_logger, reason);
            _observer?.OnDisconnected(reason, stream.Stalled);
            await BackoffAsync(XFailureClass.Network, reason, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(HttpResponseMessage? Response, XTransientException? Failure)> TryConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!_rulesSynced)
            {
                await SyncRulesAsync(cancellationToken).ConfigureAwait(false);
                _rulesSynced = true;
            }

            return (await _api.ConnectAsync(_options.BackfillMinutes, cancellationToken).ConfigureAwait(false), null);
        }
        catch (XTransientException ex)
        {
            return (null, ex);
        }
    }

    private async Task<bool> TryClearConnectionsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _api.DeleteAllConnectionsAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (XTransientException ex)
        {
            XLog.Disconnected(_logger, "clearing stale connections failed: " + ex.Message);
            return false;
        }
    }

    private async Task SyncRulesAsync(CancellationToken cancellationToken)
    {
        if (!_options.SyncRules)
        {
            return;
        }

        var existing = await _api.GetRulesAsync(cancellationToken).ConfigureAwait(false);
        var plan = XRulePlan.Create(existing, _options);

        // Validate before deleting anything, so a bad configuration leaves the working rules in place. A rule
        // whose tag changed still holds its value on the server (X would call it a duplicate); it is validated
        // by the real add after the stale rule is gone.
        var staleValues = plan.Delete.Select(r => r.Value).ToHashSet(StringComparer.Ordinal);
        var validate = plan.Add.Where(r => !staleValues.Contains(r.Value)).ToList();
        if (validate.Count > 0)
        {
            await _api.AddRulesAsync(validate, dryRun: true, cancellationToken).ConfigureAwait(false);
        }

        if (plan.Delete.Count > 0)
        {
            await _api.DeleteRulesAsync([.. plan.Delete.Select(r => r.Id!)], cancellationToken).ConfigureAwait(false);
        }

        if (plan.Add.Count > 0)
        {
            await _api.AddRulesAsync(plan.Add, dryRun: false, cancellationToken).ConfigureAwait(false);
        }

        XLog.RulesSynced(_logger, plan.Kept, plan.Add.Count, plan.Delete.Count, plan.Foreign);
    }

    private async Task BackoffAsync(XFailureClass failure, string reason, CancellationToken cancellationToken)
    {
        var attempt = ++_attempts[(int)failure];
        var delay = XReconnectBackoff.GetDelay(failure, attempt);
        XLog.Backoff(_logger, failure, attempt, delay, reason);

        // Arm the timer before telling the observer, so a test advancing a fake clock cannot miss it.
        var wait = delay > TimeSpan.Zero ? Task.Delay(delay, _time, cancellationToken) : Task.CompletedTask;
        _observer?.OnBackoff(failure, delay, reason);
        await wait.ConfigureAwait(false);
    }

    private SourceItem? Map(ReadOnlyMemory<byte> line, out string? disconnect)
    {
        disconnect = null;
        var result = XStreamLineParser.Parse(line.Span, _time.GetUtcNow());
        switch (result.Kind)
        {
            case XStreamLineKind.Post:
                var post = result.Post!;
                if (!_recent.Add(post.Id))
                {
                    XLog.Duplicate(_logger);
                    _observer?.OnDuplicate(post.Id);
                    return null;
                }

                return SourceItem.ForPost(UnprefixTags(post), line.Length);
            case XStreamLineKind.Delete:
                return SourceItem.ForPost(result.Post!, line.Length);
            case XStreamLineKind.KeepAlive:
                _observer?.OnKeepAlive();
                return null;
            case XStreamLineKind.Errors:
                foreach (var problem in result.Errors!)
                {
                    XLog.StreamError(_logger, problem.Title, problem.Type, problem.Detail);
                    if (problem.Title == OperationalDisconnect || problem.DisconnectType is not null ||
                        problem.Type?.EndsWith("/2/problems/" + OperationalDisconnect, StringComparison.Ordinal) == true)
                    {
                        disconnect = "operational disconnect (" + (problem.DisconnectType ?? problem.Title) + ")";
                    }
                }

                return null;
            case XStreamLineKind.Malformed:
                return SourceItem.Malformed(result.Reason!, line.ToArray());
            default:
                return null;
        }
    }

    private Post UnprefixTags(Post post)
    {
        if (_tagMap.Count == 0 || post.MatchedRules.Count == 0)
        {
            return post;
        }

        string[]? mapped = null;
        for (var i = 0; i < post.MatchedRules.Count; i++)
        {
            if (_tagMap.TryGetValue(post.MatchedRules[i], out var tag))
            {
                mapped ??= [.. post.MatchedRules];
                mapped[i] = tag;
            }
        }

        return mapped is null ? post : post with { MatchedRules = mapped };
    }

    /// <summary>One stream connection: the line reader plus the stall watchdog.</summary>
    private sealed class Connection(XFilteredStreamSource owner, HttpResponseMessage response) : IDisposable
    {
        private readonly CancellationTokenSource _stall = new();
        private XLineReader? _reader;
        private ITimer? _watchdog;
        private CancellationTokenSource? _linked;

        public bool Stalled { get; private set; }

        public bool ReceivedBytes => _reader?.BytesRead > 0;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stall.Token);
            Stream body;
            try
            {
                body = await response.Content.ReadAsStreamAsync(_linked.Token).ConfigureAwait(false);
            }
            catch (HttpRequestException)
            {
                body = Stream.Null;
            }

            _reader = new XLineReader(body, owner._options.MaxLineBytes, owner._time);
            _watchdog = owner._time.CreateTimer(static s => ((Connection)s!).CheckStall(), this, owner._options.StallTimeout, Timeout.InfiniteTimeSpan);
        }

        /// <summary>The next item (or none) and, when the connection is over, why.</summary>
        public async Task<(SourceItem? Item, string? End)> NextAsync(CancellationToken cancellationToken)
        {
            XLineStatus status;
            ReadOnlyMemory<byte> line;
            try
            {
                (status, line) = await _reader!.ReadAsync(_linked!.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (Stalled && !cancellationToken.IsCancellationRequested)
            {
                return (Partial(), $"stalled: no data or keep-alive for {owner._options.StallTimeout}");
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                return (Partial(), "connection lost: " + ex.Message);
            }

            switch (status)
            {
                case XLineStatus.Line:
                    var item = owner.Map(line, out var disconnect);
                    return (item, disconnect);
                case XLineStatus.TooLong:
                    return (SourceItem.Malformed(XStreamReasons.LineTooLong, line), null);
                case XLineStatus.Truncated:
                    return (Truncated(line), "stream ended mid-line");
                default:
                    return (null, "stream ended");
            }
        }

        public void Dispose()
        {
            _watchdog?.Dispose();
            _reader?.Dispose();
            _linked?.Dispose();
            _stall.Dispose();
            response.Dispose();
        }

        private SourceItem? Partial()
        {
            var rest = _reader!.TakePartial();
            return rest.IsEmpty ? null : Truncated(rest);
        }

        private SourceItem? Truncated(ReadOnlyMemory<byte> rest)
        {
            if (XStreamLineParser.IsBlank(rest.Span))
            {
                return null;
            }

            // A complete object that only lost its \r\n is still a post; anything else is dead-lettered.
            var item = owner.Map(rest, out _);
            return item?.Error is null ? item : SourceItem.Malformed(TruncatedReason, rest.ToArray());
        }

        private void CheckStall()
        {
            var reader = _reader;
            if (reader is null)
            {
                return;
            }

            var quiet = owner._time.GetElapsedTime(reader.LastActivity);
            if (quiet >= owner._options.StallTimeout)
            {
                Stalled = true;
                owner._observer?.OnStall();
                try
                {
                    _stall.Cancel();
                }
                catch (ObjectDisposedException)
                {
                }

                return;
            }

            try
            {
                _watchdog?.Change(owner._options.StallTimeout - quiet, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
