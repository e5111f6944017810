using TweetStream.Sources.X;

namespace TweetStream.Tests.Sources.X;

/// <summary>Opt-in: talks to the real X API only when <c>X_BEARER_TOKEN</c> is set.</summary>
public sealed class XFilteredStreamLiveTests
{
    [SkippableFact]
    public async Task Live_rule_sync_and_connection_against_api_x_com()
    {
        var token = Environment.GetEnvironmentVariable("X_BEARER_TOKEN");
        Skip.If(string.IsNullOrWhiteSpace(token), "X_BEARER_TOKEN is not set: this opt-in live test syncs a rule tagged 'tweetstream-live:london' on your X app, connects to https://api.x.com and reads for up to 60 s (it uses your Post-read quota).");

        var options = new XFilteredStreamOptions { BearerToken = token, OwnedTagPrefix = "tweetstream-live:" };
        options.Rules.Add(new XStreamRuleOptions { Value = "#london -is:retweet", Tag = "london" });
        var observer = new RecordingXObserver();
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var source = new XFilteredStreamSource(options, http, TimeProvider.System, observer: observer);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        try
        {
            await foreach (var item in source.ReadAsync(cts.Token))
            {
                if (item.Post is { } post)
                {
                    Assert.StartsWith("x:", post.Id, StringComparison.Ordinal);
                    Assert.Contains("london", post.MatchedRules);
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // A quiet minute is fine as long as the connection opened.
        }

        Assert.Contains(observer.All, e => e.Kind == "connected");
    }
}
