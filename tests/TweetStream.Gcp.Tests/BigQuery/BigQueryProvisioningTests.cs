using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Gcp.Auth;
using TweetStream.Gcp.BigQuery;
using TweetStream.Gcp.Tests.Support;
using static TweetStream.Gcp.Tests.Support.BigQueryTestKit;

namespace TweetStream.Gcp.Tests.BigQuery;

public sealed class BigQueryProvisioningTests : IAsyncLifetime
{
    private BigQueryTestServer _server = null!;

    public async Task InitializeAsync() => _server = await BigQueryTestServer.StartAsync(new FakeTimeProvider(Now));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Provisioning_is_idempotent_and_creates_the_partitioning_and_clustering_asked_for()
    {
        var options = Configure(new BigQueryStreamingSinkOptions { PartitionExpiration = TimeSpan.FromDays(90), ClusteringFields = "source, lang", RequirePartitionFilter = true }, _server);

        await Provisioner(_server, options).EnsureAsync(CancellationToken.None);
        await Provisioner(_server, options).EnsureAsync(CancellationToken.None); // a second process, same table

        Assert.Equal(1, _server.Count("datasets.insert"));
        Assert.Equal(1, _server.Count("tables.insert"));
        Assert.Equal(0, _server.Count("tables.patch"));
        var table = _server.Table(Project, Dataset, TableName)!.Resource;
        Assert.Equal("DAY", table["timePartitioning"]!["type"]!.GetValue<string>());
        Assert.Equal("created_at", table["timePartitioning"]!["field"]!.GetValue<string>());
        Assert.Equal("7776000000", table["timePartitioning"]!["expirationMs"]!.GetValue<string>()); // int64 as a string
        Assert.Equal(["source", "lang"], table["clustering"]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.True(table["requirePartitionFilter"]!.GetValue<bool>());
        Assert.Null(table["timePartitioning"]!["requirePartitionFilter"]); // the deprecated copy is not used
        Assert.Equal(
            ["id", "source", "created_at", "received_at", "author_hash", "text", "lang", "hashtags", "matched_rules", "url", "pii_types", "deleted", "deleted_at"],
            table["schema"]!["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
        Assert.Equal("EU", _server.Requests.Single(r => r.Operation == "datasets.insert").Body!.Value.GetProperty("location").GetString());
    }

    [Fact]
    public async Task Emulator_mode_uses_plain_http_without_credentials()
    {
        var options = Configure(new BigQueryStreamingSinkOptions(), _server);
        options.EmulatorHost = _server.BaseAddress.Authority;
        options.BaseAddress = new Uri("https://bigquery.googleapis.com/bigquery/v2/"); // ignored in emulator mode

        await Provisioner(_server, options).EnsureAsync(CancellationToken.None);
        await Provisioner(_server, Configure(new BigQueryStreamingSinkOptions(), _server)).EnsureAsync(CancellationToken.None);

        var requests = _server.Requests.ToList();
        Assert.True(requests.Count >= 4);
        Assert.All(requests.Take(requests.Count - 1), r => Assert.Null(r.Authorization));
        Assert.Equal("Bearer test-token", requests[^1].Authorization);
    }

    [Fact]
    public async Task Concurrent_callers_share_one_provisioning()
    {
        var provisioner = Provisioner(_server, Configure(new BigQueryStreamingSinkOptions(), _server));

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => provisioner.EnsureAsync(CancellationToken.None)));

        Assert.Equal(1, _server.Count("tables.get"));
        Assert.Equal(1, _server.Count("tables.insert"));
    }

    [Fact]
    public async Task A_missing_nullable_column_is_added_to_an_existing_table()
    {
        _server.CreateTable(Project, Dataset, TableName, OldSchemaTable(createdAtType: "TIMESTAMP"));

        await Provisioner(_server, Configure(new BigQueryStreamingSinkOptions(), _server)).EnsureAsync(CancellationToken.None);

        Assert.Equal(1, _server.Count("tables.patch"));
        var names = _server.Table(Project, Dataset, TableName)!.Fields.Select(f => f!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["id", "source", "created_at", "text", "pii_types", "deleted", "deleted_at", "received_at", "author_hash", "lang", "hashtags", "matched_rules", "url"], names);

        // Rows with the new columns now insert.
        var sink = StreamingSink(_server);
        var batch = new SinkBatch([Post(1)]);
        await sink.WriteAsync(batch, CancellationToken.None);
        Assert.False(batch.HasFailures);
    }

    [Fact]
    public async Task An_incompatible_existing_table_fails_with_a_message_naming_the_column()
    {
        _server.CreateTable(Project, Dataset, TableName, OldSchemaTable(createdAtType: "STRING"));

        var ex = await Assert.ThrowsAsync<IncompatibleTableException>(() => Provisioner(_server, Configure(new BigQueryStreamingSinkOptions(), _server)).EnsureAsync(CancellationToken.None));

        Assert.Contains("'created_at' is STRING NULLABLE, expected TIMESTAMP REQUIRED", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, _server.Count("tables.patch"));
    }

    [Fact]
    public async Task An_incompatible_table_fails_host_start_up_and_the_sink_reports_it_as_permanent()
    {
        _server.CreateTable(Project, Dataset, TableName, """{"schema":{"fields":[{"name":"id","type":"STRING","mode":"REQUIRED"},{"name":"source","type":"STRING","mode":"REQUIRED"},{"name":"created_at","type":"TIMESTAMP","mode":"REQUIRED"}]}}""");
        var services = new ServiceCollection();
        services.AddKeyedSingleton<IGoogleAccessTokenSource>(BigQueryApi.TokenSourceKey, new FakeTokenSource());
        services.AddTweetStream(b => b.AddBigQueryStreamingSink(o => Configure(o, _server)));
        var hosted = services.Where(d => d.ServiceType == typeof(IHostedService)).ToList();
        Assert.Equal(typeof(BigQueryStartupCheck), hosted[0].ImplementationType); // starts before the pipelines do
        Assert.True(hosted.Count >= 2);
        using var provider = services.BuildServiceProvider();

        var startup = ActivatorUtilities.CreateInstance<BigQueryStartupCheck>(provider);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => startup.StartAsync(CancellationToken.None));
        Assert.Contains("DAY-partitioned on created_at", ex.Message, StringComparison.Ordinal);

        var sink = StreamingSink(_server);
        await Assert.ThrowsAsync<PermanentSinkException>(async () => await sink.WriteAsync(new SinkBatch([Post(1)]), CancellationToken.None));
    }

