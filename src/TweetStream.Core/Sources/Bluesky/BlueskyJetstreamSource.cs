using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TweetStream.Sources.Common;

namespace TweetStream.Sources.Bluesky;

/// <summary>Posts carrying configured hashtags from Bluesky's Jetstream, resumable by cursor.</summary>
/// <remarks>
/// The ack token is a sequence number; a contiguous watermark over settled items (and events dropped by the
/// hashtag filter) gives the <c>time_us</c> cursor that is persisted. After a restart the source resumes from
/// that cursor minus <see cref="BlueskyJetstreamSourceOptions.ResumeSafetyMargin"/> (event times are not
/// strictly ordered) and drops the replayed events it had already delivered, whose keys the state file keeps.
/// Items the pipeline sheds (rejects) count as settled: shedding a push source loses them by design, and
/// holding the cursor for them would stall it for the rest of the run.
/// </remarks>
internal sealed class BlueskyJetstreamSource : ITweetSource, IAcknowledgementHandler, IDisposable
{
    private readonly BlueskyJetstreamSourceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<Uri, CancellationToken, Task<WebSocket>> _connect;
    private readonly JetstreamDecoder _decoder;
    private readonly IReadOnlyList<Uri> _endpoints;
    private readonly Lock _stateGate = new();
    private readonly Queue<(long Position, string Key)> _recent = new();
    private readonly List<(long Position, string Key)> _settledScratch = [];
    private BoundedDedup _dedup;
    private BoundedDedup _keptPosts;
    private AckWatermark _watermark = new();
    private long _maxSeenTimeUs;
    private long _shed;
    private readonly ThrottledStateFile _stateFile;

    public BlueskyJetstreamSource(
        BlueskyJetstreamSourceOptions options,
        TimeProvider time,
        ILogger logger,
        Func<Uri, CancellationToken, Task<WebSocket>>? connect = null,
        Func<string, string>? pseudonymizeDid = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = time;
        _logger = logger;
        _stateFile = new ThrottledStateFile(options.StateFile, options.StateFlushInterval, time, _stateGate, SnapshotState, (e, path) => SourceLog.StateWriteFailed(_logger, e, Name, path));
        _connect = connect ?? ConnectAsync;
        _decoder = new JetstreamDecoder(options.Hashtags, pseudonymizeDid);
        _endpoints = options.Endpoints.Count > 0 ? [.. options.Endpoints] : BlueskyJetstreamSourceOptions.PublicEndpoints;
        _dedup = new BoundedDedup(options.DedupCapacity);
        _keptPosts = new BoundedDedup(Math.Max(1, options.DeleteTrackingCapacity));
    }

    public string Name => JetstreamDecoder.SourceName;

    public SourceDelivery Delivery => SourceDelivery.Push;

    /// <summary>The cursor (time_us) up to which every item was settled.</summary>
    internal long CommittedCursor => _watermark.Committed;

    public IAsyncEnumerable<SourceItem> ReadAsync(CancellationToken cancellationToken) =>
        ChannelSource.ReadAsync(ProduceAsync, () => Flush(force: true), 256, cancellationToken);

    public ValueTask AcknowledgeAsync(long token, object? state, CancellationToken cancellationToken)
    {
        Settle(token);
        return ValueTask.CompletedTask;
    }

    public ValueTask RejectAsync(long token, object? state, CancellationToken cancellationToken)
    {
        var shed = Interlocked.Increment(ref _shed);
        if (shed == 1 || shed % 1000 == 0)
        {
            SourceLog.ItemsShed(_logger, Name, shed);
        }

        Settle(token);
        return ValueTask.CompletedTask;
    }

    private void Settle(long token)
    {
        lock (_stateGate)
        {
            _settledScratch.Clear();
            var advanced = _watermark.Settle(token, _settledScratch);
            if (!string.IsNullOrWhiteSpace(_options.StateFile))
            {
                foreach (var entry in _settledScratch)
                {
                    _recent.Enqueue(entry);
                }

                // Bounded between flushes too (a long flush interval must not let it grow).
                while (_recent.Count > _options.DedupCapacity)
                {
                    _recent.Dequeue();
                }
            }

            if (advanced || _settledScratch.Count > 0)
            {
                _stateFile.MarkDirty();
            }
        }

        Flush(force: false);
    }

