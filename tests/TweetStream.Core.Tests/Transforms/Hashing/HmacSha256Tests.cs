using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TweetStream.Transforms.Hashing;

namespace TweetStream.Tests.Transforms.Hashing;

public sealed class HmacSha256Tests
{
    public static TheoryData<int, bool> KeyLengths => new()
    {
        { 32, true }, { 63, true }, { 64, true }, { 65, true }, { 100, true },
        { 32, false }, { 100, false },
    };

    [Theory]
    [MemberData(nameof(KeyLengths))]
    public void Macs_equal_the_platform_hmac_for_every_message_length_around_the_block(int keyLength, bool useLibcrypto)
    {
        var key = Bytes(keyLength, seed: 7);
        var hmac = new HmacSha256(key, useLibcrypto);
        Span<byte> actual = stackalloc byte[HmacSha256.Size];
        for (var length = 0; length <= 200; length++)
        {
            var message = Bytes(length, seed: length);
            hmac.Compute(message, actual);
            Assert.Equal(HMACSHA256.HashData(key, message), actual.ToArray());
        }
    }

    [Fact]
    public void Where_OpenSSL_3_is_the_system_libcrypto_macs_start_from_the_precomputed_states()
    {
        // Without this, a fallback taken by mistake (a wrong context size, a missing export) would pass every
        // equality test and cost four times as much per handle.
        var openSsl3 = OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libcrypto.so.3", out _);

        Assert.Equal(openSsl3, new HmacSha256(Bytes(32, seed: 1)).UsesMidstates);
    }

    [Fact]
    public void Threads_hashing_at_once_each_get_their_own_message_mac()
    {
        var key = Bytes(32, seed: 3);
        var hmac = new HmacSha256(key);
        var mismatches = 0;
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var message = BitConverter.GetBytes(i);
            Span<byte> mac = stackalloc byte[HmacSha256.Size];
            hmac.Compute(message, mac);
            if (!mac.SequenceEqual(HMACSHA256.HashData(key, message)))
            {
                Interlocked.Increment(ref mismatches);
            }
        });

        Assert.Equal(0, mismatches);
    }

    private static byte[] Bytes(int length, int seed) => [.. Enumerable.Range(0, length).Select(i => (byte)((i * 31) + seed))];
}
