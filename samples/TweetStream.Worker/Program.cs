using TweetStream.Pipeline;
using TweetStream.Worker;

// `--once`: run the configured finite source to its end, drain, print the summary, exit.
// Otherwise: keep replaying (paced) and serve HTTP until stopped.
var once = args.Contains("--once");
var hostArgs = args.Where(a => a != "--once").ToArray();

if (once)
{
    var builder = Host.CreateApplicationBuilder(hostArgs);
    builder.Services.AddWorkerPipeline(builder.Configuration, once: true);
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

    var summary = status.Statistics.TryGetValue("default", out var stats) ? stats.ToString() : "received=0 written=0 deadlettered=0 shed=0";
    Console.Out.WriteLine(summary);
    return exitCode;
}
else
{
    var builder = WebApplication.CreateBuilder(hostArgs);
    var port = Environment.GetEnvironmentVariable("PORT") is { Length: > 0 } p ? p : "8080";
    if (builder.Configuration["urls"] is null && Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is null)
    {
        builder.WebHost.UseUrls("http://0.0.0.0:" + port);
    }

    builder.Services.AddWorkerPipeline(builder.Configuration, once: false);
    builder.Services.AddHealthChecks();
    var app = builder.Build();
    app.MapHealthChecks("/healthz");
    app.MapHealthChecks("/readyz");
    await app.RunAsync();
    return 0;
}
