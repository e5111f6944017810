using BenchmarkDotNet.Attributes;
using TweetStream.Gcp.PubSub;

namespace TweetStream.Benchmarks;

/// <summary>
/// Encoding a pipeline batch into Pub/Sub publish request bodies (post JSON → base64 data, attributes, split within
/// limits). Figures are per message (OperationsPerInvoke = batch size): Mean gives messages/s, Allocated bytes/message.
/// </summary>
[MemoryDiagnoser]
public class PubSubPublishEncodingBenchmarks
{
    private const int BatchSize = 500;

    private Post[] _posts = [];
    private PublishRequestEncoder _encoder = null!;
    private readonly List<(int Index, int Bytes)> _oversized = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _posts = [.. Enumerable.Range(0, BatchSize).Select(i => new Post
        {
            Id = "x:" + (1_860_000_000_000_000_000L + i),
            Source = "x",
            CreatedAt = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero).AddMilliseconds(i * 7),
            ReceivedAt = new DateTimeOffset(2026, 11, 26, 10, 0, 1, TimeSpan.Zero),
            Text = "Walking along the South Bank this morning, the light on the Thames is unreal #london " + new string('x', random.Next(0, 140)),
            Author = new PostAuthor("k1:2f1c0d9e6b7a8c5d4e3f2a1b0c9d8e7f", "k1:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d") { IsHashed = true },
            Language = "en",
            Hashtags = ["london"],
            MatchedRules = ["london"],
            Url = "https://x.com/i/web/status/" + (1_860_000_000_000_000_000L + i),
        })];
        _encoder = new PublishRequestEncoder(1000, 5_000_000, orderingKey: null);
    }

    [GlobalCleanup]
    public void Cleanup() => _encoder.Dispose();

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int EncodeBatch()
    {
        _oversized.Clear();
        var requests = _encoder.Encode(_posts, _oversized);
        return requests.Count;
    }
}
