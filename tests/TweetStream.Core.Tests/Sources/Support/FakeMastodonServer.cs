using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace TweetStream.Tests.Sources.Support;

/// <summary>What one streaming connection does: the frames it sends, then whether it closes or stays open silently.</summary>
/// <param name="Frames">SSE: raw text written as is (<c>event: …\ndata: …\n\n</c>). WebSocket: one text message each.</param>
/// <param name="Close">True to end the connection after the frames (a drop); false to hold it open until the client leaves.</param>
public sealed record StreamScript(IReadOnlyList<string> Frames, bool Close);

/// <summary>
/// A strict double of a Mastodon instance: <c>/api/v2/instance</c>, the public hashtag timeline, single statuses
/// (<c>/api/v1/statuses/:id</c>, answered from the timeline with the <c>X-RateLimit-*</c> headers) and the
/// hashtag streaming endpoints (SSE and WebSocket). Unknown paths or query parameters, a missing or wrong
/// token on streaming, and a timeline <c>limit</c> above 40 are rejected the way Mastodon does; a deleted or
/// unknown status answers 404 <c>Record not found</c>.
/// </summary>
public sealed class FakeMastodonServer : IAsyncDisposable
{
    private static readonly HashSet<string> TimelineParameters = ["min_id", "since_id", "max_id", "limit", "local"];
    private readonly ConcurrentQueue<StreamScript> _scripts = new();
    private readonly List<JsonObject> _timeline = [];
    private LocalServer? _server;
    private int _streamConnections;
    private int _rateLimitRemaining = 300;
    private int _rateLimitedLookups;

    public string Token { get; set; } = "test-token-never-logged";

    /// <summary>The value served as <c>configuration.urls.streaming</c>; null serves an instance without it.</summary>
    public Func<string?> StreamingUrl { get; set; } = () => null;

    public Uri BaseUri => _server!.BaseUri;

    public string Authority => BaseUri.Authority;

    public int StreamConnections => Volatile.Read(ref _streamConnections);

    public ConcurrentQueue<string> Requests { get; } = new();

    public ConcurrentQueue<string> AuthorizationHeaders { get; } = new();

    /// <summary>The ids asked for on <c>/api/v1/statuses/:id</c>, in order.</summary>
    public ConcurrentQueue<string> StatusLookups { get; } = new();

    /// <summary>The <c>X-RateLimit-Reset</c> sent with every status lookup (Mastodon sends an ISO 8601 time).</summary>
    public DateTimeOffset RateLimitReset { get; set; } = new(2026, 11, 26, 10, 5, 0, TimeSpan.Zero);

    /// <summary>The requests left in the window: each status lookup answers one less as <c>X-RateLimit-Remaining</c>.</summary>
    public int RateLimitRemaining
    {
        get => Volatile.Read(ref _rateLimitRemaining);
        set => Volatile.Write(ref _rateLimitRemaining, value);
    }

    /// <summary>The next this many status lookups answer 429 with <c>X-RateLimit-Remaining: 0</c>.</summary>
    public int RateLimitedLookups
    {
        get => Volatile.Read(ref _rateLimitedLookups);
        set => Volatile.Write(ref _rateLimitedLookups, value);
    }

