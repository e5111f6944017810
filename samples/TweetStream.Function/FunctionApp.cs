using Microsoft.Extensions.Options;
using TweetStream.Pipeline;
using TweetStream.Samples;

namespace TweetStream.Function;

/// <summary>Builds the push host: the load pipeline (push source → hash → sinks) and its HTTP endpoints.</summary>
internal static class FunctionApp
{
    public const string Section = "TweetStream";

    /// <param name="args">Command-line arguments.</param>
    /// <param name="configure">Runs after the host's own registrations (tests replace the clock, add sinks).</param>
    /// <param name="configurePipeline">Runs last on the pipeline builder (tests add fault-injecting sinks).</param>
    public static WebApplication Create(
        string[] args,
        Action<WebApplicationBuilder>? configure = null,
        Action<ITweetStreamBuilder>? configurePipeline = null)
    {
        // appsettings.json beside the binary holds the embedded default, wherever the host is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var port = Environment.GetEnvironmentVariable("PORT") is { Length: > 0 } p ? p : "8080";
        if (builder.Configuration["urls"] is null && Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is null)
        {
            builder.WebHost.UseUrls("http://0.0.0.0:" + port);
        }

        configure?.Invoke(builder);
        builder.Services.AddPushFunction(builder.Configuration, configurePipeline);
        builder.AddHostTelemetry("tweetstream-function", web: true);
        builder.WebHost.ListenOnMetricsPort(builder.Configuration);
        builder.Services.AddHealthChecks();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
            kestrel.Limits.MaxRequestBodySize = context.Configuration.GetSection(Section + ":Push").GetValue("MaxBodyBytes", new PushEndpointOptions().MaxBodyBytes));

        var app = builder.Build();
        app.MapHealthChecks("/healthz");
        app.MapHostMetrics();
        app.MapPost("/", PushEndpoint.HandleAsync);
        app.MapPost("/push", PushEndpoint.HandleAsync);

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var url in app.Urls)
            {
                // Where to point a push subscription (or curl, see README); 0.0.0.0 is not an address to call.
                Console.WriteLine("TweetStream push endpoint: " + url.Replace("0.0.0.0", "localhost", StringComparison.Ordinal) + "/");
            }

            if (!app.Services.GetRequiredService<IOptions<PushEndpointOptions>>().Value.VerifyToken)
            {
                Log.VerificationDisabled(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TweetStream.Function"));
            }
        });
        return app;
    }

    public static IServiceCollection AddPushFunction(this IServiceCollection services, IConfiguration configuration, Action<ITweetStreamBuilder>? configurePipeline)
    {
        var root = configuration.GetSection(Section);
        var dataDirectory = SampleConfiguration.DataDirectory(configuration);

        services.AddOptions<PushEndpointOptions>()
            .Bind(root.GetSection("Push"))
            .Validate(o => !o.VerifyToken || !string.IsNullOrWhiteSpace(o.Audience),
                "TweetStream:Push:Audience is required while TweetStream:Push:VerifyToken is true (the push subscription's audience, by default its endpoint URL).")
            .Validate(o => !o.VerifyToken || !string.IsNullOrWhiteSpace(o.ServiceAccountEmail),
                "TweetStream:Push:ServiceAccountEmail is required while TweetStream:Push:VerifyToken is true.")
            .Validate(o => o.CertificatesUrl is null || Uri.TryCreate(o.CertificatesUrl, UriKind.Absolute, out _),
                "TweetStream:Push:CertificatesUrl must be an absolute URL.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PushEndpointOptions>, PushEndpointOptionsValidator>();
        services.AddSingleton(sp => new PushSource(sp.GetRequiredService<IOptions<PushEndpointOptions>>().Value.MaxPendingMessages));
        services.AddSingleton<IPushTokenVerifier>(sp =>
            sp.GetRequiredService<IOptions<PushEndpointOptions>>().Value.VerifyToken
                ? ActivatorUtilities.CreateInstance<GooglePushTokenVerifier>(sp)
                : new NoPushTokenVerifier());

        services.UseGeneratedHashingKeyBesideData(dataDirectory);

        services.AddTweetStream(pipeline =>
        {
            // Push defaults, overridden by TweetStream:Pipeline: batch briefly (requests wait on it), and back off
            // long enough that a sink outage outlasts ResponseTimeout, so it ends in 503 and a Pub/Sub redelivery
            // rather than in the dead letters.
            pipeline.ConfigurePipeline(o =>
            {
                o.BatchMaxDelay = TimeSpan.FromMilliseconds(10);
                o.RetryBaseDelay = TimeSpan.FromSeconds(1);
                o.RetryMaxDelay = TimeSpan.FromSeconds(10);
            });
            pipeline.ConfigurePipeline(root.GetSection("Pipeline"));
            pipeline.SetSource(sp => sp.GetRequiredService<PushSource>());

            // Posts on the topic are hashed already (hashed ones pass through); this keeps a raw handle published
            // by a misconfigured producer out of the sinks.
            pipeline.AddHashHandles(root.GetSection("Hashing"));
            pipeline.AddConfiguredSinks(root, dataDirectory);
            configurePipeline?.Invoke(pipeline);
        });
        return services;
    }
}