    [Fact]
    public void Registration_offers_the_option_triad_and_validates_options_at_start()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ProjectId"] = "my-project",
            ["DatasetId"] = "tweets",
            ["ClusteringFields"] = "source,hashtags",
        }).Build();
        using var bad = Services(b => b.AddBigQueryLoadSink(config));
        var error = Assert.Throws<OptionsValidationException>(() => bad.GetRequiredService<IOptionsMonitor<BigQueryLoadSinkOptions>>().Get("default"));
        Assert.Contains("ClusteringFields", error.Message, StringComparison.Ordinal);

        using var tooBig = Services(b => b.AddBigQueryStreamingSink(o =>
        {
            o.ProjectId = "my-project";
            o.DatasetId = "tweets";
            o.MaxRequestBytes = 10_485_761;
        }));
        Assert.Contains("MaxRequestBytes", Assert.Throws<OptionsValidationException>(() => tooBig.GetRequiredService<IOptionsMonitor<BigQueryStreamingSinkOptions>>().Get("default")).Message, StringComparison.Ordinal);

        using var missing = Services(b => b.AddBigQueryStreamingSink());
        Assert.Contains("ProjectId", Assert.Throws<OptionsValidationException>(() => missing.GetRequiredService<IOptionsMonitor<BigQueryStreamingSinkOptions>>().Get("default")).Message, StringComparison.Ordinal);

        using var store = Services(b => b.AddBigQueryQueryStore(o =>
        {
            o.ProjectId = "my-project";
            o.DatasetId = "tweets";
        }));
        Assert.IsType<BigQueryQueryStore>(store.GetRequiredService<IPostStore>());
        using var badStore = Services(b => b.AddBigQueryQueryStore(o =>
        {
            o.ProjectId = "my-project";
            o.DatasetId = "tweets";
            o.MaxResultsPerPage = 0;
        }));
        Assert.Throws<OptionsValidationException>(() => badStore.GetRequiredService<IOptionsMonitor<BigQueryQueryStoreOptions>>().Get("default"));
    }

    private static ServiceProvider Services(Action<ITweetStreamBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddKeyedSingleton<IGoogleAccessTokenSource>(BigQueryApi.TokenSourceKey, new FakeTokenSource());
        services.AddTweetStream(configure);
        return services.BuildServiceProvider();
    }

    /// <summary>A table an earlier version made: no received_at, author_hash, lang, hashtags, matched_rules, url.</summary>
    private static string OldSchemaTable(string createdAtType) => """
        {"schema":{"fields":[
          {"name":"id","type":"STRING","mode":"REQUIRED"},
          {"name":"source","type":"STRING","mode":"REQUIRED"},
          {"name":"created_at","type":"CREATED_TYPE","mode":"CREATED_MODE"},
          {"name":"text","type":"STRING"},
          {"name":"pii_types","type":"STRING","mode":"REPEATED"},
          {"name":"deleted","type":"BOOLEAN"},
          {"name":"deleted_at","type":"TIMESTAMP"}]},
         "timePartitioning":{"type":"DAY","field":"created_at"}}
        """.Replace("CREATED_TYPE", createdAtType, StringComparison.Ordinal).Replace("CREATED_MODE", createdAtType == "TIMESTAMP" ? "REQUIRED" : "NULLABLE", StringComparison.Ordinal);
}
