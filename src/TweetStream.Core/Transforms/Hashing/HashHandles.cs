namespace TweetStream.Transforms.Hashing;

/// <summary>
/// Replaces every author's id and handle by its keyed hash and drops the display name, so no raw
/// handle travels past this transform.
/// </summary>
/// <remarks>
/// Every post is hashed afresh, without a cache of hashed authors. A bounded cache was tried: over a stream with more
/// authors than it held it was emptied again and again, and each entry (with the raw handle it was keyed by) had
/// lived long enough to be copied into the oldest generation, so the collector cost far more than the two HMACs it
/// saved (docs/performance.md). Hashing afresh also means the transform keeps no raw handle once its batch is done.
/// </remarks>
internal sealed class HashHandles(IHashingKeyProvider keys) : ITransform
{
    // Resolved when the pipeline is built, so a missing or short key stops start-up instead of
    // dead-lettering every post.
    private readonly HandleHasher _hasher = new(keys.Key);

    public string Name => "hash-handles";

    public ValueTask ApplyAsync(TransformBatch batch, CancellationToken cancellationToken)
    {
        var hasher = _hasher;
        for (var i = 0; i < batch.Count; i++)
        {
            var post = batch[i];
            if (!post.Author.IsHashed)
            {
                batch.Replace(i, post with { Author = Hash(hasher, post.Author) });
            }
        }

        return ValueTask.CompletedTask;
    }

    internal static PostAuthor Hash(HandleHasher hasher, PostAuthor author) => new(
        author.Id.Length == 0 ? string.Empty : hasher.Hash("id:", author.Id),
        author.Handle.Length == 0 ? string.Empty : hasher.Hash(author.Handle))
    {
        IsHashed = true,
    };
}
