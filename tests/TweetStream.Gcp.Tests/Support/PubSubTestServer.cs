using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TweetStream.Tests.Support;

namespace TweetStream.Gcp.Tests.Support;

/// <summary>A message as stored by the server.</summary>
public sealed record StoredMessage(string MessageId, string? Data, IReadOnlyDictionary<string, string> Attributes, string? OrderingKey, DateTimeOffset PublishTime);

/// <summary>
/// A strict Pub/Sub v1 REST double on 127.0.0.1 (Kestrel, port 0): validates bodies against the discovery schemas,
/// enforces the documented limits, keeps real semantics (leases expire on its clock and redeliver, nack redelivers,
/// ack removes, deliveryAttempt counts with a dead-letter policy) and injects faults on command.
/// </summary>
public sealed partial class PubSubTestServer : IAsyncDisposable
{
    public const int MaxPublishMessages = 1000;
    public const int MaxPublishBytes = 10_000_000;
    public const int MaxAckRequestBytes = 524_288;

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TopicState> _topics = [];
    private readonly Dictionary<string, SubscriptionState> _subscriptions = [];
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Fault>> _faults = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextMessageId;
    private int _activePulls;
    private int _inFlight;

    private PubSubTestServer(WebApplication app, TimeProvider time)
    {
        _app = app;
        Time = time;
    }

