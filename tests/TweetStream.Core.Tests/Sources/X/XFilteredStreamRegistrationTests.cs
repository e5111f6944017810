using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TweetStream.Sources.X;

namespace TweetStream.Tests.Sources.X;

public sealed class XFilteredStreamRegistrationTests
{
    private static ServiceProvider Build(Action<ITweetStreamBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddTweetStream(configure);
        return services.BuildServiceProvider();
    }

    private static XFilteredStreamOptions Options(ServiceProvider sp) =>
        sp.GetRequiredService<IOptionsMonitor<XFilteredStreamOptions>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName);

    private static string Failure(Action<XFilteredStreamOptions> configure)
    {
        using var sp = Build(p => p.AddXFilteredStream(configure));
        return Assert.Throws<OptionsValidationException>(() => Options(sp)).Message;
    }

    private static void Valid(XFilteredStreamOptions o)
    {
        o.BearerToken = "token";
        o.Rules.Add(new XStreamRuleOptions { Value = "#london -is:retweet", Tag = "london" });
    }

    [Fact]
    public void Registers_a_push_source_for_the_pipeline()
    {
        using var sp = Build(p => p.AddXFilteredStream(Valid));
        var components = sp.GetRequiredService<IOptionsMonitor<PipelineComponents>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName);
        var source = components.Source!(sp);
        Assert.IsType<XFilteredStreamSource>(source);
        Assert.Equal(SourceDelivery.Push, source.Delivery);
        Assert.Equal(new Uri("https://api.x.com"), Options(sp).BaseAddress);
    }

    [Fact]
    public async Task Host_start_fails_on_invalid_options_before_any_connection()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddTweetStream(p => p.AddXFilteredStream(o => o.Rules.Add(new() { Value = "#london", Tag = "london" })));
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("BearerToken", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_token_is_required() =>
        Assert.Contains("BearerToken", Failure(o => o.Rules.Add(new() { Value = "#london", Tag = "london" })), StringComparison.Ordinal);

    [Fact]
    public void At_least_one_rule_is_required() =>
        Assert.Contains("Rules is empty", Failure(o => o.BearerToken = "token"), StringComparison.Ordinal);

    [Fact]
    public void Rules_longer_than_1024_characters_are_rejected()
    {
        Assert.Contains("1 to 1024", Failure(o =>
        {
            o.BearerToken = "token";
            o.Rules.Add(new() { Value = new string('a', 1025), Tag = "long" });
        }), StringComparison.Ordinal);

        using var sp = Build(p => p.AddXFilteredStream(o =>
        {
            o.BearerToken = "token";
            o.Rules.Add(new() { Value = new string('a', 1024), Tag = "long" });
        }));
        Assert.NotNull(Options(sp));
    }

    [Fact]
    public void Rules_need_a_value_and_a_unique_tag()
    {
        Assert.Contains("Tag", Failure(o =>
        {
            o.BearerToken = "token";
            o.Rules.Add(new() { Value = "#london" });
        }), StringComparison.Ordinal);
        Assert.Contains("used twice", Failure(o =>
        {
            Valid(o);
            o.Rules.Add(new() { Value = "#ldn", Tag = "london" });
        }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(6)]
    public void Backfill_is_0_to_5_minutes(int minutes) =>
        Assert.Contains("BackfillMinutes", Failure(o =>
        {
            Valid(o);
            o.BackfillMinutes = minutes;
        }), StringComparison.Ordinal);

    [Fact]
    public void Binds_from_configuration_including_the_rules()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TweetStream:X:BearerToken"] = "from-config",
            ["TweetStream:X:Rules:0:Value"] = "#london -is:retweet",
            ["TweetStream:X:Rules:0:Tag"] = "london",
            ["TweetStream:X:BaseAddress"] = "http://127.0.0.1:5555",
            ["TweetStream:X:StallTimeout"] = "00:00:30",
        }).Build();

        using var fromSection = Build(p => p.AddXFilteredStream(configuration.GetSection("TweetStream:X")));
        var o = Options(fromSection);
        Assert.Equal("from-config", o.BearerToken);
        Assert.Equal("london", Assert.Single(o.Rules).Tag);
        Assert.Equal(TimeSpan.FromSeconds(30), o.StallTimeout);

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddTweetStream(p => p.AddXFilteredStream());
        using var sp = services.BuildServiceProvider();
        Assert.Equal(new Uri("http://127.0.0.1:5555"), Options(sp).BaseAddress);
    }
}
