using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Tests.Support;

namespace TweetStream.Dashboard.Tests.Support;

/// <summary>A minimal WebApplication on 127.0.0.1 (Kestrel, port 0) hosting the dashboard over a fake store.</summary>
public sealed partial class DashboardHost : IAsyncDisposable
{
    public const string TestPassword = "correct horse battery staple";

    // The minimum iteration count keeps the suite fast; production hashes use 600,000.
    public static readonly string TestPasswordHash = DashboardPassword.Hash(TestPassword, DashboardPassword.MinimumIterations);

    public static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private readonly WebApplication _app;
    private readonly TempDirectory? _ownedData;

    private DashboardHost(WebApplication app, TempDirectory? ownedData, string baseAddress, string prefix)
    {
        _app = app;
        _ownedData = ownedData;
        BaseAddress = new Uri(baseAddress.TrimEnd('/') + prefix + "/");
        Client = CreateClient();
    }

    public FakePostStore Store { get; private init; } = null!;

    public FakeTimeProvider Time { get; private init; } = null!;

    internal CapturingConsole Console { get; private init; } = null!;

    public CapturingLoggerProvider Logs { get; private init; } = null!;

    public Uri BaseAddress { get; }

    /// <summary>A client with its own cookie jar that does not follow redirects.</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<DashboardHost> StartAsync(
        Action<DashboardOptions>? configure = null,
        string prefix = "",
        string? dataDirectory = null,
        bool setPassword = true,
        FakeTimeProvider? time = null,
        Action<WebApplication>? configureApp = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var logs = new CapturingLoggerProvider();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);

        var owned = dataDirectory is null ? new TempDirectory() : null;
        var store = new FakePostStore();
        time ??= new FakeTimeProvider(Now);
        var console = new CapturingConsole();
        builder.Services.AddSingleton<TimeProvider>(time);
        if (configureServices is null)
        {
            builder.Services.AddSingleton<IPostStore>(store);
        }
        else
        {
            configureServices(builder.Services);
        }

        builder.Services.AddSingleton<IDashboardConsole>(console);
        builder.Services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
        builder.Services.AddTweetDashboard(o =>
        {
            o.DataDirectory = dataDirectory ?? owned!.Path;
            if (setPassword)
            {
                o.PasswordHash = TestPasswordHash;
            }

            configure?.Invoke(o);
        });

        var app = builder.Build();
        configureApp?.Invoke(app);
        app.MapTweetDashboard(prefix);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            owned?.Dispose();
            throw;
        }

        return new DashboardHost(app, owned, app.Urls.First(), prefix)
        {
            Store = store,
            Time = time,
            Console = console,
            Logs = logs,
        };
    }

    public HttpClient CreateClient() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
    {
        BaseAddress = BaseAddress,
    };

    /// <summary>Fetches the login form's anti-forgery token (the GET also sets its cookie in the client's jar).</summary>
    public static async Task<string> GetLoginTokenAsync(HttpClient client)
    {
        var html = await client.GetStringAsync("login");
        return TokenPattern().Match(html) is { Success: true } match
            ? WebUtility.HtmlDecode(match.Groups[1].Value)
            : throw new InvalidOperationException("No anti-forgery token in the login page");
    }

    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string password, string? token = null)
    {
        token ??= await GetLoginTokenAsync(client);
        return await client.PostAsync("login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["password"] = password,
        }));
    }

    public async Task<HttpClient> LoggedInClientAsync(string password = TestPassword)
    {
        var client = CreateClient();
        using var response = await PostLoginAsync(client, password);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException("Login failed: " + response.StatusCode);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _ownedData?.Dispose();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
