namespace TweetStream.Sources.Synthetic;

/// <summary>
/// SplitMix64: a tiny PRNG whose sequence is fixed by its definition, so a seed produces byte-identical
/// output on every runtime version (System.Random makes no such promise). Not for anything secret.
/// </summary>
internal sealed class SyntheticRandom(long seed)
{
    private ulong _state = unchecked((ulong)seed);

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [0, max).</summary>
    public int Next(int max) => max <= 1 ? 0 : (int)(NextUInt64() % (ulong)max);

    /// <summary>A value in [min, max).</summary>
    public int Next(int min, int max) => min + Next(max - min);

    /// <summary>A value in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    public char Digit() => (char)('0' + Next(10));
}
