using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Gcp.BigQuery;
using TweetStream.Gcp.Rest;
using TweetStream.Tests.Support;

namespace TweetStream.Gcp.Tests.Support;

/// <summary>Builds BigQuery clients, sinks and the store against a <see cref="BigQueryTestServer"/>.</summary>
internal static class BigQueryTestKit
{
    public const string Project = "test-project";
    public const string Dataset = "tweets";
    public const string TableName = "posts";

    /// <summary>"Today" for the server's streaming bounds and for post timestamps.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public static T Configure<T>(T options, BigQueryTestServer server)
        where T : BigQueryClientOptions
    {
        options.ProjectId = Project;
        options.DatasetId = Dataset;
        options.TableId = TableName;
        options.Location = "EU";
        options.BaseAddress = server.BaseAddress;
        return options;
    }

    public static BigQueryApi Api(BigQueryTestServer server, BigQueryClientOptions options, TimeProvider? time = null) =>
        BigQueryApi.Create(options, new HttpClient(), new FakeTokenSource(), time ?? TimeProvider.System, new BigQueryRetryPolicy(TimeSpan.FromMilliseconds(1)));

    public static BigQueryProvisioner Provisioner(BigQueryTestServer server, BigQueryTableOptions options) =>
        new(Api(server, options), options, NullLogger.Instance);

    public static BigQueryStreamingSink StreamingSink(BigQueryTestServer server, BigQueryStreamingSinkOptions? options = null)
    {
        options ??= Configure(new BigQueryStreamingSinkOptions(), server);
        var api = Api(server, options);
        return new BigQueryStreamingSink(api, options, new BigQueryProvisioner(api, options, NullLogger.Instance), new BigQueryDeleter(api, Runner(api), NullLogger.Instance), NullLogger.Instance);
    }

    public static BigQueryLoadSink LoadSink(BigQueryTestServer server, BigQueryLoadSinkOptions options, FakeTimeProvider time)
    {
        var api = Api(server, options, time);
        return new BigQueryLoadSink(api, options, new BigQueryProvisioner(api, options, NullLogger.Instance), new BigQueryDeleter(api, Runner(api), NullLogger.Instance), time, NullLogger.Instance);
    }

    public static BigQueryQueryStore Store(BigQueryTestServer server, int maxResults = 1000, int maxPageSize = 500)
    {
        var options = Configure(new BigQueryQueryStoreOptions(), server);
        var api = Api(server, options);
        return new BigQueryQueryStore(api, new BigQueryQueryRunner(api, TimeProvider.System, TimeSpan.FromSeconds(1), maxResults, null, Patience.SafetyNet), maxPageSize);
    }

    // The query deadline is on the real clock here, so it is only the shared safety net: no test checks it.
    public static BigQueryQueryRunner Runner(BigQueryApi api) => new(api, TimeProvider.System, TimeSpan.FromSeconds(1), 1000, null, Patience.SafetyNet);

    /// <summary>A post as it reaches a sink: hashed author, redaction types, created <paramref name="n"/> minutes before <see cref="Now"/> unless given.</summary>
    public static Post Post(int n, DateTimeOffset? createdAt = null, string text = "", string[]? pii = null) => new()
    {
        Id = "x:" + n,
        Source = "x",
        CreatedAt = createdAt ?? Now.AddMinutes(-n),
        ReceivedAt = Now,
        Text = text.Length > 0 ? text : $"post {n} by the river #london [EMAIL]",
        Author = new PostAuthor("k1:id" + n, "k1:handle" + (n % 7)) { IsHashed = true },
        Language = n % 2 == 0 ? "en" : "fr",
        Hashtags = ["london"],
        MatchedRules = ["london"],
        Url = "https://x.com/i/web/status/" + n,
        PiiTypes = pii ?? ["EMAIL"],
    };

    public static string TableKey => $"{Project}:{Dataset}.{TableName}";
}
