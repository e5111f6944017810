using System.Globalization;

namespace TweetStream.Testing;

/// <summary>Posts shaped as they reach a sink: hashed author, redacted text, a source-qualified id.</summary>
public static class TestPosts
{
    /// <summary>A fixed creation time so stores partitioned by day see one day.</summary>
    public static DateTimeOffset CreatedAt { get; } = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Creates one post whose author is already hashed, as every sink receives it.</summary>
    /// <param name="id">The post id.</param>
    /// <param name="text">The text; defaults to one derived from the id.</param>
    /// <returns>The post.</returns>
    public static Post Create(string id, string? text = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return new Post
        {
            Id = id,
            Source = "test",
            CreatedAt = CreatedAt,
            ReceivedAt = CreatedAt,
            Text = text ?? "Text of " + id + " in #london",
            Author = new PostAuthor("k1:author-" + id, "k1:handle-" + id) { IsHashed = true },
            Language = "en",
            Hashtags = ["london"],
        };
    }

    /// <summary>Creates <paramref name="count"/> posts with ids <c>{prefix}:0</c>, <c>{prefix}:1</c>, ….</summary>
    /// <param name="prefix">The id prefix; make it unique per test so stores can be shared.</param>
    /// <param name="count">How many.</param>
    /// <returns>The posts.</returns>
    public static IReadOnlyList<Post> Create(string prefix, int count)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var posts = new Post[count];
        for (var i = 0; i < count; i++)
        {
            posts[i] = Create(prefix + ":" + i.ToString(CultureInfo.InvariantCulture));
        }

        return posts;
    }

    /// <summary>A unique id prefix, so conformance runs can share one store.</summary>
    /// <returns>A prefix such as <c>test:3f2a…</c>.</returns>
    public static string UniquePrefix() => "test:" + Guid.NewGuid().ToString("N");
}
