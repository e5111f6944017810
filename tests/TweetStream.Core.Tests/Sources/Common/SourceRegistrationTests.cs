using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TweetStream.Sources.Bluesky;
using TweetStream.Sources.Common;
using TweetStream.Sources.Mastodon;

namespace TweetStream.Tests.Sources.Common;

public sealed class SourceRegistrationTests
{
    [Fact]
    public void Mastodon_and_Bluesky_registered_in_one_pipeline_read_as_one_composite_source()
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p
            .AddMastodonHashtagSource(o =>
            {
                o.Instances.Add(new Uri("https://mastodon.example"));
                o.Tags.Add("london");
                o.AccessToken = "token";
            })
            .AddBlueskyJetstreamSource(o => o.Hashtags.Add("london")));
        using var provider = services.BuildServiceProvider();

        var source = BuildSource(provider);

        var composite = Assert.IsType<CompositeSource>(source);
        Assert.Equal("mastodon+bluesky", composite.Name);
        Assert.Equal(SourceDelivery.Push, composite.Delivery);
        Assert.IsType<MastodonHashtagSource>(composite.Children[0]);
        Assert.IsType<BlueskyJetstreamSource>(composite.Children[1]);
    }

    [Fact]
    public void Options_bind_from_configuration()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mastodon:Instances:0"] = "https://a.example",
            ["Mastodon:Instances:1"] = "https://b.example",
            ["Mastodon:Tags:0"] = "london",
            ["Mastodon:AccessToken"] = "t",
            ["Mastodon:Transport"] = "WebSocket",
            ["Bluesky:Hashtags:0"] = "london",
            ["Bluesky:Endpoints:0"] = "ws://127.0.0.1:1/subscribe",
            ["Bluesky:ResumeSafetyMargin"] = "00:00:10",
        }).Build();
        var services = new ServiceCollection();
        services.AddTweetStream("p", p => p.AddMastodonHashtagSource(config.GetSection("Mastodon")).AddBlueskyJetstreamSource(config.GetSection("Bluesky")));
        using var provider = services.BuildServiceProvider();

        var mastodon = provider.GetRequiredService<IOptionsMonitor<MastodonHashtagSourceOptions>>().Get("p");
        var bluesky = provider.GetRequiredService<IOptionsMonitor<BlueskyJetstreamSourceOptions>>().Get("p");

        Assert.Equal(2, mastodon.Instances.Count);
        Assert.Equal(MastodonStreamingTransport.WebSocket, mastodon.Transport);
        Assert.Equal([new Uri("ws://127.0.0.1:1/subscribe")], bluesky.Endpoints);
        Assert.Equal(TimeSpan.FromSeconds(10), bluesky.ResumeSafetyMargin);
    }

    [Fact]
    public void Mastodon_options_without_token_instances_or_tags_fail_validation_naming_them()
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.AddMastodonHashtagSource());
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() =>
            provider.GetRequiredService<IOptionsMonitor<MastodonHashtagSourceOptions>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName));

        Assert.Contains(error.Failures, f => f.Contains("AccessToken", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Instances", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Tags", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ftp://mastodon.example")]
    [InlineData("https://mastodon.example", 41)]
    public void Mastodon_options_reject_bad_values(string instance, int pageSize = 40)
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.AddMastodonHashtagSource(o =>
        {
            o.Instances.Add(new Uri(instance));
            o.Tags.Add("london");
            o.AccessToken = "t";
            o.CatchUpPageSize = pageSize;
        }));
        using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() =>
            provider.GetRequiredService<IOptionsMonitor<MastodonHashtagSourceOptions>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName));
    }

    [Theory]
    [InlineData(-1, 60, "ReconcileMaxStatuses")]
    [InlineData(10_001, 60, "ReconcileMaxStatuses")]
    [InlineData(100, 0, "ReconcileMaxAge")]
    [InlineData(100, 31 * 24 * 60, "ReconcileMaxAge")]
    [InlineData(0, 60, null)]
    public void Mastodon_reconciliation_bounds_are_validated(int maxStatuses, int maxAgeMinutes, string? failing)
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.AddMastodonHashtagSource(o =>
        {
            o.Instances.Add(new Uri("https://mastodon.example"));
            o.Tags.Add("london");
            o.AccessToken = "t";
            o.ReconcileMaxStatuses = maxStatuses;
            o.ReconcileMaxAge = TimeSpan.FromMinutes(maxAgeMinutes);
        }));
        using var provider = services.BuildServiceProvider();
        MastodonHashtagSourceOptions Get() =>
            provider.GetRequiredService<IOptionsMonitor<MastodonHashtagSourceOptions>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName);

        if (failing is null)
        {
            Assert.Equal(0, Get().ReconcileMaxStatuses);
            return;
        }

        var error = Assert.Throws<OptionsValidationException>(Get);
        Assert.Contains(error.Failures, f => f.Contains(failing, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false, "https://jetstream.example/subscribe")]
    [InlineData(true, "ftp://jetstream.example/subscribe")]
    [InlineData(true, null)]
    public void Bluesky_options_need_hashtags_and_websocket_endpoints(bool withTag, string? endpoint)
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.AddBlueskyJetstreamSource(o =>
        {
            if (withTag)
            {
                o.Hashtags.Add("london");
            }

            if (endpoint is not null)
            {
                o.Endpoints.Add(new Uri(endpoint));
            }
            else
            {
                o.ResumeSafetyMargin = TimeSpan.FromHours(2);
            }
        }));
        using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() =>
            provider.GetRequiredService<IOptionsMonitor<BlueskyJetstreamSourceOptions>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName));
    }

    [Fact]
    public void Valid_Bluesky_options_with_default_endpoints_pass()
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.AddBlueskyJetstreamSource(o => o.Hashtags.Add("london")));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<BlueskyJetstreamSourceOptions>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName);

        Assert.Empty(options.Endpoints);
        Assert.Equal(4, BlueskyJetstreamSourceOptions.PublicEndpoints.Count);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ResumeSafetyMargin);
    }

    private static ITweetSource BuildSource(IServiceProvider provider) =>
        provider.GetRequiredService<IOptionsMonitor<PipelineComponents>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName).Source!(provider);
}
