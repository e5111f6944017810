using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Sources.X;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sources.X;

/// <summary>What the reconnect loop reported.</summary>
internal sealed record XEvent(string Kind, XFailureClass? Failure = null, TimeSpan? Delay = null, string? Reason = null, bool Stalled = false);

/// <summary>Records the loop's notifications and lets tests wait for them.</summary>
internal sealed class RecordingXObserver : IXStreamObserver
{
    private readonly Channel<XEvent> _events = Channel.CreateUnbounded<XEvent>();

    public ConcurrentQueue<XEvent> All { get; } = new();

    public IEnumerable<TimeSpan> Delays => All.Where(e => e.Kind == "backoff").Select(e => e.Delay!.Value);

    public void OnConnected(int connection) => Add(new XEvent("connected", Reason: connection.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public void OnKeepAlive() => Add(new XEvent("keep-alive"));

    public void OnStall() => Add(new XEvent("stall"));

    public void OnBackoff(XFailureClass failure, TimeSpan delay, string reason) => Add(new XEvent("backoff", failure, delay, reason));

    public void OnDisconnected(string reason, bool stalled) => Add(new XEvent("disconnected", Reason: reason, Stalled: stalled));

    public void OnDuplicate(string postId) => Add(new XEvent("duplicate", Reason: postId));

    /// <summary>Waits for the next event of <paramref name="kind"/>, skipping others, with the shared safety net.</summary>
    public Task<XEvent> NextAsync(string kind) => NextOfKindAsync(kind).WithinSafetyNet("the loop to report " + kind);

    private async Task<XEvent> NextOfKindAsync(string kind)
    {
        while (true)
        {
            var e = await _events.Reader.ReadAsync();
            if (e.Kind == kind)
            {
                return e;
            }
        }
    }

    private void Add(XEvent e)
    {
        All.Enqueue(e);
        _events.Writer.TryWrite(e);
    }
}

/// <summary>A source wired to the X double, a fake clock and a recording observer, enumerated in the background.</summary>
internal sealed class XStreamHarness : IAsyncDisposable
{
    private readonly Channel<SourceItem> _items = Channel.CreateUnbounded<SourceItem>();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };
    private Task? _pump;

    private XStreamHarness(XApiDouble api) => Api = api;

    public XApiDouble Api { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));

    public RecordingXObserver Events { get; } = new();

    public XFilteredStreamOptions Options { get; private set; } = null!;

    /// <summary>The exception that ended the source, once it ended.</summary>
    public Task Completion => _pump ?? Task.CompletedTask;

    public static async Task<XStreamHarness> CreateAsync(Action<XFilteredStreamOptions>? configure = null, Action<XApiDouble>? arrange = null)
    {
        var api = await XApiDouble.StartAsync();
        var harness = new XStreamHarness(api);
        arrange?.Invoke(api);
        var options = new XFilteredStreamOptions { BearerToken = XApiDouble.Token, BaseAddress = api.BaseAddress };
        options.Rules.Add(new XStreamRuleOptions { Value = "#london -is:retweet", Tag = "london" });
        configure?.Invoke(options);
        harness.Options = options;
        return harness;
    }

    public XStreamHarness Start()
    {
        var source = new XFilteredStreamSource(Options, _http, Time, logger: null, observer: Events);
        _pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in source.ReadAsync(_stop.Token))
                {
                    await _items.Writer.WriteAsync(item);
                }
            }
            finally
            {
                _items.Writer.TryComplete();
            }
        });
        return this;
    }

    public Task<SourceItem> NextItemAsync() => _items.Reader.ReadAsync().AsTask().WithinSafetyNet("the next item from the X source");

    /// <summary>Items already produced, without waiting.</summary>
    public List<SourceItem> Drain()
    {
        var list = new List<SourceItem>();
        while (_items.Reader.TryRead(out var item))
        {
            list.Add(item);
        }

        return list;
    }

    /// <summary>Waits for the source to fail and returns the exception.</summary>
    public async Task<Exception> FailureAsync()
    {
        var ex = await Record.ExceptionAsync(() => Completion.WithinSafetyNet("the X source to fail"));
        Assert.IsNotType<Xunit.Sdk.FailException>(ex);
        Assert.NotNull(ex);
        return ex;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_pump is not null)
        {
            try
            {
                await _pump.WithinSafetyNet("the X source to stop");
            }
            catch (Exception)
            {
                // Cancellation or the failure a test already asserted.
            }
        }

        await Api.DisposeAsync();
        _http.Dispose();
        _stop.Dispose();
    }
}

internal static class XLines
{
    public static string Post(long id, string text = "Tower Bridge in the fog #london", string rule = "tweetstream:london") =>
        $$"""{"data":{"author_id":"2244994945","created_at":"2026-11-20T09:15:02.000Z","id":"{{id}}","lang":"en","text":"{{text}}"},"includes":{"users":[{"id":"2244994945","name":"Jo Walker","username":"jowalker_ldn"}]},"matching_rules":[{"id":"1860000000000000900","tag":"{{rule}}"}]}""";

    public const string OperationalDisconnect =
        """{"errors":[{"title":"operational-disconnect","disconnect_type":"UpstreamOperationalDisconnect","detail":"This stream has been disconnected upstream for operational reasons.","type":"https://api.x.com/2/problems/operational-disconnect"}]}""";

    public const string TooManyConnections =
        """{"title":"ConnectionException","detail":"This stream is currently at the maximum allowed connection limit.","connection_issue":"TooManyConnections","type":"https://api.x.com/2/problems/streaming-connection"}""";

    public const string RateLimited = """{"errors":[{"code":88,"message":"Rate limit exceeded"}]}""";

    public const string ServiceUnavailable = """{"title":"Service Unavailable","type":"about:blank","status":503,"detail":"Service Unavailable"}""";
}
