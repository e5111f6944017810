namespace TweetStream.Sources.X;

/// <summary>
/// A tiny direct-mapped cache from short UTF-8 values to strings, so values that repeat on almost every
/// line (rule tags, language codes, common hashtags) are not allocated again per post.
/// </summary>
/// <remarks>Per thread: the parser runs on the source's reader thread and needs no locking.</remarks>
internal sealed class Utf8StringCache
{
    private const int Size = 128;
    private const int MaxLength = 48;

    [ThreadStatic]
    private static Utf8StringCache? t_current;

    private readonly byte[]?[] _keys = new byte[Size][];
    private readonly string?[] _values = new string[Size];

    public static Utf8StringCache Current => t_current ??= new Utf8StringCache();

    /// <summary>Returns the string for <paramref name="utf8"/> (unescaped, valid UTF-8).</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength)
        {
            return System.Text.Encoding.UTF8.GetString(utf8);
        }

        var slot = Hash(utf8) & (Size - 1);
        if (_keys[slot] is { } key && utf8.SequenceEqual(key))
        {
            return _values[slot]!;
        }

        var value = System.Text.Encoding.UTF8.GetString(utf8);
        _keys[slot] = utf8.ToArray();
        _values[slot] = value;
        return value;
    }

    private static int Hash(ReadOnlySpan<byte> utf8)
    {
        // FNV-1a: values are short, and a stable, cheap hash is all a direct-mapped slot needs.
        var h = 2166136261u;
        foreach (var b in utf8)
        {
            h = (h ^ b) * 16777619u;
        }

        return (int)(h ^ (h >> 15));
    }
}
