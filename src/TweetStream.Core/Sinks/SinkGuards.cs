namespace TweetStream.Sinks;

/// <summary>Checks every built-in sink applies before it stores a post.</summary>
internal static class SinkGuards
{
    /// <summary>The reason recorded for a post whose author was not hashed.</summary>
    public const string UnhashedAuthor =
        "author is not hashed: refusing to store a raw handle (add HashHandles to the pipeline before this sink)";

    /// <summary>The reason recorded for a post without an id.</summary>
    public const string MissingId = "post has no id";

    /// <summary>
    /// Marks posts that must not be stored and returns how many are left. A misconfigured pipeline (no
    /// HashHandles) must not be able to put raw handles on disk, so the guard lives in every sink.
    /// </summary>
    public static int MarkUnstorable(SinkBatch batch)
    {
        var left = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var post = batch[i];
            if (string.IsNullOrEmpty(post.Id))
            {
                batch.MarkFailed(i, MissingId);
            }
            else if (!post.Author.IsHashed)
            {
                batch.MarkFailed(i, UnhashedAuthor);
            }
            else
            {
                left++;
            }
        }

        return left;
    }

    /// <summary>
    /// Returns the post without the author's display name. HashHandles already drops it; this keeps a
    /// custom transform that marks authors hashed but forgets the name from leaking it to a file.
    /// </summary>
    public static Post WithoutDisplayName(Post post) =>
        post.Author.DisplayName is null ? post : post with { Author = post.Author with { DisplayName = null } };
}
