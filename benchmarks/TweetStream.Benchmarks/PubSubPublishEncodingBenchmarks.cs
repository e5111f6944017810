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
        _posts = BenchmarkPosts.Typical(BatchSize);
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
