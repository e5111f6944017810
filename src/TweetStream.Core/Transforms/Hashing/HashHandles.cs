namespace TweetStream.Transforms.Hashing;

/// <summary>
/// Replaces every author's id and handle by its keyed hash and drops the display name, so no raw
/// handle travels past this transform.
/// </summary>
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
            if (post.Author.IsHashed)
            {
                continue;
            }

            batch.Replace(i, post with { Author = Hash(hasher, post.Author) });
        }

        return ValueTask.CompletedTask;
    }

    internal static PostAuthor Hash(HandleHasher hasher, PostAuthor author) => new(
        author.Id.Length == 0 ? string.Empty : hasher.Hash("id:" + author.Id),
        author.Handle.Length == 0 ? string.Empty : hasher.Hash(author.Handle))
    {
        IsHashed = true,
    };
}
