using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TweetStream.Gcp.Auth;
using TweetStream.Gcp.Dlp;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Gcp.Tests.Dlp;

public sealed class DlpRegistrationTests : IAsyncLifetime
{
    private const string Key = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

    private DlpTestServer _server = null!;

    public async Task InitializeAsync() => _server = await DlpTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static ServiceProvider Build(Action<ITweetStreamBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddKeyedSingleton<IGoogleAccessTokenSource>(DlpClientFactory.TokenSourceKey, new FakeTokenSource());
        services.AddTweetStream(p => configure(p.AddHashHandles(o => o.Key = Key)));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(DlpStartupCheck));
        return services.BuildServiceProvider();
    }

    private static DlpStartupCheck StartupCheck(ServiceProvider provider) => ActivatorUtilities.CreateInstance<DlpStartupCheck>(provider);

    [Fact]
    public async Task Configuration_binds_the_options_and_the_transform_joins_the_pipeline()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dlp:ProjectId"] = "my-project",
            ["Dlp:Location"] = "europe-west2",
            ["Dlp:BaseAddress"] = _server.BaseAddress.AbsoluteUri,
            ["Dlp:InfoTypes:0"] = "EMAIL_ADDRESS",
            ["Dlp:MinLikelihood"] = "LIKELY",
            ["Dlp:OnFailure"] = "Hold",
            ["Dlp:Replacement"] = "InfoTypeNames",
        }).Build();
        await using var provider = Build(p => p.AddDlpRedaction(config.GetSection("Dlp")));

        var options = provider.GetRequiredService<IOptionsMonitor<DlpRedactionOptions>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName);
        Assert.Equal(["EMAIL_ADDRESS"], options.InfoTypes);
        Assert.Equal(DlpFailurePolicy.Hold, options.OnFailure);
        Assert.Equal(DlpReplacementStyle.InfoTypeNames, options.Replacement);

        var check = StartupCheck(provider);
        await check.StartAsync(CancellationToken.None);
        var probe = Assert.Single(_server.DeidentifyRequests);
        Assert.Equal(200, probe.StatusCode);
        Assert.EndsWith("/v2/projects/my-project/locations/europe-west2/content:deidentify", probe.Path, StringComparison.Ordinal);
        Assert.Equal("LIKELY", probe.Body!.Value.GetProperty("inspectConfig").GetProperty("minLikelihood").GetString());
    }

    [Fact]
    public async Task Start_up_fails_with_DLPs_message_when_the_configuration_is_rejected()
    {
        await using var provider = Build(p => p.AddDlpRedaction(o =>
        {
            o.ProjectId = "my-project";
            o.BaseAddress = _server.BaseAddress;
            o.InfoTypes = ["UK_POSTCODE_DISTRICT"];
        }));

        var check = StartupCheck(provider);
        var error = await Assert.ThrowsAsync<DlpConfigurationException>(() => check.StartAsync(CancellationToken.None));

        Assert.Contains("Invalid built-in info type name \"UK_POSTCODE_DISTRICT\"", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "global", "email_address")]
    [InlineData("my-project", "Europe West", null)]
    [InlineData("my-project", "global", "email_address")]
    public async Task Invalid_options_fail_at_start(string project, string location, string? infoType)
    {
        await using var provider = Build(p => p.AddDlpRedaction(o =>
        {
            o.ProjectId = project;
            o.Location = location;
            if (infoType is not null)
            {
                o.InfoTypes = [infoType];
            }
        }));

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<DlpRedactionOptions>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName));
    }

    [Fact]
    public async Task A_regional_endpoint_needs_a_region()
    {
        await using var provider = Build(p => p.AddDlpRedaction(o =>
        {
            o.ProjectId = "my-project";
            o.UseRegionalEndpoint = true;
        }));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<DlpRedactionOptions>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName));
        Assert.Contains("UseRegionalEndpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_committed_fixture_holds_every_schema_a_request_needs()
    {
        var fixture = DiscoverySchemas.FromFile(Path.Combine(AppContext.BaseDirectory, "Fixtures", "dlp-v2.schemas.json"));
        var encoder = new DlpRequestEncoder(new DlpRedactionOptions { ProjectId = "p1" });
        using var good = JsonDocument.Parse(encoder.Encode([DlpRequestEncoder.EncodeText("hello")]));
        using var bad = JsonDocument.Parse("""{"item":{"table":{"rows":[{"values":[{"stringValu":"x"}]}]}}}""");
        using var badEnum = JsonDocument.Parse("""{"inspectConfig":{"minLikelihood":"SOMEWHAT"}}""");

        Assert.Null(fixture.Validate("GooglePrivacyDlpV2DeidentifyContentRequest", good.RootElement));
        Assert.Contains("stringValu", fixture.Validate("GooglePrivacyDlpV2DeidentifyContentRequest", bad.RootElement), StringComparison.Ordinal);
        Assert.Contains("enum", fixture.Validate("GooglePrivacyDlpV2DeidentifyContentRequest", badEnum.RootElement), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void The_fixture_agrees_with_the_shared_discovery_document()
    {
        var shared = TestPaths.RequireSharedReference("gcp", "dlp-v2.discovery.json");
        using var discovery = JsonDocument.Parse(File.ReadAllBytes(shared));
        using var fixture = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "dlp-v2.schemas.json")));
        var schemas = discovery.RootElement.GetProperty("schemas");
        foreach (var schema in fixture.RootElement.GetProperty("schemas").EnumerateObject())
        {
            var real = schemas.GetProperty(schema.Name);
            var realFields = real.TryGetProperty("properties", out var p) ? p.EnumerateObject().Select(f => f.Name).Order(StringComparer.Ordinal).ToList() : [];
            var ourFields = schema.Value.TryGetProperty("properties", out var q) ? q.EnumerateObject().Select(f => f.Name).Order(StringComparer.Ordinal).ToList() : [];
            Assert.Equal(realFields, ourFields);
        }
    }
}
