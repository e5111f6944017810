using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TweetStream.Gcp.Rest;

namespace TweetStream.Gcp.PubSub;

/// <summary>Pulls posts from a Pub/Sub subscription with flow control and lease management.</summary>
/// <remarks>
/// <para>Pull loops (at most <see cref="PubSubSourceOptions.MaxConcurrentPulls"/>) ask only for what flow control allows.
/// Every received message is leased: a receipt modifyAckDeadline sets <see cref="PubSubSourceOptions.AckDeadline"/>, and a
/// periodic timer extends every lease <see cref="PubSubSourceOptions.AckExtensionWindow"/> before it would expire, until
/// the pipeline settles the item or <see cref="PubSubSourceOptions.MaxTotalAckExtension"/> passes.</para>
/// <para>Acknowledge and reject are queued and sent in batches (≤ 2,500 ack ids, under the 512 KiB request limit) by a
/// background loop, so the pipeline's settle path never waits for the network. A lost ack only means a redelivery.
/// The leases and the queue outlive the enumeration: after the pipeline stops reading they keep running until every
/// item it still holds is settled, so a drain can commit and ack. Disposing stops everything at once (what is not
/// acknowledged by then is redelivered after its deadline).</para>
/// </remarks>
internal sealed class PubSubSource : ITweetSource, IAcknowledgementHandler, IAsyncDisposable
{
    private readonly PubSubApi _api;
    private readonly PubSubSourceOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _subscriptionPath;
    private readonly ConcurrentDictionary<long, Lease> _leases = new();
    private readonly Channel<(string AckId, bool Ack)> _settlements = Channel.CreateUnbounded<(string, bool)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _lifetime = new();
    private readonly CancellationTokenSource _leaseStop = new();
    private readonly SemaphoreSlim _capacity = new(0);
    private long _nextToken;
    private readonly Lock _flow = new();
    private int _outstanding;
    private int _reserved;
    private long _outstandingBytes;
    private int _started;
    private volatile bool _readingEnded;
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(10);
    private int _disposed;
    private readonly CancellationTokenSource _stopPulling = new();
    private Task _settleLoop = Task.CompletedTask;
    private Task _leaseLoop = Task.CompletedTask;

    public PubSubSource(PubSubApi api, PubSubSourceOptions options, TimeProvider time, ILogger logger)
    {
        _api = api;
        _options = options;
        _time = time;
        _logger = logger;
        _subscriptionPath = PubSubApi.SubscriptionPath(options.ProjectId, options.SubscriptionId);
    }

    public string Name => "pubsub";

    /// <summary>Messages received and not yet settled.</summary>
    internal int Outstanding
    {
        get
        {
            lock (_flow)
            {
                return _outstanding;
            }
        }
    }

    /// <summary>Completes when the background loops have stopped (drained or disposed).</summary>
    internal Task Completion => Task.WhenAll(_settleLoop, _leaseLoop);

