using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using TweetStream.Pipeline;
using TweetStream.Tests.Support;
using TweetStream.Transforms.Hashing;

namespace TweetStream.Tests.Transforms.Hashing;

public sealed class HandleHashingTests
{
    private static readonly FixedKeyProvider Keys = new();

    [Theory]
    [InlineData("id:", "1234567890")]
    [InlineData("id:", "")]
    [InlineData("id:", "  padded  ")]
    [InlineData("", "@Someone")]
    [InlineData("@", "Mixed_Case")]
    [InlineData("id:", "ünïcödé-id")]
    public void Hashing_a_prefix_and_a_value_equals_hashing_their_concatenation(string prefix, string value)
    {
        var hasher = new HandleHasher(Keys.Key);
        Assert.Equal(hasher.Hash(prefix + value), hasher.Hash(prefix, value));
    }

    [Fact]
    public void Hashing_a_long_prefix_and_value_equals_hashing_their_concatenation()
    {
        var hasher = new HandleHasher(Keys.Key);
        var value = new string('x', 600);
        Assert.Equal(hasher.Hash("id:" + value), hasher.Hash("id:", value));
    }

    [Fact]
    public void Handle_hashes_are_the_truncated_platform_hmac_of_the_normalised_handle()
    {
        // The pseudonym format stored in every sink: key id, colon, base64url of the first 16 bytes of the MAC.
        var key = new HashingKey("k9", [.. Enumerable.Range(0, 32).Select(i => (byte)(255 - i))]);
        var hasher = new HandleHasher(key);
        foreach (var (handle, normalised) in new[] { ("@Amelia_Hughes", "amelia_hughes"), ("  someone ", "someone"), ("Zoë@mastodon.social", "zoë@mastodon.social") })
        {
            var expected = "k9:" + Base64Url.EncodeToString(HMACSHA256.HashData(key.Key, Encoding.UTF8.GetBytes(normalised)).AsSpan(0, 16));
            Assert.Equal(expected, hasher.Hash(handle));
        }

        Assert.Equal("k9:" + Base64Url.EncodeToString(HMACSHA256.HashData(key.Key, "id:1498765432109876543"u8).AsSpan(0, 16)), hasher.Hash("id:", "1498765432109876543"));
    }

    [Fact]
    public async Task Every_author_gets_the_hash_a_fresh_transform_computes_however_often_it_returns()
    {
        var authors = Enumerable.Range(0, 2_000)
            .Select(i => new PostAuthor("10" + i, "user_" + i, "Name " + i))
            .ToArray();
        var transform = new HashHandles(Keys);
        var hasher = new HandleHasher(Keys.Key);

        for (var round = 0; round < 2; round++)
        {
            var items = authors.Select((a, i) => new PipelineItem(SourceItem.ForPost(Posts.Make(i) with { Author = a }, 1))).ToList();
            await transform.ApplyAsync(new TransformBatch(items), CancellationToken.None);
            for (var i = 0; i < authors.Length; i += 97)
            {
                var expected = HashHandles.Hash(hasher, authors[i]);
                Assert.Equal(expected, items[i].Post!.Author);
                Assert.True(items[i].Post!.Author.IsHashed);
                Assert.Null(items[i].Post!.Author.DisplayName);
            }
        }
    }

    [Fact]
    public void The_transform_keeps_no_raw_handle_once_its_batch_is_done()
    {
        // A cache of hashed authors keyed by the raw handle kept every handle alive (and promoted it to the oldest
        // generation): privacy and the collector both want the raw strings gone with their batch.
        var transform = new HashHandles(Keys);
        var handle = HashBatchAndForget(transform);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(handle.TryGetTarget(out _), "the raw handle is still referenced after its batch was hashed");
        GC.KeepAlive(transform);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference<string> HashBatchAndForget(HashHandles transform)
    {
        var raw = new string([.. "raw_handle_" + Environment.TickCount64]);
        var items = new List<PipelineItem> { new(SourceItem.ForPost(Posts.Make(1) with { Author = new PostAuthor("7", raw) }, 1)) };
        Assert.True(CompletedSynchronously(transform.ApplyAsync(new TransformBatch(items), CancellationToken.None)));
        Assert.True(items[0].Post!.Author.IsHashed);
        return new WeakReference<string>(raw);
    }

    private static bool CompletedSynchronously(ValueTask pending) => pending.IsCompletedSuccessfully;

    [Fact]
    public async Task Two_transforms_with_different_keys_never_share_hashes()
    {
        var other = new HashingKey("k2", [.. Enumerable.Range(100, 32).Select(i => (byte)i)]);
        var author = new PostAuthor("42", "someone");
        var a = await ApplyAsync(new HashHandles(Keys), author);
        var b = await ApplyAsync(new HashHandles(new OtherKey(other)), author);
        Assert.NotEqual(a.Handle, b.Handle);
        Assert.StartsWith("k2:", b.Handle, StringComparison.Ordinal);
    }

    private static async Task<PostAuthor> ApplyAsync(HashHandles transform, PostAuthor author)
    {
        var items = new List<PipelineItem> { new(SourceItem.ForPost(Posts.Make(1) with { Author = author }, 1)) };
        await transform.ApplyAsync(new TransformBatch(items), CancellationToken.None);
        return items[0].Post!.Author;
    }

    private sealed class OtherKey(HashingKey key) : IHashingKeyProvider
    {
        public HashingKey Key => key;
    }
}
