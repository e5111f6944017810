using Microsoft.Extensions.Logging.Abstractions;
using TweetStream.Gcp.Auth;
using TweetStream.Gcp.Dlp;
using static TweetStream.Gcp.Tests.Support.DlpTestKit;

namespace TweetStream.Gcp.Tests.Dlp;

/// <summary>Opt-in: runs against real Cloud DLP only with TWEETSTREAM_GCP_PROJECT and Application Default Credentials.</summary>
public sealed class DlpLiveTests
{
    [SkippableFact]
    public async Task Deidentifies_a_batch_against_real_Cloud_DLP()
    {
        var project = Environment.GetEnvironmentVariable("TWEETSTREAM_GCP_PROJECT");
        var credentials = Environment.GetEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS");
        Skip.If(
            string.IsNullOrEmpty(project) || string.IsNullOrEmpty(credentials) || !File.Exists(credentials),
            "Live DLP test: set TWEETSTREAM_GCP_PROJECT and GOOGLE_APPLICATION_CREDENTIALS (a service account key with roles/dlp.user) to run it.");

        var options = new DlpRedactionOptions { ProjectId = project!, Location = "europe-west2", OnFailure = DlpFailurePolicy.Hold };
        using var http = new HttpClient();
        using var transform = new DlpRedactionTransform(
            DlpClientFactory.Create(options, http, new ApplicationDefaultTokenSource([DlpClientFactory.Scope]), TimeProvider.System),
            options,
            Key,
            TimeProvider.System,
            NullLogger.Instance);
        await transform.EnsureValidatedAsync(CancellationToken.None);

        var result = await ApplyAsync(transform, [Post(1, "write to test.person@example.com today"), Post(2, "nothing to see here"), Post(3, "office at SW1A 1AA")]);

        Assert.Equal("write to [EMAIL] today", result[0].Text);
        Assert.Equal(["EMAIL"], result[0].PiiTypes);
        Assert.Equal("nothing to see here", result[1].Text);
        Assert.Contains("[POSTCODE]", result[2].Text, StringComparison.Ordinal);
        Assert.Equal(0, transform.FallbackPosts);
    }
}
