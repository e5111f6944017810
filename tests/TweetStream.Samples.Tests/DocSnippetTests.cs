using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TweetStream.Samples.Tests.Snippets;
using TweetStream.Tests.Support;

namespace TweetStream.Samples.Tests;

/// <summary>
/// The registration fragments of docs/*.md run: the services they register build and pass start-up
/// validation. (Starting them would call Google or Mastodon, which tests never reach.)
/// </summary>
public sealed class DocSnippetTests : IDisposable
{
    private readonly TempDirectory _dir = TestPaths.CreateTempDirectory();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_BigQuery_load_pipeline_fragment_registers_a_valid_pipeline() =>
        Validate(DocSnippets.BigQueryLoadPipeline);

    [Fact]
    public void The_DLP_redaction_fragment_registers_a_valid_pipeline() =>
        Validate(DocSnippets.DlpRedaction);

    [Fact]
    public void The_Mastodon_and_Bluesky_fragment_registers_a_valid_pipeline()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TweetStream:Mastodon:Instances:0"] = "https://mastodon.example",
            ["TweetStream:Mastodon:AccessToken"] = "token",
            ["TweetStream:Mastodon:Tags:0"] = "london",
            ["TweetStream:Mastodon:StateFile"] = _dir.Combine("mastodon.json"),
            ["TweetStream:Hashing:Key"] = Convert.ToBase64String(new byte[32]),
        }).Build();
        Validate(services => DocSnippets.MastodonAndBluesky(services, config));
    }

    private static void Validate(Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        register(services);
        using var provider = services.BuildServiceProvider();

        // Throws OptionsValidationException for any invalid component options, as the host would at start.
        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.Contains(services, d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService));
    }
}
