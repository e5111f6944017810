using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TweetStream;
using TweetStream.Dashboard;
using TweetStream.Pipeline;
using TweetStream.Samples;
using TweetStream.Worker;

// Commands:
//   (none)          keep replaying (paced) or streaming, serve the dashboard, health and metrics over HTTP
//   --once          run the configured finite source to its end, drain, print the summary, exit
//                   (progress lines on stderr every few seconds; --quiet turns them off)
//   hash-password   print the hash of a dashboard password (argument or stdin) for TweetStream:Dashboard:PasswordHash
if (args.Length > 0 && args[0] == "hash-password")
{
    var password = args.Length > 1 ? args[1] : Console.In.ReadLine();
    if (string.IsNullOrEmpty(password))
    {
        await Console.Error.WriteLineAsync("usage: hash-password <password>   (or pipe it on stdin)");
        return 2;
    }

    Console.WriteLine(DashboardPassword.Hash(password));
    return 0;
}

var once = args.Contains("--once");
var quiet = args.Contains("--quiet");
var hostArgs = args.Where(a => a is not ("--once" or "--quiet")).ToArray();

if (once)
{
    // Settings ship beside the binary; data/ stays relative to the working directory.
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = hostArgs, ContentRootPath = AppContext.BaseDirectory });
    builder.Services.AddWorkerPipeline(builder.Configuration, once: true);
    builder.AddWorkerTelemetry(once: true, quiet);
    using var host = builder.Build();
    var status = host.Services.GetRequiredService<ITweetStreamStatus>();
    var interrupted = false;

    // A stop requested before every source ended (Ctrl-C, SIGTERM) leaves the run partial: say so and exit non-zero.
    host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => interrupted = !status.Completion.IsCompleted);
    int exitCode;
    try
    {
        await host.RunAsync();
        await status.Completion;
        exitCode = 0;
    }
    catch (Exception ex)
    {
        await Console.Error.WriteLineAsync("tweetstream: " + ex.Message);
        exitCode = 1;
    }

    if (interrupted && exitCode == 0)
    {
        await Console.Error.WriteLineAsync("tweetstream: interrupted before the source ended; the summary below covers a partial run");
        exitCode = 1;
    }

    // One line per named pipeline, then the totals as the last line.
    var all = status.Statistics;
    if (all.Count > 1 || !all.ContainsKey("default"))
    {
        foreach (var (name, s) in all)
        {
            Console.Out.WriteLine($"pipeline {name}: {s}");
        }
    }

    Console.Out.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"received={all.Values.Sum(s => s.Received)} written={all.Values.Sum(s => s.Written)} deadlettered={all.Values.Sum(s => s.DeadLettered)} shed={all.Values.Sum(s => s.Shed)}"));
    return exitCode;
}
else
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = hostArgs, ContentRootPath = AppContext.BaseDirectory });
    var dashboard = SampleConfiguration.ConfiguredStore(builder.Configuration.GetSection(WorkerPipeline.Section)) != "none";
    var configuredPort = Environment.GetEnvironmentVariable("PORT") is { Length: > 0 } p ? p : null;
    var urlsConfigured = builder.Configuration["urls"] is not null || Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is not null;
    if (!dashboard && configuredPort is null && !urlsConfigured)
    {
        // Store=none and no port asked for: a pure pipeline worker, no listener to collide with anything.
        return await RunHeadlessAsync(hostArgs);
    }

    if (!urlsConfigured)
    {
        builder.WebHost.UseUrls("http://0.0.0.0:" + (configuredPort ?? "8080"));
    }

    builder.Services.AddWorkerPipeline(builder.Configuration, once: false);
    builder.AddWorkerTelemetry(once: false);
    var dataDirectory = WorkerPipeline.DataDirectory(builder.Configuration);
    var health = builder.Services.AddHealthChecks().AddCheck<PipelineHealthCheck>("pipeline", tags: ["ready"]);
    if (dashboard)
    {
        // Session cookies survive restarts (and container rebuilds with a mounted data directory).
        builder.Services.AddDataProtection()
            .SetApplicationName("TweetStream")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));
        builder.Services.AddTweetDashboard(o =>
        {
            o.DataDirectory = dataDirectory;
            builder.Configuration.GetSection("TweetStream:Dashboard").Bind(o);
        });
        builder.Services.AddSingleton<StoreHealthCheck>(); // one instance, so its cached answer is reused
        health.AddCheck<StoreHealthCheck>("store", tags: ["ready"]);
    }

    WebApplication app;
    try
    {
        app = builder.Build();
    }
    catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
    {
        await Console.Error.WriteLineAsync("tweetstream: " + ex.Message);
        return 1;
    }

    // Liveness says only that the process answers; readiness checks the pipelines and the store.
    app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
    app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
    app.MapWorkerTelemetry();
    if (dashboard)
    {
        app.MapTweetDashboard();
    }

    app.Lifetime.ApplicationStarted.Register(() =>
    {
        foreach (var url in app.Urls)
        {
            Console.WriteLine("TweetStream dashboard: " + url.Replace("0.0.0.0", "localhost", StringComparison.Ordinal) + "/");
        }
    });
    return await RunUntilFailureAsync(app, app.Services.GetRequiredService<ITweetStreamStatus>());
}

// Serving: the pipelines run until stopped; a fatal source or sink error (401 from X, a vanished subscription, a start-up
// check the API refused) stops the host, prints one line with the API's own message and exits 1.
static async Task<int> RunUntilFailureAsync(IHost host, ITweetStreamStatus status)
{
    try
    {
        await host.RunAsync();
    }
    catch (Exception ex)
    {
        await Console.Error.WriteLineAsync("tweetstream: " + ex.Message);
        return 1;
    }

    if (status.Completion.IsFaulted)
    {
        await Console.Error.WriteLineAsync("tweetstream: " + (status.Completion.Exception!.InnerException ?? status.Completion.Exception).Message);
        return 1;
    }

    return 0;
}

static async Task<int> RunHeadlessAsync(string[] hostArgs)
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = hostArgs, ContentRootPath = AppContext.BaseDirectory });
    builder.Services.AddWorkerPipeline(builder.Configuration, once: false);

    // Nothing to serve: once every pipeline has ended (a finite replay without Loop), the process has nothing left to do.
    builder.Services.StopHostWhenPipelinesComplete();
    using var host = builder.Build();
    return await RunUntilFailureAsync(host, host.Services.GetRequiredService<ITweetStreamStatus>());
}
