using System.Collections.Concurrent;

namespace TweetStream.Transforms.Hashing;

/// <summary>
/// Replaces every author's id and handle by its keyed hash and drops the display name, so no raw
/// handle travels past this transform.
/// </summary>
/// <remarks>
/// Authors post again and again (a busy #london hour is mostly regulars), and two HMACs per post were a third of
/// the transform's cost, so the transform remembers the hashed authors it made, up to <see cref="CacheCapacity"/>,
/// forgotten all at once when full: memory stays bounded (about 11 MB) whatever the stream length. The cache lives
/// only in this process's memory, like the batch it came from; nothing raw leaves this transform.
/// </remarks>
internal sealed class HashHandles(IHashingKeyProvider keys) : ITransform
{
    /// <summary>Hashed authors remembered.</summary>
    internal const int CacheCapacity = 32 * 1024;

    // Shared by the batches in flight: reads take no lock, and one cache per thread would multiply the memory.
    private readonly ConcurrentDictionary<(string Id, string Handle), PostAuthor> _cache = new();
    private int _cached;

    // Resolved when the pipeline is built, so a missing or short key stops start-up instead of
    // dead-lettering every post.
    private readonly HandleHasher _hasher = new(keys.Key);

    public string Name => "hash-handles";

    public ValueTask ApplyAsync(TransformBatch batch, CancellationToken cancellationToken)
    {
        var hasher = _hasher;
        var cache = _cache;
        for (var i = 0; i < batch.Count; i++)
        {
            var post = batch[i];
            if (post.Author.IsHashed)
            {
                continue;
            }

            var key = (post.Author.Id, post.Author.Handle);
            if (!cache.TryGetValue(key, out var hashed))
            {
                hashed = Hash(hasher, post.Author);
                if (cache.TryAdd(key, hashed) && Interlocked.Increment(ref _cached) > CacheCapacity)
                {
                    // ConcurrentDictionary.Count would take every lock; an approximate count is enough for a bound.
                    Interlocked.Exchange(ref _cached, 0);
                    cache.Clear();
                }
            }

            batch.Replace(i, post with { Author = hashed });
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
