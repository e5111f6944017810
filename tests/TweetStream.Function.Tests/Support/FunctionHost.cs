using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Pipeline;
using TweetStream.Tests.Support;

namespace TweetStream.Function.Tests.Support;

/// <summary>
/// The real push host on 127.0.0.1 (port 0) with a SQLite store in a temp folder, a fault-injecting collecting
/// sink beside it, in-memory dead letters and a fake clock for response timeouts, retries and token expiry.
/// </summary>
public sealed class FunctionHost : IAsyncDisposable
{
    public const string Audience = "https://push.example.test/push";
    public const string ServiceAccount = "push-invoker@example-project.iam.gserviceaccount.com";
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;
    private readonly string _directory;

    private FunctionHost(WebApplication app, string directory, WatchedFakeTimeProvider time, CollectingSink sink, CollectingDeadLetterSink deadLetters)
    {
        _app = app;
        _directory = directory;
        Time = time;
        Sink = sink;
        DeadLetters = deadLetters;
        Client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
    }

    public WatchedFakeTimeProvider Time { get; }

    /// <summary>A second sink beside SQLite; its <see cref="CollectingSink.OnWrite"/> injects faults.</summary>
    public CollectingSink Sink { get; }

    public CollectingDeadLetterSink DeadLetters { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public PipelineStatistics Statistics => Services.GetRequiredService<ITweetStreamStatus>().Statistics["default"];

    public static async Task<FunctionHost> StartAsync(GoogleKeysDouble keys, IDictionary<string, string?>? settings = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "tweetstream-function-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var time = new WatchedFakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var sink = new CollectingSink("faulty");
        var deadLetters = new CollectingDeadLetterSink();
        var config = new Dictionary<string, string?>
        {
            ["TweetStream:DataDirectory"] = directory,
            ["TweetStream:Sinks"] = "sqlite",
            ["TweetStream:Push:VerifyToken"] = "true",
            ["TweetStream:Push:Audience"] = Audience,
            ["TweetStream:Push:ServiceAccountEmail"] = ServiceAccount,
            ["TweetStream:Push:CertificatesUrl"] = keys.CertificatesUrl,
            ["TweetStream:Push:ResponseTimeout"] = ResponseTimeout.ToString(),
            // The batcher must not wait on the fake clock; retries wait a minute so a test decides when they run.
            ["TweetStream:Pipeline:BatchMaxDelay"] = "00:00:00",
            ["TweetStream:Pipeline:RetryBaseDelay"] = "00:01:00",
            ["TweetStream:Pipeline:RetryMaxDelay"] = "00:01:00",
            ["TweetStream:Pipeline:MaxAttempts"] = "3",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        var app = FunctionApp.Create(
            ["--urls", "http://127.0.0.1:0"],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(config);
                builder.Logging.ClearProviders();
                builder.Services.AddSingleton<TimeProvider>(time);
            },
            pipeline => pipeline.AddSink(_ => sink).SetDeadLetterSink(_ => deadLetters));
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            Directory.Delete(directory, recursive: true);
            throw;
        }

        return new FunctionHost(app, directory, time, sink, deadLetters);
    }

    /// <summary>A token as Pub/Sub's push service account sends it; <paramref name="change"/> edits the claims.</summary>
    public string Token(Action<Dictionary<string, object>>? change = null, System.Security.Cryptography.RSA? key = null)
    {
        var now = Time.GetUtcNow().ToUnixTimeSeconds();
        var claims = new Dictionary<string, object>
        {
            ["aud"] = Audience,
            ["azp"] = "112233445566778899000",
            ["email"] = ServiceAccount,
            ["email_verified"] = true,
            ["exp"] = now + 3600,
            ["iat"] = now,
            ["iss"] = "https://accounts.google.com",
            ["sub"] = "112233445566778899000",
        };
        change?.Invoke(claims);
        return GoogleKeysDouble.Sign(claims, key);
    }

    public Task<HttpResponseMessage> PostAsync(HttpContent content, string? token, string path = "/")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> PushAsync(string body, string? token, string path = "/") =>
        PostAsync(new StringContent(body, Encoding.UTF8, "application/json"), token, path);

    public async Task<long> StoredCountAsync()
    {
        var store = Services.GetRequiredService<IPostStore>();
        var page = await store.QueryAsync(new PostQuery(DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue.AddYears(-1)), CancellationToken.None);
        return page.TotalCount;
    }

    public async Task<IReadOnlyList<Post>> StoredAsync()
    {
        var store = Services.GetRequiredService<IPostStore>();
        var page = await store.QueryAsync(new PostQuery(DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue.AddYears(-1), 1, 100), CancellationToken.None);
        return page.Items;
    }

    /// <summary>
    /// Moves the fake clock a step at a time until <paramref name="task"/> completes, however long the machine takes
    /// to register its timers between steps; the outcome then depends on the order of events on the clock, not on pace.
    /// </summary>
    public async Task<T> AdvanceUntilAsync<T>(Task<T> task, TimeSpan step)
    {
        await Patience.UntilAsync(() => task.IsCompleted, "the push response while the clock advances", () => Time.Advance(step));
        return await task;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        // Let retries still waiting on the fake clock finish so shutdown drains instead of waiting for them.
        Time.Advance(TimeSpan.FromHours(1));
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file briefly on some systems; the temp folder is disposable.
        }
    }
}
