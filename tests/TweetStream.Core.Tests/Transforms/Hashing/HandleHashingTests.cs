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
    public async Task Repeated_authors_get_the_hashes_a_fresh_transform_computes()
    {
        // Past the cache's capacity, so the cache is also emptied and refilled on the way.
        var authors = Enumerable.Range(0, HashHandles.CacheCapacity + 500)
            .Select(i => new PostAuthor("10" + i, "user_" + i, "Name " + i))
            .ToArray();
        var cached = new HashHandles(Keys);
        var hasher = new HandleHasher(Keys.Key);

        for (var round = 0; round < 2; round++)
        {
            var items = authors.Select((a, i) => new PipelineItem(SourceItem.ForPost(Posts.Make(i) with { Author = a }, 1))).ToList();
            await cached.ApplyAsync(new TransformBatch(items), CancellationToken.None);
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
