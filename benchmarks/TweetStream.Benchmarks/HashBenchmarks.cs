using BenchmarkDotNet.Attributes;
using TweetStream.Transforms.Hashing;

namespace TweetStream.Benchmarks;

/// <summary>Keyed hashing of one handle, and of a post's author (id + handle) as HashHandles does it.</summary>
[MemoryDiagnoser]
public class HashBenchmarks
{
    private readonly HandleHasher _hasher = new(new HashingKey("k1", [.. Enumerable.Range(0, 32).Select(i => (byte)i)]));
    private readonly PostAuthor _author = new("1498765432109876543", "amelia_hughes_ldn", "Amelia Hughes");

    [Benchmark]
    public string HashHandle() => _hasher.Hash("amelia_hughes_ldn");

    [Benchmark]
    public PostAuthor HashAuthor() => HashHandles.Hash(_hasher, _author);
}
