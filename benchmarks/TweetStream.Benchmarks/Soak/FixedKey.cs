using TweetStream.Transforms.Hashing;

namespace TweetStream.Benchmarks.Soak;

/// <summary>A hashing key given in code: the benchmarks and the soak run build their transforms without a host.</summary>
internal sealed class FixedKey(HashingKey key) : IHashingKeyProvider
{
    public HashingKey Key => key;
}