    public TimeProvider Time { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public string HostPort => BaseAddress.Authority;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>How long (real time) an empty pull waits for messages before answering <c>{}</c>.</summary>
    public TimeSpan EmptyPullWait { get; set; } = TimeSpan.FromMilliseconds(50);

    public static async Task<PubSubTestServer> StartAsync(TimeProvider? time = null)
    {
        var app = GoogleApiDouble.Create(64 * 1024 * 1024);
        var server = new PubSubTestServer(app, time ?? TimeProvider.System);
        server.BaseAddress = new Uri(await GoogleApiDouble.StartAsync(app, server.HandleAsync));
        return server;
    }

    public ValueTask DisposeAsync() => GoogleApiDouble.StopAsync(_app);

    /// <summary>Queues a fault for the next request of <paramref name="operation"/> (publish, pull, acknowledge, modifyAckDeadline, createTopic, createSubscription, get).</summary>
    public void InjectFault(string operation, Fault fault, int times = 1)
    {
        var queue = _faults.GetOrAdd(operation, _ => new ConcurrentQueue<Fault>());
        for (var i = 0; i < times; i++)
        {
            queue.Enqueue(fault);
        }
    }

    /// <summary>Drops the faults still queued for <paramref name="operation"/>: the outage ends.</summary>
    public void ClearFaults(string operation) => _faults.TryRemove(operation, out _);

    public void CreateTopic(string project, string topic)
    {
        lock (_gate)
        {
            _topics.TryAdd($"projects/{project}/topics/{topic}", new TopicState());
        }
    }

    public void CreateSubscription(string project, string subscription, string topic, int ackDeadlineSeconds = 10, string? deadLetterTopic = null, int maxDeliveryAttempts = 5)
    {
        lock (_gate)
        {
            var topicPath = $"projects/{project}/topics/{topic}";
            _topics.TryAdd(topicPath, new TopicState());
            string? dlq = deadLetterTopic is null ? null : $"projects/{project}/topics/{deadLetterTopic}";
            if (dlq is not null)
            {
                _topics.TryAdd(dlq, new TopicState());
            }

            _subscriptions[$"projects/{project}/subscriptions/{subscription}"] = new SubscriptionState(topicPath, ackDeadlineSeconds, dlq, maxDeliveryAttempts);
        }
    }

    /// <summary>Deletes a subscription and its backlog, as an operator (or Terraform) might under a running worker.</summary>
    public void DeleteSubscription(string project, string subscription)
    {
        lock (_gate)
        {
            _subscriptions.Remove($"projects/{project}/subscriptions/{subscription}");
        }
    }

    /// <summary>Publishes a message as another publisher would (data is base64 text, or anything for bad-input tests).</summary>
    public void PublishRaw(string project, string topic, string? data, Dictionary<string, string>? attributes = null)
    {
        lock (_gate)
        {
            Append($"projects/{project}/topics/{topic}", data, attributes ?? [], null);
        }

        Pulse();
    }

    public IReadOnlyList<StoredMessage> Published(string project, string topic)
    {
        lock (_gate)
        {
            return _topics.TryGetValue($"projects/{project}/topics/{topic}", out var t) ? [.. t.Log] : [];
        }
    }

    /// <summary>Messages of the subscription not yet acknowledged (leased or waiting).</summary>
    public int Unacked(string project, string subscription)
    {
        lock (_gate)
        {
            return _subscriptions[$"projects/{project}/subscriptions/{subscription}"].Messages.Count;
        }
    }

    public int AckedCount(string project, string subscription)
    {
        lock (_gate)
        {
            return _subscriptions[$"projects/{project}/subscriptions/{subscription}"].Acked;
        }
    }

    /// <summary>Highest delivery count of any message of the subscription, acknowledged or not.</summary>
    public int MaxDeliveries(string project, string subscription)
    {
        lock (_gate)
        {
            return _subscriptions[$"projects/{project}/subscriptions/{subscription}"].MaxDeliveries;
        }
    }

    /// <summary>Most messages of the subscription leased at once (delivered, not acked, deadline not passed).</summary>
    public int MaxLeased(string project, string subscription)
    {
        lock (_gate)
        {
            return _subscriptions[$"projects/{project}/subscriptions/{subscription}"].MaxLeased;
        }
    }

    /// <summary>Requests being handled right now (counted from arrival, before faults apply).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Pull handlers still running (a client that gave up may still be waiting here).</summary>
    public int ActivePulls => Volatile.Read(ref _activePulls);

    public int Count(string operation) => Requests.Count(r => r.Operation == operation);

    /// <summary>Waits until <paramref name="condition"/> holds, with the shared safety net against a hang.</summary>
    public Task WaitUntilAsync(Func<bool> condition, string what) => Patience.UntilAsync(condition, what);

    private void Pulse()
    {
        TaskCompletionSource old;
        lock (_gate)
        {
            old = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        old.TrySetResult();
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _inFlight);
        Pulse();
        try
        {
            await HandleCoreAsync(context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task HandleCoreAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        var match = PathPattern().Match(path);
        var operation = !match.Success ? "unknown" : (match.Groups["kind"].Value, match.Groups["verb"].Value, request.Method) switch
        {
            ("topics", "publish", "POST") => "publish",
            ("subscriptions", "pull", "POST") => "pull",
            ("subscriptions", "acknowledge", "POST") => "acknowledge",
            ("subscriptions", "modifyAckDeadline", "POST") => "modifyAckDeadline",
            ("topics", "", "PUT") => "createTopic",
            ("subscriptions", "", "PUT") => "createSubscription",
            (_, "", "GET") => "get",
            _ => "unknown",
        };

        var body = await GoogleApiDouble.ReadBodyAsync(request);

        JsonElement? json = null;
        var status = 200;
        string? responseBody = null;
        try
        {
            if (_faults.TryGetValue(operation, out var queue) && queue.TryDequeue(out var fault))
            {
                if (await GoogleApiDouble.ApplyFaultAsync(context, fault) is { } injected)
                {
                    (status, responseBody) = injected;
                    return;
                }
            }

            if (operation == "unknown")
            {
                (status, responseBody) = Error(404, "NOT_FOUND", $"No method {request.Method} {path}");
                return;
            }

            if (request.Method is "POST" or "PUT")
            {
                if (!(request.ContentType ?? string.Empty).StartsWith("application/json", StringComparison.Ordinal))
                {
                    (status, responseBody) = Error(400, "INVALID_ARGUMENT", "Content-Type must be application/json");
                    return;
                }

                try
                {
                    json = JsonDocument.Parse(body).RootElement.Clone();
                }
                catch (JsonException)
                {
                    (status, responseBody) = Error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
                    return;
                }
            }

            var resource = match.Groups["resource"].Value;
            (status, responseBody) = operation switch
            {
                "publish" => Publish(resource, json!.Value, body.Length),
                "pull" => await CountedPullAsync(resource, json!.Value, context.RequestAborted),
                "acknowledge" => Acknowledge(resource, json!.Value, body.Length),
                "modifyAckDeadline" => ModifyAckDeadline(resource, json!.Value, body.Length),
                "createTopic" => CreateTopic(resource, json!.Value),
                "createSubscription" => CreateSubscription(resource, json!.Value),
                _ => Get(resource),
            };
        }
        finally
        {
            Requests.Enqueue(GoogleApiDouble.Record(request, operation, path, body.Length, status, json));
            await GoogleApiDouble.RespondAsync(context, status, responseBody);

            Pulse();
        }
    }

    private (int, string) Publish(string topic, JsonElement body, int bytes)
    {
        if (DiscoverySchemas.PubSub.Validate("PublishRequest", body) is { } invalid)
        {
            return Error(400, "INVALID_ARGUMENT", invalid);
        }

        if (bytes > MaxPublishBytes)
        {
            return Error(400, "INVALID_ARGUMENT", $"Request payload size exceeds the limit: {MaxPublishBytes} bytes.");
        }

        var messages = body.GetProperty("messages");
        if (messages.GetArrayLength() == 0 || messages.GetArrayLength() > MaxPublishMessages)
        {
            return Error(400, "INVALID_ARGUMENT", $"The value for message_count is out of range: {messages.GetArrayLength()} (1–{MaxPublishMessages}).");
        }

        string? orderingKey = null;
        var first = true;
        foreach (var m in messages.EnumerateArray())
        {
            var key = m.TryGetProperty("orderingKey", out var k) ? k.GetString() : null;
            if (!first && key != orderingKey)
            {
                return Error(400, "INVALID_ARGUMENT", "All messages in a publish request must have the same ordering key.");
            }

            orderingKey = key;
            first = false;
            var hasData = m.TryGetProperty("data", out var data) && data.GetString() is { Length: > 0 };
            var attributes = m.TryGetProperty("attributes", out var a) ? a.EnumerateObject().Count() : 0;
            if (!hasData && attributes == 0)
            {
                return Error(400, "INVALID_ARGUMENT", "Some messages are empty: a message needs data or attributes.");
            }

            if (attributes > 100)
            {
                return Error(400, "INVALID_ARGUMENT", "A message may carry at most 100 attributes.");
            }

            if (m.TryGetProperty("messageId", out _) || m.TryGetProperty("publishTime", out _))
            {
                return Error(400, "INVALID_ARGUMENT", "messageId and publishTime are set by the server.");
            }
        }

        var ids = new List<string>();
        lock (_gate)
        {
            if (!_topics.ContainsKey(topic))
            {
                return Error(404, "NOT_FOUND", "Resource not found (resource=" + topic + ").");
            }

            foreach (var m in messages.EnumerateArray())
            {
                var attributes = m.TryGetProperty("attributes", out var a) ? a.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : [];
                ids.Add(Append(topic, m.TryGetProperty("data", out var d) ? d.GetString() : null, attributes, orderingKey));
            }
        }

        return (200, JsonSerializer.Serialize(new Dictionary<string, List<string>> { ["messageIds"] = ids }));
    }

    private string Append(string topic, string? data, Dictionary<string, string> attributes, string? orderingKey)
    {
        var id = Interlocked.Increment(ref _nextMessageId).ToString(CultureInfo.InvariantCulture);
        var message = new StoredMessage(id, data, attributes, orderingKey, Time.GetUtcNow());
        _topics[topic].Log.Add(message);
        foreach (var sub in _subscriptions.Values.Where(s => s.Topic == topic))
        {
            sub.Messages.Add(new LeasedMessage(message));
        }

        return id;
    }

    private async Task<(int, string)> CountedPullAsync(string subscription, JsonElement body, CancellationToken aborted)
    {
        Interlocked.Increment(ref _activePulls);
        try
        {
            return await PullAsync(subscription, body, aborted);
        }
        finally
        {
            Interlocked.Decrement(ref _activePulls);
        }
    }

    private async Task<(int, string)> PullAsync(string subscription, JsonElement body, CancellationToken aborted)
    {
        if (DiscoverySchemas.PubSub.Validate("PullRequest", body) is { } invalid)
        {
            return Error(400, "INVALID_ARGUMENT", invalid);
        }

        var max = body.GetProperty("maxMessages").ValueKind == JsonValueKind.Number ? body.GetProperty("maxMessages").GetInt32() : int.Parse(body.GetProperty("maxMessages").GetString()!, CultureInfo.InvariantCulture);
        if (max <= 0)
        {
            return Error(400, "INVALID_ARGUMENT", "maxMessages must be positive.");
        }

        for (var attempt = 0; ; attempt++)
        {
            Task changed;
            lock (_gate)
            {
                if (!_subscriptions.TryGetValue(subscription, out var sub))
                {
                    return Error(404, "NOT_FOUND", "Resource not found (resource=" + subscription + ").");
                }

                var delivered = Deliver(subscription, sub, max);
                if (delivered.Count > 0 || attempt > 0)
                {
                    return (200, delivered.Count == 0 ? "{}" : JsonSerializer.Serialize(new Dictionary<string, object> { ["receivedMessages"] = delivered }));
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(EmptyPullWait, aborted);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private List<Dictionary<string, object>> Deliver(string subscriptionPath, SubscriptionState sub, int max)
    {
        var now = Time.GetUtcNow();
        var result = new List<Dictionary<string, object>>();
        foreach (var m in sub.Messages.ToList())
        {
            if (m.AckId is not null && now >= m.LeaseUntil)
            {
                m.AckId = null; // the deadline expired: available again
            }

            if (m.AckId is not null || result.Count >= max)
            {
                continue;
            }

            if (sub.DeadLetterTopic is not null && m.Deliveries >= sub.MaxDeliveryAttempts)
            {
                sub.Messages.Remove(m);
                Append(sub.DeadLetterTopic, m.Message.Data, new Dictionary<string, string>(m.Message.Attributes), m.Message.OrderingKey);
                continue;
            }

            m.Deliveries++;
            sub.MaxDeliveries = Math.Max(sub.MaxDeliveries, m.Deliveries);
            m.AckId = $"{subscriptionPath}/{m.Message.MessageId}/{m.Deliveries}/{Guid.NewGuid():N}";
            m.LeaseUntil = now.AddSeconds(sub.AckDeadlineSeconds);
            var message = new Dictionary<string, object>
            {
                ["messageId"] = m.Message.MessageId,
                ["publishTime"] = m.Message.PublishTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            };
            if (m.Message.Data is not null)
            {
                message["data"] = m.Message.Data;
            }

            if (m.Message.Attributes.Count > 0)
            {
                message["attributes"] = m.Message.Attributes;
            }

            var received = new Dictionary<string, object> { ["ackId"] = m.AckId, ["message"] = message };
            if (sub.DeadLetterTopic is not null)
            {
                received["deliveryAttempt"] = m.Deliveries; // 0 (absent) unless a dead-letter policy is set
            }

            result.Add(received);
        }

        sub.MaxLeased = Math.Max(sub.MaxLeased, sub.Messages.Count(m => m.AckId is not null));
        return result;
    }

    private (int, string) Acknowledge(string subscription, JsonElement body, int bytes)
    {
        if (DiscoverySchemas.PubSub.Validate("AcknowledgeRequest", body) is { } invalid)
        {
            return Error(400, "INVALID_ARGUMENT", invalid);
        }

        return ForAckIds(subscription, body, bytes, (sub, m) =>
        {
            sub.Messages.Remove(m);
            sub.Acked++;
        });
    }

    private (int, string) ModifyAckDeadline(string subscription, JsonElement body, int bytes)
    {
        if (DiscoverySchemas.PubSub.Validate("ModifyAckDeadlineRequest", body) is { } invalid)
        {
            return Error(400, "INVALID_ARGUMENT", invalid);
        }

        var d = body.GetProperty("ackDeadlineSeconds");
        var seconds = d.ValueKind == JsonValueKind.Number ? d.GetInt32() : int.Parse(d.GetString()!, CultureInfo.InvariantCulture);
        if (seconds is < 0 or > 600)
        {
            return Error(400, "INVALID_ARGUMENT", $"Invalid ack deadline given: {seconds}. The minimum is 0 and the maximum is 600.");
        }

        var now = Time.GetUtcNow();
        return ForAckIds(subscription, body, bytes, (_, m) =>
        {
            if (seconds == 0)
            {
                m.AckId = null; // nack: redeliver at once
            }
            else
            {
                m.LeaseUntil = now.AddSeconds(seconds);
            }
        });
    }

    private (int, string) ForAckIds(string subscription, JsonElement body, int bytes, Action<SubscriptionState, LeasedMessage> apply)
    {
        if (bytes > MaxAckRequestBytes)
        {
            return Error(400, "INVALID_ARGUMENT", $"Request payload size exceeds the limit: {MaxAckRequestBytes} bytes.");
        }

        var ackIds = body.GetProperty("ackIds").EnumerateArray().Select(e => e.GetString()!).ToList();
        if (ackIds.Count == 0)
        {
            return Error(400, "INVALID_ARGUMENT", "No ack ids specified.");
        }

        lock (_gate)
        {
            if (!_subscriptions.TryGetValue(subscription, out var sub))
            {
                return Error(404, "NOT_FOUND", "Resource not found (resource=" + subscription + ").");
            }

            foreach (var ackId in ackIds)
            {
                if (!ackId.StartsWith(subscription + "/", StringComparison.Ordinal))
                {
                    return Error(400, "INVALID_ARGUMENT", "Invalid ack ID.");
                }

                // A stale ack id (the lease expired and the message was redelivered) is accepted and does nothing.
                var m = sub.Messages.FirstOrDefault(x => x.AckId == ackId);
                if (m is not null)
                {
                    apply(sub, m);
                }
            }
        }

        return (200, "{}");
    }

    private (int, string) CreateTopic(string topic, JsonElement body)
    {
        if (DiscoverySchemas.PubSub.Validate("Topic", body, "name") is { } invalid)
        {
            return Error(400, "INVALID_ARGUMENT", invalid);
        }

        lock (_gate)
        {
            if (_topics.ContainsKey(topic))
            {
                return Error(409, "ALREADY_EXISTS", "Resource already exists in the project (resource=" + topic + ").");
            }

            _topics[topic] = new TopicState();
        }

        return (200, JsonSerializer.Serialize(new Dictionary<string, string> { ["name"] = topic }));
    }

    private (int, string) CreateSubscription(string subscription, JsonElement body)
    {
        if (DiscoverySchemas.PubSub.Validate("Subscription", body, "name") is { } invalid)
        {
            return Error(400, "INVALID_ARGUMENT", invalid);
        }

        var topic = body.GetProperty("topic").GetString()!;
        var deadline = body.TryGetProperty("ackDeadlineSeconds", out var a) ? a.GetInt32() : 0;
        if (deadline == 0)
        {
            deadline = 10;
        }

        if (deadline is < 10 or > 600)
        {
            return Error(400, "INVALID_ARGUMENT", "Invalid ack deadline: must be between 10 and 600 seconds.");
        }

        string? dlq = null;
        var attempts = 5;
        if (body.TryGetProperty("deadLetterPolicy", out var policy))
        {
            dlq = policy.TryGetProperty("deadLetterTopic", out var t) ? t.GetString() : null;
            attempts = policy.TryGetProperty("maxDeliveryAttempts", out var m) ? m.GetInt32() : 0;
            attempts = attempts == 0 ? 5 : attempts;
            if (attempts is < 5 or > 100)
            {
                return Error(400, "INVALID_ARGUMENT", "maxDeliveryAttempts must be between 5 and 100.");
            }
        }

        lock (_gate)
        {
            if (_subscriptions.ContainsKey(subscription))
            {
                return Error(409, "ALREADY_EXISTS", "Resource already exists in the project (resource=" + subscription + ").");
            }

            if (!_topics.ContainsKey(topic) || (dlq is not null && !_topics.ContainsKey(dlq)))
            {
                return Error(404, "NOT_FOUND", "Resource not found (resource=" + topic + ").");
            }

            _subscriptions[subscription] = new SubscriptionState(topic, deadline, dlq, attempts);
        }

        return (200, JsonSerializer.Serialize(new Dictionary<string, object> { ["name"] = subscription, ["topic"] = topic, ["ackDeadlineSeconds"] = deadline }));
    }

    private (int, string) Get(string resource)
    {
        lock (_gate)
        {
            if (_topics.ContainsKey(resource))
            {
                return (200, JsonSerializer.Serialize(new Dictionary<string, string> { ["name"] = resource }));
            }

            if (_subscriptions.TryGetValue(resource, out var sub))
            {
                var result = new Dictionary<string, object> { ["name"] = resource, ["topic"] = sub.Topic, ["ackDeadlineSeconds"] = sub.AckDeadlineSeconds };
                if (sub.DeadLetterTopic is not null)
                {
                    result["deadLetterPolicy"] = new Dictionary<string, object> { ["deadLetterTopic"] = sub.DeadLetterTopic, ["maxDeliveryAttempts"] = sub.MaxDeliveryAttempts };
                }

                return (200, JsonSerializer.Serialize(result));
            }
        }

        return Error(404, "NOT_FOUND", "Resource not found (resource=" + resource + ").");
    }

    private static (int, string) Error(int status, string statusName, string message, string? reason = null) =>
        GoogleApiDouble.Error(status, statusName, message, reason);

    [GeneratedRegex(@"^/v1/(?<resource>projects/[^/:]+/(?<kind>topics|subscriptions)/[A-Za-z][A-Za-z0-9\-_.~+%]{2,254})(:(?<verb>[A-Za-z]+))?$")]
    private static partial Regex PathPattern();

    private sealed class TopicState
    {
        public List<StoredMessage> Log { get; } = [];
    }

    private sealed class SubscriptionState(string topic, int ackDeadlineSeconds, string? deadLetterTopic, int maxDeliveryAttempts)
    {
        public string Topic { get; } = topic;

        public int AckDeadlineSeconds { get; } = ackDeadlineSeconds;

        public string? DeadLetterTopic { get; } = deadLetterTopic;

        public int MaxDeliveryAttempts { get; } = maxDeliveryAttempts;

        public List<LeasedMessage> Messages { get; } = [];

        public int Acked { get; set; }

        public int MaxDeliveries { get; set; }

        public int MaxLeased { get; set; }
    }

    private sealed class LeasedMessage(StoredMessage message)
    {
        public StoredMessage Message { get; } = message;

        public string? AckId { get; set; }

        public DateTimeOffset LeaseUntil { get; set; }

        public int Deliveries { get; set; }
    }
}
