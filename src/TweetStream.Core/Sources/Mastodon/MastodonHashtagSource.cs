using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TweetStream.Sources.Common;

namespace TweetStream.Sources.Mastodon;

/// <summary>Public statuses with configured hashtags from Mastodon instances, streamed and gap-filled.</summary>
/// <remarks>
/// <para>One connection per instance and tag (SSE or WebSocket). After every (re)connect the source reads the
/// hashtag timeline from the last status id it saw (or, after a restart, the last acknowledged id saved in the
/// state file) before it reads the stream; what the stream and the timeline both deliver is dropped by a
/// bounded dedup set, so a reconnect leaves no gap and adds no duplicate.</para>
/// <para>Ack tokens are per-stream sequence numbers; the saved id only advances over a contiguous run of
/// settled items. Items the pipeline sheds count as settled (see <see cref="RejectAsync"/>).</para>
/// <para>Limits of the Mastodon API: the timeline is ordered by local id, and a federated status can arrive
/// late with an older id than one already saved; catch-up cannot see such a status. Edits and deletions made
/// during the gap to statuses delivered before it are found by reconciliation (see <c>ReconcileAsync</c>).</para>
/// </remarks>
internal sealed partial class MastodonHashtagSource : ITweetSource, IAcknowledgementHandler, IDisposable
{
    private readonly MastodonHashtagSourceOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<Uri, string, CancellationToken, Task<WebSocket>> _connectWebSocket;
    private readonly BoundedDedup _dedup;
    private readonly Lock _stateGate = new();
    private readonly Dictionary<string, string> _state = new(StringComparer.Ordinal);
    private long _shed;
    private readonly ThrottledStateFile _stateFile;

    // Guarded by _stateGate: the snapshot writes each stream's acknowledged deliveries.
    private readonly List<TagStream> _streams = [];

    public MastodonHashtagSource(
        MastodonHashtagSourceOptions options,
        HttpClient http,
        TimeProvider time,
        ILogger logger,
        Func<Uri, string, CancellationToken, Task<WebSocket>>? connectWebSocket = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _http = http;
        _time = time;
        _logger = logger;
        _stateFile = new ThrottledStateFile(options.StateFile, options.StateFlushInterval, time, _stateGate, SnapshotState, (e, path) => SourceLog.StateWriteFailed(_logger, e, Name, path));
        _connectWebSocket = connectWebSocket ?? ConnectWebSocketAsync;
        _dedup = new BoundedDedup(options.DedupCapacity);
    }

    public string Name => MastodonStatusMapper.SourceName;

    public IAsyncEnumerable<SourceItem> ReadAsync(CancellationToken cancellationToken) =>
        ChannelSource.ReadAsync(ProduceAsync, () => Flush(force: true), 256, cancellationToken);

