using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Tests.Support;
using Xunit.Abstractions;
using static TweetStream.Gcp.Tests.Support.DlpTestKit;

namespace TweetStream.Gcp.Tests.Dlp;

/// <summary>Measures requests and bytes per post on the bundled #london sample (2,500 synthetic posts) with the double.</summary>
public sealed class DlpRequestBudgetTests(ITestOutputHelper output) : IAsyncLifetime
{
    private DlpTestServer _server = null!;

    public async Task InitializeAsync() => _server = await DlpTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(500)]
    [InlineData(100)]
    public async Task The_sample_needs_one_request_per_pipeline_batch(int batchSize)
    {
        var sample = Path.Combine(TestPaths.RepositoryRoot, "samples", "data", "london.ndjson.gz");
        using var source = new TweetStream.Sources.Replay.ReplaySource(new ReplayOptions { Path = sample }, TimeProvider.System);
        using var transform = Transform(_server, Options(_server));
        var sink = new CollectingSink();

        // A still clock for the pipeline: batches close when full or at the end of the file, never part-way because
        // a busy machine let the batch delay run out, so the request count measures the transform, not the machine.
        var stats = await CreatePipeline(source, transform, sink, batchSize: batchSize, time: new FakeTimeProvider()).RunAsync(CancellationToken.None);

        var requests = _server.DeidentifyRequests.ToList();
        var posts = sink.Committed.Count;
        // What DLP bills: the bytes of the values sent (mentions already hashed), not the JSON around them.
        var textBytes = requests.Sum(r => r.Body!.Value.GetProperty("item").GetProperty("table").GetProperty("rows").EnumerateArray()
            .Sum(row => (long)Encoding.UTF8.GetByteCount(row.GetProperty("values")[0].GetProperty("stringValue").GetString()!)));
        var perThousand = requests.Count * 1000.0 / posts;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"batch {batchSize}: {posts} posts, {stats.Batches} batches, {requests.Count} requests = {perThousand:F2} per 1,000 posts; " +
            $"request JSON {requests.Sum(r => (long)r.BodyBytes) / (double)posts:F0} B/post, content sent {textBytes / (double)posts:F0} B/post"));

        Assert.True(posts > 2000);
        Assert.All(requests, r => Assert.Equal(200, r.StatusCode));
        Assert.Equal(0, transform.FallbackPosts);
        Assert.InRange(requests.Count, 1, stats.Batches); // never more than one request per batch at these sizes
        Assert.True(perThousand <= Math.Ceiling(1000.0 / batchSize) + 1);
    }
}
