using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TweetStream.Pipeline;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.DependencyInjection;

public sealed class RegistrationTests
{
    private static readonly string TestKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    [Fact]
    public async Task A_custom_sink_plugs_in_with_one_line_and_receives_hashed_posts()
    {
        var source = new InMemorySource();
        source.Add(Posts.Make(1, handle: "RawHandle"), 1);
        source.Complete();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<MySink>();
        builder.Services.AddTweetStream(p => p
            .SetSource(_ => source)
            .AddHashHandles(o => o.Key = TestKey)
            .AddSink(sp => sp.GetRequiredService<MySink>()));
        builder.Services.StopHostWhenPipelinesComplete();
        using var host = builder.Build();

        await host.StartAsync();
        await host.Services.GetRequiredService<ITweetStreamStatus>().Completion.WithinSafetyNet("the pipeline to finish");
        await host.StopAsync();

        var sink = host.Services.GetRequiredService<MySink>();
        var post = Assert.Single(sink.Posts);
        Assert.True(post.Author.IsHashed);
        Assert.StartsWith("k1:", post.Author.Handle, StringComparison.Ordinal);
        Assert.DoesNotContain("RawHandle", post.Author.Handle, StringComparison.OrdinalIgnoreCase);
        Assert.Null(post.Author.DisplayName);
        var status = host.Services.GetRequiredService<ITweetStreamStatus>();
        Assert.Equal(1, status.Statistics["default"].Written);
    }

    [Fact]
    public void The_generic_AddSink_overload_is_the_one_line_registration()
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.AddSink<MySink>());
        using var provider = services.BuildServiceProvider();

        var components = provider.GetRequiredService<IOptionsMonitor<PipelineComponents>>().Get("default");
        Assert.IsType<MySink>(Assert.IsType<ManagedSink>(Assert.Single(components.Sinks)(provider)).Inner);
    }

    [Fact]
    public async Task Invalid_pipeline_options_fail_start_up_with_the_property_named()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["TweetStream:Pipeline:BatchSize"] = "0" });
        builder.Services.AddTweetStream(p => p
            .ConfigurePipeline(builder.Configuration.GetSection("TweetStream:Pipeline"))
            .SetSource(_ => new InMemorySource())
            .AddSink<MySink>());
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("BatchSize", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_short_hashing_key_fails_start_up()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddTweetStream(p => p
            .SetSource(_ => new InMemorySource())
            .AddHashHandles(o => o.Key = Convert.ToBase64String(new byte[16]))
            .AddSink<MySink>());
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("at least 32 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_key_from_a_key_file_stops_the_pipeline_before_any_item_flows()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var keyFile = dir.Combine("hashing.key");
        File.WriteAllText(keyFile, Convert.ToBase64String(new byte[8]));
        var services = new ServiceCollection();
        services.AddTweetStream(p => p
            .SetSource(_ => new InMemorySource())
            .AddHashHandles(o => o.KeyFile = keyFile)
            .AddSink<MySink>());
        using var provider = services.BuildServiceProvider();

        var runner = provider.GetRequiredService<TweetStreamRunner>();
        var ex = Assert.Throws<OptionsValidationException>(() => runner.Build("default"));
        Assert.Contains("at least 32 are required", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipeline:BatchSize"] = "42",
            ["Pipeline:BatchMaxDelay"] = "00:00:01",
            ["Pipeline:DrainTimeout"] = "00:00:03",
        }).Build();
        var services = new ServiceCollection();
        services.AddTweetStream("named", p => p.ConfigurePipeline(configuration.GetSection("Pipeline")));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<PipelineOptions>>().Get("named");
        Assert.Equal((42, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)), (options.BatchSize, options.BatchMaxDelay, options.DrainTimeout));
    }

    private sealed class MySink : ISink
    {
        public System.Collections.Concurrent.ConcurrentQueue<Post> Posts { get; } = new();

        public string Name => "mine";

        public ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
        {
            foreach (var post in batch)
            {
                Posts.Enqueue(post);
            }

            return ValueTask.CompletedTask;
        }
    }
}