    public async IAsyncEnumerable<SourceItem> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException("A Pub/Sub source is read once; create a new one per pipeline run.");
        }

        if (_options.CreateIfMissing)
        {
            await ProvisionAsync(cancellationToken).ConfigureAwait(false);
        }

        _settleLoop = Task.Run(SettleLoopAsync, CancellationToken.None);
        _leaseLoop = Task.Run(LeaseLoopAsync, CancellationToken.None);

        var items = Channel.CreateUnbounded<SourceItem>(new UnboundedChannelOptions { SingleReader = true });
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token, _stopPulling.Token);
        var pullers = new Task[_options.MaxConcurrentPulls];
        for (var i = 0; i < pullers.Length; i++)
        {
            pullers[i] = Task.Run(
                async () =>
                {
                    try
                    {
                        await PullLoopAsync(items.Writer, reading.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        // A failure retrying cannot fix (subscription missing, permission denied) ends the source now,
                        // not when every other pull loop has noticed.
                        items.Writer.TryComplete(ex);
                    }
                },
                CancellationToken.None);
        }

        _ = Task.WhenAll(pullers).ContinueWith(
            _ => items.Writer.TryComplete(),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await items.Reader.WaitToReadAsync(reading.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                if (!more)
                {
                    break;
                }

                while (items.Reader.TryRead(out var item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            await reading.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(pullers).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Already surfaced through the channel, or cancellation.
            }

            // Pulled but never handed to the pipeline: give them back at once.
            while (items.Reader.TryRead(out var left))
            {
                await RejectAsync(left.Acknowledgement.Token, left.Acknowledgement.State, CancellationToken.None).ConfigureAwait(false);
            }

            _readingEnded = true;
            StopWhenDrained();
        }
    }

    public ValueTask AcknowledgeAsync(long token, object? state, CancellationToken cancellationToken) => Settle(token, state, ack: true);

    public ValueTask RejectAsync(long token, object? state, CancellationToken cancellationToken) => Settle(token, state, ack: false);

    /// <summary>
    /// Ends the source after a run: what is still leased (left unsettled by a drain deadline) is nacked so
    /// Pub/Sub redelivers it now rather than at lease expiry, queued acks are flushed (bounded wait), then
    /// the background loops stop. Safe to call more than once.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // No new leases from here: what was pulled before is given back below.
        await _stopPulling.CancelAsync().ConfigureAwait(false);
        foreach (var token in _leases.Keys)
        {
            if (_leases.TryRemove(token, out var lease))
            {
                _settlements.Writer.TryWrite((lease.AckId, false));
            }
        }

        _settlements.Writer.TryComplete();
        await _leaseStop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _settleLoop.WaitAsync(FlushTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The acks that did not make it only cause redelivery.
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _lifetime.Dispose();
        _leaseStop.Dispose();
        _stopPulling.Dispose();
        _capacity.Dispose();
    }

    private ValueTask Settle(long token, object? state, bool ack)
    {
        if (_leases.TryRemove(token, out var lease))
        {
            Release(lease.Bytes);
        }

        // Even without a lease (expired past the maximum extension) the ack id may still be honoured.
        if (state is string ackId)
        {
            _settlements.Writer.TryWrite((ackId, ack));
        }

        if (_readingEnded)
        {
            StopWhenDrained();
        }

        return ValueTask.CompletedTask;
    }

    private void StopWhenDrained()
    {
        if (_readingEnded && _leases.IsEmpty)
        {
            _settlements.Writer.TryComplete();
            try
            {
                _leaseStop.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private void Release(long bytes)
    {
        lock (_flow)
        {
            _outstanding--;
            _outstandingBytes -= bytes;
        }

        try
        {
            if (_capacity.CurrentCount == 0)
            {
                _capacity.Release();
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    // Parallel pulls reserve their share first, so together they never ask for more than flow control allows.
    private int Reserve()
    {
        lock (_flow)
        {
            if (_outstandingBytes >= _options.MaxOutstandingBytes)
            {
                return 0;
            }

            var room = Math.Min(_options.MaxOutstandingMessages - _outstanding - _reserved, _options.MaxMessagesPerPull);
            if (room > 0)
            {
                _reserved += room;
            }

            return room;
        }
    }

    private void Admit(int reserved, int received, long bytes)
    {
        lock (_flow)
        {
            _reserved -= Math.Max(reserved, 0);
            _outstanding += received;
            _outstandingBytes += bytes;
        }
    }

    private async Task PullLoopAsync(ChannelWriter<SourceItem> writer, CancellationToken token)
    {
        var failures = 0;
        while (!token.IsCancellationRequested)
        {
            PubSubPullResponse response;
            var room = 0;
            try
            {
                while ((room = Reserve()) <= 0)
                {
                    await _capacity.WaitAsync(token).ConfigureAwait(false);
                }

                response = await _api.PullAsync(_subscriptionPath, room, token).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                Admit(room, 0, 0);
                return;
            }
            catch (GoogleApiException ex) when (ex.Status == "NOT_FOUND")
            {
                Admit(room, 0, 0);
                if (!_options.CreateIfMissing)
                {
                    throw new InvalidOperationException(
                        $"Pub/Sub subscription {_subscriptionPath} does not exist (deleted while running?); create it, or set CreateIfMissing to recreate it. {ex.Message}",
                        ex);
                }

                // Deleted under a running worker: recreate it (idempotent, so concurrent pull loops may all try) and go on.
                // Messages published while it was gone are not in the new subscription: Pub/Sub keeps none for it.
                PubSubLog.SubscriptionRecreated(_logger, _subscriptionPath);
                try
                {
                    await ProvisionAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }
            catch (Exception ex) when (_api.Client.Policy.IsTransient(PubSubRetryPolicy.Pull, ex))
            {
                Admit(room, 0, 0);
                // The transport already retried; keep the source alive through longer outages with our own backoff.
                failures++;
                PubSubLog.PullFailed(_logger, _subscriptionPath, failures, ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10_000, 100 * (1 << Math.Min(failures, 7)))), _time, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            if (response.ReceivedMessages is not { Count: > 0 } received)
            {
                Admit(room, 0, 0);
                continue;
            }

            var now = _time.GetUtcNow();
            var ackIds = new List<string>(received.Count);
            var items = new List<SourceItem>(received.Count);
            long receivedBytes = 0;
            foreach (var message in received)
            {
                if (string.IsNullOrEmpty(message.AckId))
                {
                    continue;
                }

                var id = Interlocked.Increment(ref _nextToken);
                var bytes = (long)(message.Message?.Data?.Length ?? 0) * 3 / 4;
                _leases[id] = new Lease(message.AckId, bytes, now);
                receivedBytes += bytes;
                ackIds.Add(message.AckId);
                var item = Decode(message, new Acknowledgement(this, id, message.AckId));
                var trace = PubSubTraceContext.Extract(message.Message?.Attributes);
                items.Add(trace == default ? item : item.WithTraceContext(trace));
            }

            Admit(room, ackIds.Count, receivedBytes);

            // Receipt modack: the subscription's own deadline may be as short as 10 s.
            await ModifyAsync(ackIds, (int)_options.AckDeadline.TotalSeconds, CancellationToken.None).ConfigureAwait(false);
            foreach (var item in items)
            {
                writer.TryWrite(item);
            }
        }
    }

    private static SourceItem Decode(PubSubReceivedMessage received, Acknowledgement ack)
    {
        var data = received.Message?.Data;
        if (string.IsNullOrEmpty(data))
        {
            return SourceItem.Malformed("pubsub message has no data", ReadOnlyMemory<byte>.Empty, ack);
        }

        var bytes = DecodeBase64(data);
        if (bytes is null)
        {
            return SourceItem.Malformed("pubsub message data is not base64", Encoding.UTF8.GetBytes(data), ack);
        }

        try
        {
            return SourceItem.ForPost(PostJson.Deserialize(bytes), bytes.Length, ack);
        }
        catch (JsonException ex)
        {
            // The reader's own messages can quote payload characters; keep only where it failed.
            return SourceItem.Malformed(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"pubsub message data is not a post in the TweetStream JSON schema (at byte {ex.BytePositionInLine ?? 0})"),
                bytes,
                ack);
        }
        catch (FormatException)
        {
            return SourceItem.Malformed("pubsub message data has a malformed timestamp", bytes, ack);
        }
        catch (InvalidOperationException)
        {
            return SourceItem.Malformed("pubsub message data has a value of the wrong type", bytes, ack);
        }
    }

    // Proto3 JSON: standard base64 with padding is emitted, but URL-safe and unpadded forms are accepted.
    private static byte[]? DecodeBase64(string data)
    {
        var buffer = new byte[data.Length * 3 / 4 + 3];
        if (Convert.TryFromBase64String(data, buffer, out var written))
        {
            return buffer[..written];
        }

        var normalized = data.Replace('-', '+').Replace('_', '/');
        normalized = normalized.PadRight(normalized.Length + (4 - normalized.Length % 4) % 4, '=');
        return Convert.TryFromBase64String(normalized, buffer, out written) ? buffer[..written] : null;
    }

    private async Task LeaseLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.AckDeadline - _options.AckExtensionWindow, _time);
        var seconds = (int)_options.AckDeadline.TotalSeconds;
        try
        {
            while (await timer.WaitForNextTickAsync(_leaseStop.Token).ConfigureAwait(false))
            {
                var now = _time.GetUtcNow();
                var extend = new List<string>();
                var expired = 0;
                foreach (var (token, lease) in _leases)
                {
                    if (now - lease.ReceivedAt < _options.MaxTotalAckExtension)
                    {
                        extend.Add(lease.AckId);
                    }
                    else if (_leases.TryRemove(token, out var gone))
                    {
                        // Give up the lease: Pub/Sub will redeliver; a late ack is still sent and harmless.
                        Release(gone.Bytes);
                        expired++;
                    }
                }

                if (expired > 0)
                {
                    PubSubLog.LeaseExpired(_logger, expired, _subscriptionPath);
                    StopWhenDrained();
                }

                await ModifyAsync(extend, seconds, _leaseStop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SettleLoopAsync()
    {
        var reader = _settlements.Reader;
        var acks = new List<string>();
        var nacks = new List<string>();
        try
        {
            while (await reader.WaitToReadAsync(_lifetime.Token).ConfigureAwait(false))
            {
                // Let the pipeline finish settling the rest of its batch so one request carries it.
                await Task.Yield();
                while (reader.TryRead(out var s))
                {
                    (s.Ack ? acks : nacks).Add(s.AckId);
                }

                await SendAsync(acks, ack: true).ConfigureAwait(false);
                await ModifyAsync(nacks, 0, _lifetime.Token).ConfigureAwait(false);
                acks.Clear();
                nacks.Clear();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendAsync(List<string> ackIds, bool ack)
    {
        foreach (var chunk in PubSubApi.ChunkAckIds(ackIds))
        {
            try
            {
                await _api.AcknowledgeAsync(_subscriptionPath, chunk, _lifetime.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                PubSubLog.SettleFailed(_logger, ack ? "acknowledge" : "nack", chunk.Count, _subscriptionPath, ex.Message);
            }
        }
    }

    private async Task ModifyAsync(List<string> ackIds, int seconds, CancellationToken cancellationToken)
    {
        foreach (var chunk in PubSubApi.ChunkAckIds(ackIds))
        {
            try
            {
                await _api.ModifyAckDeadlineAsync(_subscriptionPath, chunk, seconds, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                PubSubLog.SettleFailed(_logger, seconds == 0 ? "nack" : "modifyAckDeadline", chunk.Count, _subscriptionPath, ex.Message);
            }
        }
    }

    private async Task ProvisionAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(_options.TopicId))
        {
            throw new InvalidOperationException("PubSubSourceOptions.TopicId is required with CreateIfMissing.");
        }

        var topic = PubSubApi.TopicPath(_options.ProjectId, _options.TopicId);
        await _api.EnsureTopicAsync(topic, cancellationToken).ConfigureAwait(false);
        PubSubDeadLetterPolicy? deadLetter = null;
        if (!string.IsNullOrEmpty(_options.DeadLetterTopicId))
        {
            var deadLetterTopic = PubSubApi.TopicPath(_options.ProjectId, _options.DeadLetterTopicId);
            await _api.EnsureTopicAsync(deadLetterTopic, cancellationToken).ConfigureAwait(false);
            deadLetter = new PubSubDeadLetterPolicy { DeadLetterTopic = deadLetterTopic, MaxDeliveryAttempts = _options.MaxDeliveryAttempts };
        }

        await _api.EnsureSubscriptionAsync(
            _subscriptionPath,
            new PubSubSubscription { Topic = topic, AckDeadlineSeconds = (int)_options.AckDeadline.TotalSeconds, DeadLetterPolicy = deadLetter },
            cancellationToken).ConfigureAwait(false);
        PubSubLog.Provisioned(_logger, "subscription", _subscriptionPath);
    }

    private sealed record Lease(string AckId, long Bytes, DateTimeOffset ReceivedAt);
}
