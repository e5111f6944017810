using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sources.Support;

/// <summary>A Kestrel server on 127.0.0.1 with a free port, serving one request delegate (with WebSockets enabled).</summary>
public sealed class LocalServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalServer(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    public static async Task<LocalServer> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(handler);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LocalServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        // Graceful shutdown is not what these tests check: past the grace period Kestrel closes what is left.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}

/// <summary>Fixtures written for this project (present on a fresh clone).</summary>
public static class Fixtures
{
    public static string Path(params string[] parts) => System.IO.Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    public static byte[] Bytes(params string[] parts) => File.ReadAllBytes(Path(parts));

    public static string Text(params string[] parts) => File.ReadAllText(Path(parts));
}

/// <summary>Captures formatted log messages so tests can assert what was (not) logged.</summary>
public sealed class CapturingLogger : ILogger
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Messages.Enqueue(formatter(state, exception) + (exception is null ? string.Empty : " | " + exception));
    }
}

/// <summary>Waits for conditions observed through the fakes, with the shared safety net (<see cref="Patience"/>).</summary>
public static class Eventually
{
    public static Task TrueAsync(Func<bool> condition, string what, Action? eachRound = null) =>
        Patience.UntilAsync(condition, what, eachRound);
}

/// <summary>Reads an async sequence item by item, with the shared safety net against a hang.</summary>
public sealed class ItemReader(IAsyncEnumerable<SourceItem> items, CancellationTokenSource stop) : IAsyncDisposable
{
    private readonly IAsyncEnumerator<SourceItem> _enumerator = items.GetAsyncEnumerator(stop.Token);
    private Task<bool>? _pending;

    /// <summary>The next item; <paramref name="liveSeconds"/> bounds only waits on real services, whose pace is not ours.</summary>
    public async Task<SourceItem> NextAsync(int? liveSeconds = null)
    {
        var move = _pending = _enumerator.MoveNextAsync().AsTask();
        if (liveSeconds is { } seconds)
        {
            var done = await Task.WhenAny(move, Task.Delay(TimeSpan.FromSeconds(seconds)));
            Assert.True(done == move, $"The live service sent no item within {seconds} s");
        }

        Assert.True(await move.WithinSafetyNet("the next source item"), "The source ended unexpectedly");
        return _enumerator.Current;
    }

    public async Task<List<SourceItem>> TakeAsync(int count)
    {
        var list = new List<SourceItem>();
        for (var i = 0; i < count; i++)
        {
            list.Add(await NextAsync());
        }

        return list;
    }

    /// <summary>Asserts the source fails with <typeparamref name="T"/>.</summary>
    public async Task<T> FailureAsync<T>()
        where T : Exception
    {
        var move = _pending = _enumerator.MoveNextAsync().AsTask();
        await Task.WhenAny(move).WithinSafetyNet("the source to fail");
        return await Assert.ThrowsAsync<T>(() => move);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (_pending is not null)
        {
            await ((Task)_pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        try
        {
            await _enumerator.DisposeAsync();
        }
        catch (OperationCanceledException)
        {
        }
    }
}
