using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace TweetStream.Tests.Sources.Support;

/// <summary>What one Jetstream connection does.</summary>
/// <param name="MaxFrames">Frames to send at most (from the cursor on); null for all.</param>
/// <param name="Close">Close after sending; false holds the socket open and silent.</param>
/// <param name="RejectUpgrade">Answer the upgrade with 503 (a dead endpoint).</param>
public sealed record JetstreamScript(int? MaxFrames = null, bool Close = false, bool RejectUpgrade = false);

/// <summary>
/// A strict double of Jetstream v1 <c>/subscribe</c>: WebSocket only; accepts only <c>wantedCollections</c> and
/// <c>cursor</c> (so a client asking for zstd <c>compress</c> is rejected); replays its events from the cursor
/// (events with <c>time_us</c> ≥ cursor, in stored order). Frames that are not JSON events are always sent.
/// </summary>
public sealed class FakeJetstreamServer : IAsyncDisposable
{
    private readonly List<(long TimeUs, string Frame)> _events = [];
    private LocalServer? _server;
    private int _connections;

    public Func<int, JetstreamScript> Script { get; set; } = _ => new JetstreamScript();

    public Uri Endpoint => new(_server!.BaseUri.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "subscribe");

    public int Connections => Volatile.Read(ref _connections);

    public ConcurrentQueue<string> Queries { get; } = new();

    public static async Task<FakeJetstreamServer> StartAsync(IEnumerable<string> frames)
    {
        var fake = new FakeJetstreamServer();
        foreach (var frame in frames)
        {
            fake._events.Add((TimeOf(frame), frame));
        }

        fake._server = await LocalServer.StartAsync(fake.HandleAsync);
        return fake;
    }

    public static long TimeOf(string frame)
    {
        try
        {
            using var doc = JsonDocument.Parse(frame);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("time_us", out var t) ? t.GetInt64() : 0;
        }
        catch (JsonException)
        {
            return 0;
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
        if (context.Request.Path != "/subscribe" || !context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        var query = context.Request.Query;
        if (query.Keys.Any(k => k is not ("wantedCollections" or "cursor")))
        {
            context.Response.StatusCode = 400;
            return;
        }

        var n = Interlocked.Increment(ref _connections);
        Queries.Enqueue(context.Request.QueryString.Value ?? string.Empty);
        var script = Script(n);
        if (script.RejectUpgrade)
        {
            context.Response.StatusCode = 503;
            return;
        }

        var cursor = query.TryGetValue("cursor", out var c) ? long.Parse(c!, CultureInfo.InvariantCulture) : 0;
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var sent = 0;
        foreach (var (time, frame) in _events)
        {
            if (time != 0 && time < cursor)
            {
                continue;
            }

            if (script.MaxFrames is { } max && sent >= max)
            {
                break;
            }

            await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, context.RequestAborted);
            sent++;
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
}
