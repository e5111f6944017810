using Microsoft.Extensions.Logging.Abstractions;
using TweetStream.Gcp.Auth;
using TweetStream.Gcp.BigQuery;
using TweetStream.Tests.Support;

namespace TweetStream.Gcp.Tests.BigQuery;

/// <summary>Opt-in: runs against real BigQuery only with TWEETSTREAM_GCP_PROJECT and Application Default Credentials.</summary>
/// <remarks>Creates dataset <c>tweetstream_live</c> (kept; tables expire partitions after a day) and a table per run.</remarks>
public sealed class BigQueryLiveTests
{
    [SkippableFact]
    public async Task Provisions_loads_streams_and_queries_against_real_BigQuery()
    {
        var project = Environment.GetEnvironmentVariable("TWEETSTREAM_GCP_PROJECT");
        var credentials = Environment.GetEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS");
        Skip.If(
            string.IsNullOrEmpty(project) || string.IsNullOrEmpty(credentials) || !File.Exists(credentials),
            "Live BigQuery test: set TWEETSTREAM_GCP_PROJECT and GOOGLE_APPLICATION_CREDENTIALS (a service account with BigQuery Data Editor and Job User) to run it.");

        var table = "live_" + Guid.NewGuid().ToString("N")[..8];
        var tokens = new ApplicationDefaultTokenSource([BigQueryApi.Scope]);
        using var http = new HttpClient();
        using var dir = TestPaths.CreateTempDirectory();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        T Options<T>(T o)
            where T : BigQueryClientOptions
        {
            o.ProjectId = project!;
            o.DatasetId = "tweetstream_live";
            o.TableId = table;
            o.Location = "EU";
            return o;
        }

        var loadOptions = Options(new BigQueryLoadSinkOptions { BufferDirectory = dir.Path, PartitionExpiration = TimeSpan.FromDays(1), JobPollInterval = TimeSpan.FromSeconds(1) });
        var loadApi = BigQueryApi.Create(loadOptions, http, tokens, TimeProvider.System);
        await using (var load = new BigQueryLoadSink(loadApi, loadOptions, new BigQueryProvisioner(loadApi, loadOptions, NullLogger.Instance), null, TimeProvider.System, NullLogger.Instance))
        {
            var loaded = new SinkBatch([.. Enumerable.Range(0, 3).Select(i => LivePost(i))]);
            await load.WriteAsync(loaded, cts.Token);
            Assert.False(loaded.HasFailures, loaded.HasFailures ? loaded.GetFailure(0)!.Reason : null);
        }

        var streamOptions = Options(new BigQueryStreamingSinkOptions());
        var streamApi = BigQueryApi.Create(streamOptions, http, tokens, TimeProvider.System);
        var stream = new BigQueryStreamingSink(streamApi, streamOptions, new BigQueryProvisioner(streamApi, streamOptions, NullLogger.Instance), null, NullLogger.Instance);
        var streamed = new SinkBatch([LivePost(10), LivePost(11)]);
        await stream.WriteAsync(streamed, cts.Token);
        Assert.False(streamed.HasFailures, streamed.HasFailures ? streamed.GetFailure(0)!.Reason : null);

        var storeOptions = Options(new BigQueryQueryStoreOptions());
        var storeApi = BigQueryApi.Create(storeOptions, http, tokens, TimeProvider.System);
        var store = new BigQueryQueryStore(storeApi, new BigQueryQueryRunner(storeApi, TimeProvider.System, TimeSpan.FromSeconds(10), 1000, null, TimeSpan.FromMinutes(2)));
        var now = TimeProvider.System.GetUtcNow();
        var page = await store.QueryAsync(new PostQuery(now.AddHours(-2), now.AddHours(1), 1, 10), cts.Token);
        Assert.Equal(5, page.TotalCount);
    }

    private static Post LivePost(int n) => new()
    {
        Id = "live:" + n,
        Source = "live",
        CreatedAt = TimeProvider.System.GetUtcNow().AddMinutes(-n),
        ReceivedAt = TimeProvider.System.GetUtcNow(),
        Text = "live test " + n,
        Author = new PostAuthor("k1:a", "k1:b") { IsHashed = true },
        Hashtags = ["london"],
    };
}
