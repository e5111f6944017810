using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TweetStream.Gcp.Auth;
using TweetStream.Gcp.PubSub;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Pipeline;

namespace TweetStream.Gcp.Tests.PubSub;

public sealed class PubSubRegistrationTests
{
    [Fact]
    public void Sink_and_source_options_are_named_after_the_pipeline_and_bound_from_configuration()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sink:ProjectId"] = "my-project",
            ["Sink:TopicId"] = "posts",
            ["Sink:MaxMessagesPerRequest"] = "250",
            ["Source:ProjectId"] = "my-project",
            ["Source:SubscriptionId"] = "posts-sub",
            ["Source:AckDeadline"] = "00:00:30",
        }).Build();
        var services = new ServiceCollection();
        services.AddKeyedSingleton<IGoogleAccessTokenSource>(PubSubClientFactory.TokenSourceKey, new FakeTokenSource());
        services.AddTweetStream("ingest", p => p.AddPubSubSink(config.GetSection("Sink")));
        services.AddTweetStream("load", p => p.AddPubSubSource(config.GetSection("Source")).AddPubSubSink(o =>
        {
            o.ProjectId = "other";
            o.TopicId = "copies";
        }));
        using var provider = services.BuildServiceProvider();

        var sinks = provider.GetRequiredService<IOptionsMonitor<PubSubSinkOptions>>();
        Assert.Equal(250, sinks.Get("ingest").MaxMessagesPerRequest);
        Assert.Equal("copies", sinks.Get("load").TopicId);
        Assert.Equal(TimeSpan.FromSeconds(30), provider.GetRequiredService<IOptionsMonitor<PubSubSourceOptions>>().Get("load").AckDeadline);

        var components = provider.GetRequiredService<IOptionsMonitor<TweetStream.PipelineComponents>>().Get("load");
        Assert.IsType<PubSubSource>(components.Source!(provider));
        var sink = Assert.IsType<ManagedSink>(Assert.Single(components.Sinks)(provider));
        Assert.IsType<PubSubSink>(sink.Inner);
        Assert.Equal(int.MaxValue, sink.MaxConcurrency);
    }

    [Theory]
    [InlineData("", "posts", 100)]
    [InlineData("my-project", "", 100)]
    [InlineData("my-project", "posts", 1001)]
    [InlineData("my-project", "goo gle", 100)]
    public void Invalid_sink_options_fail_validation(string project, string topic, int maxMessages)
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.AddPubSubSink(o =>
        {
            o.ProjectId = project;
            o.TopicId = topic;
            o.MaxMessagesPerRequest = maxMessages;
        }));
        using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<PubSubSinkOptions>>().Get("default"));
    }

    [Fact]
    public void An_extension_window_not_shorter_than_the_deadline_fails_validation()
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.AddPubSubSource(o =>
        {
            o.ProjectId = "my-project";
            o.SubscriptionId = "posts-sub";
            o.AckDeadline = TimeSpan.FromSeconds(10);
            o.AckExtensionWindow = TimeSpan.FromSeconds(10);
        }));
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<PubSubSourceOptions>>().Get("default"));
        Assert.Contains("AckExtensionWindow", ex.Message, StringComparison.Ordinal);
    }
}
