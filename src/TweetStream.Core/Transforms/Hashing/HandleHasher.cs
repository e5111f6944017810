using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace TweetStream.Transforms.Hashing;

/// <summary>A key and its id.</summary>
internal sealed record HashingKey(string KeyId, byte[] Key);

/// <summary>Supplies the hashing key to the components that pseudonymise with it (hashing, mentions, dead letters).</summary>
internal interface IHashingKeyProvider
{
    HashingKey Key { get; }
}

/// <summary>
/// Keyed pseudonyms for handles: <c>{keyId}:{base64url(HMAC-SHA256(key, normalised handle))[..22]}</c>.
/// </summary>
/// <remarks>
/// Same shape as Microsoft.Extensions.Compliance.Redaction's HMAC redactor (key id prefix, keyed
/// SHA-256, truncated). Handles are case-insensitive at every source we read, and may arrive with a
/// leading <c>@</c>, so both are normalised away: an author and a mention of the same person match.
/// 128 bits of the MAC are kept: enough to make collisions irrelevant at any realistic number of authors.
/// </remarks>
internal sealed class HandleHasher
{
    private const int HashBytes = 16;

    private readonly HmacSha256 _hmac;
    private readonly string _prefix;

    public HandleHasher(HashingKey key)
    {
        if (key.Key.Length < 32)
        {
            throw new ArgumentException("The hashing key must be at least 32 bytes.", nameof(key));
        }

        _hmac = new HmacSha256(key.Key);
        _prefix = key.KeyId + ":";
    }

    public string Hash(string handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return Hash(handle.AsSpan());
    }

    /// <summary>The hash of <paramref name="prefix"/> followed by <paramref name="value"/>, without building that string.</summary>
    public string Hash(ReadOnlySpan<char> prefix, ReadOnlySpan<char> value)
    {
        var length = prefix.Length + value.Length;
        if (length > 256)
        {
            return Hash(string.Concat(prefix, value));
        }

        Span<char> joined = stackalloc char[length];
        prefix.CopyTo(joined);
        value.CopyTo(joined[prefix.Length..]);
        return Hash(joined);
    }

    public string Hash(ReadOnlySpan<char> handle)
    {
        Span<char> output = stackalloc char[MaxLength];
        return new string(output[..Format(handle, output)]);
    }

    /// <summary>The longest pseudonym this hasher writes.</summary>
    public int MaxLength => _prefix.Length + 24;

    /// <summary>
    /// Writes the pseudonym of <paramref name="handle"/> into <paramref name="destination"/> (at least
    /// <see cref="MaxLength"/> long) and returns its length: for a caller that copies it on, a string would be garbage.
    /// </summary>
    public int Format(ReadOnlySpan<char> handle, Span<char> destination)
    {
        var value = handle.Trim();
        if (value.StartsWith('@'))
        {
            value = value[1..];
        }

        var maxBytes = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        var utf8 = maxBytes <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            // Handles are ASCII in practice: lower-cased straight into their UTF-8 bytes, vectorised. Mastodon accts
            // can carry IDN hosts: those are lower-cased in UTF-16 (invariant), then encoded.
            if (Ascii.ToLower(value, utf8, out var length) != OperationStatus.Done)
            {
                Span<char> lower = value.Length <= 256 ? stackalloc char[value.Length] : new char[value.Length];
                value.ToLowerInvariant(lower);
                length = Encoding.UTF8.GetBytes(lower, utf8);
            }

            Span<byte> mac = stackalloc byte[HmacSha256.Size];
            _hmac.Compute(utf8[..length], mac);

            _prefix.AsSpan().CopyTo(destination);
            return _prefix.Length + Base64Url.EncodeToChars(mac[..HashBytes], destination[_prefix.Length..]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
