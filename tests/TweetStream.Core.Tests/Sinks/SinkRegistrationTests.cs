using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TweetStream.Pipeline;
using TweetStream.Sinks;
using TweetStream.Sinks.JsonLines;
using TweetStream.Tests.Sinks.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sinks;

public sealed class SinkRegistrationTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public async Task AddJsonLinesSink_binds_its_options_from_configuration_per_pipeline()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var services = new ServiceCollection();
        services.AddTweetStream("london", p => p.AddJsonLinesSink(Config(("Directory", dir.Path), ("FilePrefix", "london"))));
        await using var provider = services.BuildServiceProvider();

        var sink = provider.GetRequiredService<IOptionsMonitor<PipelineComponents>>().Get("london").Sinks.Single()(provider);
        await sink.WriteAsync(SinkPosts.Batch(SinkPosts.Hashed(1)), default);

        Assert.IsType<JsonLinesSink>(Assert.IsType<ManagedSink>(sink).Inner);
        Assert.True(File.Exists(dir.Combine("london-2026-11-26.jsonl")));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("")]
    public void AddJsonLinesSink_rejects_a_prefix_that_is_not_a_plain_file_name(string prefix)
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.AddJsonLinesSink(o => o.FilePrefix = prefix));
        using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<JsonLinesSinkOptions>>().Get("default"));
    }

    [Fact]
    public void AddConsoleSink_binds_the_format_from_configuration()
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.AddConsoleSink(Config(("Format", "Json"))));
        using var provider = services.BuildServiceProvider();

        Assert.Equal(ConsoleSinkFormat.Json, provider.GetRequiredService<IOptionsMonitor<ConsoleSinkOptions>>().Get("default").Format);
        Assert.IsType<ConsoleSink>(Assert.IsType<ManagedSink>(provider.GetRequiredService<IOptionsMonitor<PipelineComponents>>().Get("default").Sinks.Single()(provider)).Inner);
    }
}