    private async Task ProduceAsync(ChannelWriter<SourceItem> writer, CancellationToken cancellationToken)
    {
        var startCursor = LoadState();
        _watermark = new AckWatermark(startCursor);
        if (startCursor > 0)
        {
            SourceLog.Resuming(_logger, Name, startCursor);
        }

        var backoff = new ExponentialBackoff(_options.ReconnectMinDelay, _options.ReconnectMaxDelay);
        var index = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var endpoint = _endpoints[index];
            var resumeFrom = Math.Max(Volatile.Read(ref _maxSeenTimeUs), startCursor);
            string reason;
            try
            {
                reason = await ConnectAndReadAsync(endpoint, resumeFrom, writer, backoff, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (StreamStalledException)
            {
                SourceLog.Stalled(_logger, Name, endpoint.Authority, _options.StallTimeout);
                reason = "stalled";
            }
            catch (WebSocketException e)
            {
                reason = "websocket " + e.WebSocketErrorCode.ToString();
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                reason = e.GetType().Name;
            }

            // Fail over: the next endpoint serves the same cursor space.
            index = (index + 1) % _endpoints.Count;
            var delay = backoff.Next();
            SourceLog.Reconnecting(_logger, Name, endpoint.Authority, reason, delay, backoff.Attempt);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<string> ConnectAndReadAsync(Uri endpoint, long resumeFrom, ChannelWriter<SourceItem> writer, ExponentialBackoff backoff, CancellationToken cancellationToken)
    {
        var uri = BuildUri(endpoint, resumeFrom);
        using var stall = new CancellationTokenSource(_options.StallTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);
        WebSocket socket;
        try
        {
            socket = await _connect(uri, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StreamStalledException("connect timed out");
        }

        using (socket)
        {
            SourceLog.Connected(_logger, Name, endpoint.Authority);
            var first = true;
            while (true)
            {
                WebSocketMessage? message;
                try
                {
                    message = await WebSocketMessages.ReceiveAsync(socket, _options.MaxMessageBytes, () => stall.CancelAfter(_options.StallTimeout), linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new StreamStalledException();
                }

                if (message is null)
                {
                    return "closed by server";
                }

                if (first)
                {
                    first = false;
                    backoff.Reset();
                }

                var item = Process(message);
                if (item is not null)
                {
                    await writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    internal SourceItem? Process(WebSocketMessage message)
    {
        if (message.TooLarge)
        {
            var token = _watermark.Register(0);
            return SourceItem.Malformed("jetstream: message larger than MaxMessageBytes", message.Data, new Acknowledgement(this, token));
        }

        var decoded = _decoder.Decode(message.Data, _time.GetUtcNow());
        if (decoded.TimeUs > 0)
        {
            InterlockedMax(ref _maxSeenTimeUs, decoded.TimeUs);
        }

        switch (decoded.Kind)
        {
            case JetstreamEventKind.Malformed:
            {
                var token = _watermark.Register(decoded.TimeUs);
                return SourceItem.Malformed(decoded.Reason!, message.Data, new Acknowledgement(this, token));
            }

            case JetstreamEventKind.Post when _dedup.TryAdd(decoded.Key!):
            {
                _keptPosts.TryAdd(decoded.PostId!);
                var token = _watermark.Register(decoded.TimeUs, decoded.Key);
                return SourceItem.ForPost(decoded.Post!, message.Data.Length, new Acknowledgement(this, token));
            }

            case JetstreamEventKind.Delete when (_options.ForwardAllDeletes || _keptPosts.Contains(decoded.PostId!)) && _dedup.TryAdd(decoded.Key!):
            {
                var token = _watermark.Register(decoded.TimeUs, decoded.Key);
                return SourceItem.ForPost(decoded.Post!, message.Data.Length, new Acknowledgement(this, token));
            }

            default:
                if (decoded.TimeUs > 0 && _watermark.Observe(decoded.TimeUs))
                {
                    lock (_stateGate)
                    {
                        _stateFile.MarkDirty();
                    }

                    Flush(force: false);
                }

                return null;
        }
    }

    private Uri BuildUri(Uri endpoint, long resumeFrom)
    {
        var query = "wantedCollections=app.bsky.feed.post";
        if (resumeFrom > 0)
        {
            var cursor = Math.Max(1, resumeFrom - (long)(_options.ResumeSafetyMargin.Ticks / TimeSpan.TicksPerMicrosecond));
            query += "&cursor=" + cursor.ToString(CultureInfo.InvariantCulture);
        }

        var builder = new UriBuilder(endpoint);
        builder.Query = string.IsNullOrEmpty(builder.Query) || builder.Query == "?" ? query : builder.Query.TrimStart('?') + "&" + query;
        return builder.Uri;
    }

    private static async Task<WebSocket> ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
        try
        {
            await socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private long LoadState()
    {
        var path = _options.StateFile;
        if (string.IsNullOrWhiteSpace(path))
        {
            return 0;
        }

        try
        {
            var bytes = AtomicFile.TryRead(path);
            if (bytes is null)
            {
                return 0;
            }

            var state = JsonSerializer.Deserialize(bytes, JetstreamJsonContext.Default.JetstreamState);
            if (state?.Recent is not null)
            {
                // The events just before the cursor were delivered; the replayed overlap must not deliver them twice.
                foreach (var key in state.Recent)
                {
                    _dedup.TryAdd(key);
                    lock (_stateGate)
                    {
                        _recent.Enqueue((state.Cursor, key));
                    }
                }
            }

            return state?.Cursor ?? 0;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            SourceLog.StateReadFailed(_logger, e, Name, path);
            return 0;
        }
    }

    /// <summary>Writes the final position: the pipeline disposes the source after its last acknowledgement.</summary>
    public void Dispose() => _stateFile.Dispose();

    private void Flush(bool force) => _stateFile.Flush(force);

    // Runs under _stateGate: only keys inside the replay window matter; the count is bounded by the dedup capacity.
    private byte[] SnapshotState()
    {
        var cursor = _watermark.Committed;
        var windowStart = cursor - (long)(_options.ResumeSafetyMargin.Ticks / TimeSpan.TicksPerMicrosecond);
        while (_recent.Count > 0 && (_recent.Peek().Position < windowStart || _recent.Count > _options.DedupCapacity))
        {
            _recent.Dequeue();
        }

        var state = new JetstreamState { Cursor = cursor, Recent = [.. _recent.Select(r => r.Key)] };
        return JsonSerializer.SerializeToUtf8Bytes(state, JetstreamJsonContext.Default.JetstreamState);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