    public ValueTask AcknowledgeAsync(long token, object? state, CancellationToken cancellationToken)
    {
        Settle(token, state);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// A rejection means the pipeline shed the item. It counts as settled so the saved id keeps moving;
    /// holding it would re-fetch everything after it on every restart.
    /// </summary>
    public ValueTask RejectAsync(long token, object? state, CancellationToken cancellationToken)
    {
        var shed = Interlocked.Increment(ref _shed);
        if (shed == 1 || shed % 1000 == 0)
        {
            SourceLog.ItemsShed(_logger, Name, shed);
        }

        Settle(token, state);
        return ValueTask.CompletedTask;
    }

    private void Settle(long token, object? state)
    {
        if (state is not TagStream stream)
        {
            return;
        }

        var settled = new List<(long Position, string Key)>();
        var advanced = stream.Watermark.Settle(token, settled);
        if (!advanced && settled.Count == 0)
        {
            return;
        }

        lock (_stateGate)
        {
            // Only versions whose items left the window are saved: a version saved before it was acknowledged
            // would be taken as delivered after a crash, and its edit or deletion never sent again.
            foreach (var (_, key) in settled)
            {
                ApplySettled(stream.Acknowledged, key);
            }

            if (advanced)
            {
                _state[stream.StateKey] = stream.Watermark.Committed.ToString(CultureInfo.InvariantCulture);
            }

            _stateFile.MarkDirty();
        }

        Flush(force: false);
    }

    private async Task ProduceAsync(ChannelWriter<SourceItem> writer, CancellationToken cancellationToken)
    {
        LoadState();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = new List<Task>();
        foreach (var instance in _options.Instances)
        {
            var streamingBase = await DiscoverStreamingBaseAsync(instance, cancellationToken).ConfigureAwait(false);

            // Mastodon's rate limit is per account and instance, so the tags of one instance share it.
            var budget = new RateBudget();
            foreach (var rawTag in _options.Tags)
            {
                var tag = rawTag.TrimStart('#');
                var key = instance.Authority + "|" + tag.ToLowerInvariant();
                long saved;
                lock (_stateGate)
                {
                    saved = _state.TryGetValue(key, out var id) ? MastodonStatusMapper.Position(id) : 0;
                }

                var stream = new TagStream(instance, streamingBase, tag, key, new AckWatermark(saved), _options.ReconcileMaxStatuses, budget) { GapStart = saved };
                lock (_stateGate)
                {
                    // Saved deliveries count as confirmed before the first connection, so it re-checks them.
                    var delivered = _state.GetValueOrDefault(key + DeliveredSuffix);
                    stream.Delivered.Decode(delivered, round: 0);
                    stream.Acknowledged.Decode(delivered, round: 0);
                    _streams.Add(stream);
                }

                loops.Add(RunStreamAsync(stream, writer, failed));
            }
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    private async Task RunStreamAsync(TagStream stream, ChannelWriter<SourceItem> writer, CancellationTokenSource failed)
    {
        var cancellationToken = failed.Token;
        var backoff = new ExponentialBackoff(_options.ReconnectMinDelay, _options.ReconnectMaxDelay);
        var endpoint = stream.StreamingBase.Authority;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string reason;
                try
                {
                    reason = _options.Transport == MastodonStreamingTransport.WebSocket
                        ? await ReadWebSocketAsync(stream, writer, backoff, cancellationToken).ConfigureAwait(false)
                        : await ReadServerSentEventsAsync(stream, writer, backoff, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (StreamStalledException)
                {
                    SourceLog.Stalled(_logger, Name, endpoint, _options.StallTimeout);
                    reason = "stalled";
                }
                catch (WebSocketException e)
                {
                    reason = "websocket " + e.WebSocketErrorCode.ToString();
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
                {
                    reason = e is HttpRequestException { StatusCode: { } status } ? "HTTP " + ((int)status).ToString(CultureInfo.InvariantCulture) : e.GetType().Name;
                }

                // Everything after the last status seen must be fetched from the timeline on the next connection.
                if (stream.GapStart == 0)
                {
                    stream.GapStart = stream.LastSeen;
                }

                // What was delivered so far may be edited or deleted before the next connection reads the stream.
                stream.Round++;

                var delay = backoff.Next();
                SourceLog.Reconnecting(_logger, Name, endpoint, reason, delay, backoff.Attempt);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One stream with a fatal error (token rejected) stops the others, and the source.
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<string> ReadServerSentEventsAsync(TagStream stream, ChannelWriter<SourceItem> writer, ExponentialBackoff backoff, CancellationToken cancellationToken)
    {
        var path = _options.LocalOnly ? "api/v1/streaming/hashtag/local" : "api/v1/streaming/hashtag";
        var uri = new Uri(HttpBase(stream.StreamingBase), path + "?tag=" + Uri.EscapeDataString(stream.Tag));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.AccessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        using var stall = new CancellationTokenSource(_options.StallTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StreamStalledException("no response headers");
        }

        using (response)
        {
            ThrowIfFatal(response.StatusCode, stream);
            response.EnsureSuccessStatusCode();
            SourceLog.Connected(_logger, Name, stream.StreamingBase.Authority);

            stall.CancelAfter(Timeout.InfiniteTimeSpan);
            await CatchUpAsync(stream, writer, cancellationToken).ConfigureAwait(false);
            await ReconcileAsync(stream, writer, cancellationToken).ConfigureAwait(false);
            stall.CancelAfter(_options.StallTimeout);

            var body = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            var live = new LivenessStream(body, () => stall.CancelAfter(_options.StallTimeout));
            await using var liveScope = live.ConfigureAwait(false);
            var parser = SseParser.Create(live, static (type, data) => new SseFrame(type, data.ToArray()));
            try
            {
                await foreach (var frame in parser.EnumerateAsync(linked.Token).ConfigureAwait(false))
                {
                    backoff.Reset();
                    var item = HandleEvent(stream, frame.Data.EventType, frame.Data.Bytes);
                    if (item is not null)
                    {
                        await writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new StreamStalledException();
            }

            return "stream ended";
        }
    }

    private async Task<string> ReadWebSocketAsync(TagStream stream, ChannelWriter<SourceItem> writer, ExponentialBackoff backoff, CancellationToken cancellationToken)
    {
        var channel = _options.LocalOnly ? "hashtag:local" : "hashtag";
        var uri = new Uri(WebSocketBase(stream.StreamingBase), "api/v1/streaming?stream=" + Uri.EscapeDataString(channel) + "&tag=" + Uri.EscapeDataString(stream.Tag));
        using var stall = new CancellationTokenSource(_options.StallTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);
        WebSocket socket;
        try
        {
            socket = await _connectWebSocket(uri, _options.AccessToken!, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StreamStalledException("connect timed out");
        }

        using (socket)
        {
            SourceLog.Connected(_logger, Name, stream.StreamingBase.Authority);
            stall.CancelAfter(Timeout.InfiniteTimeSpan);
            await CatchUpAsync(stream, writer, cancellationToken).ConfigureAwait(false);
            await ReconcileAsync(stream, writer, cancellationToken).ConfigureAwait(false);
            stall.CancelAfter(_options.StallTimeout);
            while (true)
            {
                WebSocketMessage? message;
                try
                {
                    message = await WebSocketMessages.ReceiveAsync(socket, _options.MaxEventBytes, () => stall.CancelAfter(_options.StallTimeout), linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new StreamStalledException();
                }

                if (message is null)
                {
                    return "closed by server";
                }

                backoff.Reset();
                var item = HandleWebSocketFrame(stream, message);
                if (item is not null)
                {
                    await writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    internal SourceItem? HandleWebSocketFrame(TagStream stream, WebSocketMessage message)
    {
        if (message.TooLarge)
        {
            return Malformed(stream, "mastodon: event larger than MaxEventBytes", message.Data);
        }

        MastodonWebSocketFrame? frame;
        try
        {
            frame = JsonSerializer.Deserialize(message.Data, MastodonJsonContext.Default.MastodonWebSocketFrame);
        }
        catch (JsonException)
        {
            return Malformed(stream, "mastodon: WebSocket frame is not valid JSON of the expected shape", message.Data);
        }

        if (frame is null)
        {
            return Malformed(stream, "mastodon: empty WebSocket frame", message.Data);
        }

        if (frame.Error is not null)
        {
            // In-socket errors answer a bad subscription ("Unknown stream type", "Missing tag name parameter").
            throw new SourceConfigurationException("Mastodon streaming rejected the subscription of " + stream.Instance.Authority + " (status " + (frame.Status ?? 0).ToString(CultureInfo.InvariantCulture) + "): " + frame.Error);
        }

        if (frame.Event is null)
        {
            return null;
        }

        // The payload of a WebSocket frame is a JSON string holding the Status JSON (or the bare id of a delete).
        var payload = frame.Payload is null ? [] : Encoding.UTF8.GetBytes(frame.Payload);
        return HandleEvent(stream, frame.Event, payload, message.Data);
    }

    internal SourceItem? HandleEvent(TagStream stream, string eventType, byte[] payload, byte[]? raw = null)
    {
        raw ??= payload;
        var host = stream.Instance.Authority;
        switch (eventType)
        {
            case "update" or "status.update":
            {
                if (payload.Length > _options.MaxEventBytes)
                {
                    return Malformed(stream, "mastodon: event larger than MaxEventBytes", raw);
                }

                var status = MastodonStatusMapper.ParseStatus(payload, out var reason);
                if (status is null)
                {
                    return Malformed(stream, reason!, raw);
                }

                return Emit(stream, status, raw.Length);
            }

            case "delete":
            {
                var id = MastodonStatusMapper.DeletedId(payload);
                if (id is null)
                {
                    return Malformed(stream, "mastodon: delete event without a status id", raw);
                }

                return Tombstone(stream, id, raw.Length);
            }

            default:
                // Other event types (filters_changed, announcements) do not occur on hashtag streams; ignore them.
                return null;
        }
    }

    // force: emit even when this edited_at was delivered already, because reconciliation found other content.
    private SourceItem? Emit(TagStream stream, MastodonStatus status, int size, bool force = false)
    {
        var host = stream.Instance.Authority;
        var position = MastodonStatusMapper.Position(status.Id);
        stream.LastSeen = Math.Max(stream.LastSeen, position);

        // An edit has a new edited_at, so it is not a duplicate of the original; the same version from the
        // stream and from the timeline is.
        var version = status.EditedAt?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) ?? "0";
        if (!_dedup.TryAdd(host + "/" + status.Id + "/" + version) && !force)
        {
            return null;
        }

        var delivered = DeliveredStatuses.VersionOf(status);
        stream.Delivered.Delivered(delivered, stream.Round);
        var post = MastodonStatusMapper.ToPost(status, host, stream.Tag, _time.GetUtcNow());
        var token = stream.Watermark.Register(position, DeliveredKey(delivered));
        return SourceItem.ForPost(post, size, new Acknowledgement(this, token, stream));
    }

    /// <summary>A tombstone for a status deleted on the stream or found gone by reconciliation; null when one was sent already.</summary>
    private SourceItem? Tombstone(TagStream stream, string id, int size)
    {
        var host = stream.Instance.Authority;
        stream.Delivered.Forget(id);
        if (!_dedup.TryAdd(host + "/delete/" + id))
        {
            return null;
        }

        var token = stream.Watermark.Register(0, DeletedKeyPrefix + id);
        var tombstone = Post.Tombstone(MastodonStatusMapper.PostId(host, id), Name, _time.GetUtcNow());
        return SourceItem.ForPost(tombstone, size, new Acknowledgement(this, token, stream));
    }

    private SourceItem Malformed(TagStream stream, string reason, byte[] raw)
    {
        var token = stream.Watermark.Register(0);
        return SourceItem.Malformed(reason, raw, new Acknowledgement(this, token, stream));
    }

    /// <summary>Reads the hashtag timeline forward from the gap start, oldest first, page by page.</summary>
    private async Task CatchUpAsync(TagStream stream, ChannelWriter<SourceItem> writer, CancellationToken cancellationToken)
    {
        var since = stream.GapStart;
        if (since <= 0)
        {
            return;
        }

        var label = stream.Instance.Authority + " #" + stream.Tag;
        var count = 0;
        for (var page = 0; page < _options.MaxCatchUpPages; page++)
        {
            var query = "api/v1/timelines/tag/" + Uri.EscapeDataString(stream.Tag)
                + "?min_id=" + since.ToString(CultureInfo.InvariantCulture)
                + "&limit=" + _options.CatchUpPageSize.ToString(CultureInfo.InvariantCulture)
                + (_options.LocalOnly ? "&local=true" : string.Empty);
            List<MastodonStatus>? statuses;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(stream.Instance, query));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.AccessToken);
                using var timeout = new CancellationTokenSource(_options.StallTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                using var response = await _http.SendAsync(request, linked.Token).ConfigureAwait(false);
                ThrowIfFatal(response.StatusCode, stream);
                response.EnsureSuccessStatusCode();
                var body = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
                statuses = JsonSerializer.Deserialize(body, MastodonJsonContext.Default.ListMastodonStatus);
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // The gap start stays, so the next connection tries again.
                SourceLog.CatchUpFailed(_logger, Name, label, e.GetType().Name);
                return;
            }

            if (statuses is null || statuses.Count == 0)
            {
                break;
            }

            // min_id pages hold the statuses just after the id, newest first: emit them oldest first.
            var valid = new List<(long Position, MastodonStatus Status)>(statuses.Count);
            foreach (var s in statuses)
            {
                if (s is not null && MastodonStatusMapper.IsComplete(s))
                {
                    valid.Add((MastodonStatusMapper.Position(s.Id), s));
                }
                else
                {
                    // Dead-letter what the timeline returned but a post cannot be built from, as the stream path does.
                    var raw = s is null ? "null"u8.ToArray() : JsonSerializer.SerializeToUtf8Bytes(s, MastodonJsonContext.Default.MastodonStatus);
                    await writer.WriteAsync(Malformed(stream, "mastodon: timeline status without id, created_at or account", raw), cancellationToken).ConfigureAwait(false);
                }
            }

            valid.Sort((a, b) => a.Position.CompareTo(b.Position));
            foreach (var (position, status) in valid)
            {
                var item = Emit(stream, status, 0);
                if (item is not null)
                {
                    count++;
                    await writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
                }

                since = Math.Max(since, position);
            }

            if (statuses.Count < _options.CatchUpPageSize || valid.Count == 0)
            {
                break;
            }
        }

        stream.GapStart = 0;
        if (count > 0)
        {
            SourceLog.CaughtUp(_logger, Name, count, label);
        }
    }

    private async Task<Uri> DiscoverStreamingBaseAsync(Uri instance, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_options.StallTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            using var response = await _http.GetAsync(new Uri(instance, "api/v2/instance"), linked.Token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
            var info = JsonSerializer.Deserialize(body, MastodonJsonContext.Default.MastodonInstance);
            var streaming = info?.Configuration?.Urls?.Streaming;
            if (!string.IsNullOrEmpty(streaming) && Uri.TryCreate(streaming, UriKind.Absolute, out var uri)
                && uri.Scheme is "wss" or "ws" or "https" or "http")
            {
                return uri;
            }

            SourceLog.DiscoveryFailed(_logger, Name, instance.Authority, "no configuration.urls.streaming");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            SourceLog.DiscoveryFailed(_logger, Name, instance.Authority, e.GetType().Name);
        }

        return instance;
    }

    private static void ThrowIfFatal(HttpStatusCode status, TagStream stream)
    {
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new SourceConfigurationException("Mastodon instance " + stream.Instance.Authority + " rejected the access token (HTTP " + ((int)status).ToString(CultureInfo.InvariantCulture) + "); streaming needs a user token since Mastodon 4.2.");
        }

        if (status is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity)
        {
            throw new SourceConfigurationException("Mastodon instance " + stream.Instance.Authority + " rejected the request for #" + stream.Tag + " (HTTP " + ((int)status).ToString(CultureInfo.InvariantCulture) + ").");
        }
    }

    private static Uri HttpBase(Uri streaming)
    {
        var builder = new UriBuilder(streaming) { Path = "/", Query = string.Empty };
        builder.Scheme = streaming.Scheme switch
        {
            "wss" => "https",
            "ws" => "http",
            _ => streaming.Scheme,
        };
        if (streaming.IsDefaultPort)
        {
            builder.Port = -1;
        }

        return builder.Uri;
    }

    private static Uri WebSocketBase(Uri streaming)
    {
        var builder = new UriBuilder(streaming) { Path = "/", Query = string.Empty };
        builder.Scheme = streaming.Scheme switch
        {
            "https" => "wss",
            "http" => "ws",
            _ => streaming.Scheme,
        };
        if (streaming.IsDefaultPort)
        {
            builder.Port = -1;
        }

        return builder.Uri;
    }

    private static async Task<WebSocket> ConnectWebSocketAsync(Uri uri, string token, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (WebSocketException) when (socket.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new SourceConfigurationException("Mastodon streaming rejected the access token (HTTP " + ((int)status).ToString(CultureInfo.InvariantCulture) + ").");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void LoadState()
    {
        var path = _options.StateFile;
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        try
        {
            var bytes = AtomicFile.TryRead(path);
            if (bytes is null)
            {
                return;
            }

            var saved = JsonSerializer.Deserialize(bytes, MastodonJsonContext.Default.DictionaryStringString);
            lock (_stateGate)
            {
                foreach (var (key, value) in saved ?? [])
                {
                    _state[key] = value;
                }
            }
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            SourceLog.StateReadFailed(_logger, e, Name, path);
        }
    }

    /// <summary>Writes the final position: the pipeline disposes the source after its last acknowledgement.</summary>
    public void Dispose() => _stateFile.Dispose();

    private void Flush(bool force) => _stateFile.Flush(force);

    // Runs under _stateGate.
    private byte[] SnapshotState()
    {
        if (_streams.Count == 0 || _options.ReconcileMaxStatuses == 0)
        {
            return JsonSerializer.SerializeToUtf8Bytes(_state, MastodonJsonContext.Default.DictionaryStringString);
        }

        var state = new Dictionary<string, string>(_state, StringComparer.Ordinal);
        foreach (var stream in _streams)
        {
            state[stream.StateKey + DeliveredSuffix] = stream.Acknowledged.Encode();
        }

        return JsonSerializer.SerializeToUtf8Bytes(state, MastodonJsonContext.Default.DictionaryStringString);
    }

    private readonly record struct SseFrame(string EventType, byte[] Bytes);

    /// <summary>One instance+tag stream: its own watermark, last status seen and pending gap.</summary>
    internal sealed class TagStream(Uri instance, Uri streamingBase, string tag, string stateKey, AckWatermark watermark, int remembered = 0, RateBudget? budget = null)
    {
        public Uri Instance { get; } = instance;

        public Uri StreamingBase { get; } = streamingBase;

        public string Tag { get; } = tag;

        public string StateKey { get; } = stateKey;

        public AckWatermark Watermark { get; } = watermark;

        /// <summary>Highest status id seen (delivered or deduplicated) in this run.</summary>
        public long LastSeen { get; set; }

        /// <summary>When non-zero, the timeline after this id must be read before trusting the stream.</summary>
        public long GapStart { get; set; }

        /// <summary>Counts connections: a delivery or check from an earlier round predates a gap.</summary>
        public long Round { get; set; } = 1;

        /// <summary>The latest version of each status delivered, for reconciliation in this run.</summary>
        public DeliveredStatuses Delivered { get; } = new(remembered);

        /// <summary>The versions whose items were acknowledged (contiguously), for the state file.</summary>
        public DeliveredStatuses Acknowledged { get; } = new(remembered);

        /// <summary>The rate limit of the instance, shared by its tags.</summary>
        public RateBudget Budget { get; } = budget ?? new RateBudget();
    }
}