    /// <summary>Edits a timeline status the way Mastodon does: new content and a non-null <c>edited_at</c>.</summary>
    public void EditStatus(long id, string text, DateTimeOffset editedAt)
    {
        lock (_timeline)
        {
            var status = _timeline.Single(s => s["id"]!.GetValue<string>() == id.ToString(CultureInfo.InvariantCulture));
            status["content"] = "<p>" + text + "</p>";
            status["edited_at"] = editedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Deletes a status: it leaves the timeline and its lookup answers 404.</summary>
    public void DeleteStatus(long id)
    {
        lock (_timeline)
        {
            _timeline.RemoveAll(s => s["id"]!.GetValue<string>() == id.ToString(CultureInfo.InvariantCulture));
        }
    }

    public static async Task<FakeMastodonServer> StartAsync()
    {
        var fake = new FakeMastodonServer();
        fake._server = await LocalServer.StartAsync(fake.HandleAsync);
        return fake;
    }

    /// <summary>Queues the behaviour of the next streaming connection; without one a connection stays open and silent.</summary>
    public void Enqueue(StreamScript script) => _scripts.Enqueue(script);

    /// <summary>Adds statuses to the hashtag timeline (a status JSON each).</summary>
    public void AddToTimeline(params string[] statuses)
    {
        lock (_timeline)
        {
            foreach (var s in statuses)
            {
                _timeline.Add(JsonNode.Parse(s)!.AsObject());
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue(request.Path + request.QueryString);
        var path = request.Path.Value ?? string.Empty;
        if (path == "/api/v2/instance")
        {
            var url = StreamingUrl();
            var body = new JsonObject { ["domain"] = "example.test", ["configuration"] = new JsonObject { ["urls"] = url is null ? new JsonObject() : new JsonObject { ["streaming"] = url } } };
            await WriteJsonAsync(context, 200, body);
            return;
        }

        if (path.StartsWith("/api/v1/statuses/", StringComparison.Ordinal) && request.Method == HttpMethods.Get)
        {
            await StatusAsync(context, path["/api/v1/statuses/".Length..]);
            return;
        }

        if (path.StartsWith("/api/v1/timelines/tag/", StringComparison.Ordinal))
        {
            await TimelineAsync(context);
            return;
        }

        if (path is "/api/v1/streaming/hashtag" or "/api/v1/streaming/hashtag/local")
        {
            if (!Authorized(context) || !OnlyParameters(context, "tag"))
            {
                return;
            }

            await ServerSentEventsAsync(context);
            return;
        }

        if (path == "/api/v1/streaming" && context.WebSockets.IsWebSocketRequest)
        {
            if (!Authorized(context) || !OnlyParameters(context, "stream", "tag"))
            {
                return;
            }

            await WebSocketAsync(context);
            return;
        }

        await WriteJsonAsync(context, 404, new JsonObject { ["error"] = "Record not found" });
    }

    private bool Authorized(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        AuthorizationHeaders.Enqueue(header);
        if (context.Request.Query.ContainsKey("access_token"))
        {
            // The source must never put the token in a URL.
            context.Response.StatusCode = 400;
            return false;
        }

        if (header != "Bearer " + Token)
        {
            context.Response.StatusCode = 401;
            context.Response.ContentType = "application/json";
            _ = context.Response.WriteAsync("{\"error\":\"Missing access token\"}");
            return false;
        }

        return true;
    }

    private static bool OnlyParameters(HttpContext context, params string[] allowed)
    {
        foreach (var key in context.Request.Query.Keys)
        {
            if (!allowed.Contains(key))
            {
                context.Response.StatusCode = 400;
                return false;
            }
        }

        if (allowed.Contains("tag") && string.IsNullOrEmpty(context.Request.Query["tag"]))
        {
            context.Response.StatusCode = 400;
            _ = context.Response.WriteAsync("{\"error\":\"Missing tag name parameter\"}");
            return false;
        }

        return true;
    }

    private async Task ServerSentEventsAsync(HttpContext context)
    {
        Interlocked.Increment(ref _streamConnections);
        context.Response.ContentType = "text/event-stream";
        await context.Response.WriteAsync(":)\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        var script = _scripts.TryDequeue(out var s) ? s : new StreamScript([], Close: false);
        foreach (var frame in script.Frames)
        {
            await context.Response.WriteAsync(frame, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        if (!script.Close)
        {
            await WaitForClientAsync(context.RequestAborted);
        }
    }

    private async Task WebSocketAsync(HttpContext context)
    {
        Interlocked.Increment(ref _streamConnections);
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var script = _scripts.TryDequeue(out var s) ? s : new StreamScript([], Close: false);
        foreach (var frame in script.Frames)
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, context.RequestAborted);
        }

        if (script.Close)
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
            return;
        }

        var buffer = new byte[1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
    }

    private async Task TimelineAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (query.Keys.Any(k => !TimelineParameters.Contains(k)))
        {
            await WriteJsonAsync(context, 400, new JsonObject { ["error"] = "unknown parameter" });
            return;
        }

        var limit = query.TryGetValue("limit", out var l) ? int.Parse(l!, CultureInfo.InvariantCulture) : 20;
        if (limit is < 1 or > 40)
        {
            await WriteJsonAsync(context, 400, new JsonObject { ["error"] = "limit must be 1..40" });
            return;
        }

        static long Id(JsonObject s) => long.Parse(s["id"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        List<JsonObject> all;
        lock (_timeline)
        {
            all = [.. _timeline.OrderBy(Id)];
        }

        IEnumerable<JsonObject> page;
        if (query.TryGetValue("min_id", out var min))
        {
            // min_id: the statuses immediately newer than the id (oldest first), returned newest first.
            var minId = long.Parse(min!, CultureInfo.InvariantCulture);
            page = all.Where(s => Id(s) > minId).Take(limit).Reverse();
        }
        else
        {
            var sinceId = query.TryGetValue("since_id", out var since) ? long.Parse(since!, CultureInfo.InvariantCulture) : 0;
            page = all.Where(s => Id(s) > sinceId).Reverse().Take(limit);
        }

        var array = new JsonArray([.. page.Select(s => s.DeepClone())]);
        await WriteJsonAsync(context, 200, array);
    }

    private async Task StatusAsync(HttpContext context, string id)
    {
        if (context.Request.QueryString.HasValue || id.Length == 0 || !id.All(char.IsAsciiDigit))
        {
            await WriteJsonAsync(context, 404, new JsonObject { ["error"] = "Record not found" });
            return;
        }

        StatusLookups.Enqueue(id);
        var headers = context.Response.Headers;
        headers["X-RateLimit-Limit"] = "300";
        headers["X-RateLimit-Reset"] = RateLimitReset.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        if (Interlocked.Decrement(ref _rateLimitedLookups) >= 0)
        {
            headers["X-RateLimit-Remaining"] = "0";
            await WriteJsonAsync(context, 429, new JsonObject { ["error"] = "Too many requests" });
            return;
        }

        Interlocked.Exchange(ref _rateLimitedLookups, 0);
        headers["X-RateLimit-Remaining"] = Math.Max(0, Interlocked.Decrement(ref _rateLimitRemaining)).ToString(CultureInfo.InvariantCulture);
        JsonObject? status;
        lock (_timeline)
        {
            status = _timeline.FirstOrDefault(s => s["id"]!.GetValue<string>() == id)?.DeepClone().AsObject();
        }

        if (status is null)
        {
            await WriteJsonAsync(context, 404, new JsonObject { ["error"] = "Record not found" });
            return;
        }

        await WriteJsonAsync(context, 200, status);
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private static async Task WaitForClientAsync(CancellationToken aborted)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, aborted);
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>Builds Mastodon frames and statuses for tests.</summary>
public static class MastodonFrames
{
    public static string Sse(string eventName, string data) => "event: " + eventName + "\ndata: " + data + "\n\n";

    public static string WebSocket(string tag, string eventName, string payload) =>
        new JsonObject { ["stream"] = new JsonArray("hashtag", tag), ["event"] = eventName, ["payload"] = payload }.ToJsonString();

    /// <summary>The fixture status with another id (and text), compact.</summary>
    public static string Status(long id, string text = "hello #london", DateTimeOffset? createdAt = null, DateTimeOffset? editedAt = null)
    {
        var status = JsonNode.Parse(Fixtures.Text("mastodon", "status-update.json"))!.AsObject();
        status["id"] = id.ToString(CultureInfo.InvariantCulture);
        status["content"] = "<p>" + text + "</p>";
        if (createdAt is { } created)
        {
            status["created_at"] = created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        }

        if (editedAt is { } edited)
        {
            status["edited_at"] = edited.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        }

        return status.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}
