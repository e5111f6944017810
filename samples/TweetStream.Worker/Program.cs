using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
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
    var port = Environment.GetEnvironmentVariable("PORT") is { Length: > 0 } p ? p : "8080";
    if (builder.Configuration["urls"] is null && Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is null)
    {
        builder.WebHost.UseUrls("http://0.0.0.0:" + port);
    }

    builder.Services.AddWorkerPipeline(builder.Configuration, once: false);
    builder.AddWorkerTelemetry(once: false);
    var dataDirectory = WorkerPipeline.DataDirectory(builder.Configuration);
    var dashboard = SampleConfiguration.ConfiguredStore(builder.Configuration.GetSection(WorkerPipeline.Section)) != "none";
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

    var app = builder.Build();

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
    await app.RunAsync();
    return 0;
}
