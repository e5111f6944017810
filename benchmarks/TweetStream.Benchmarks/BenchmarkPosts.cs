namespace TweetStream.Benchmarks;

/// <summary>The posts the sink-encoding benchmarks share: hashed, redacted, typical #london length (deterministic).</summary>
internal static class BenchmarkPosts
{
    public static Post[] Typical(int count)
    {
        var random = new Random(42);
        return [.. Enumerable.Range(0, count).Select(i => new Post
        {
            Id = "x:" + (1_860_000_000_000_000_000L + i),
            Source = "x",
            CreatedAt = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero).AddMilliseconds(i * 7),
            ReceivedAt = new DateTimeOffset(2026, 11, 26, 10, 0, 1, TimeSpan.Zero),
            Text = "Walking along the South Bank this morning, the light on the Thames is unreal #london " + new string('x', random.Next(0, 140)),
            Author = new PostAuthor("k1:2f1c0d9e6b7a8c5d4e3f2a1b0c9d8e7f", "k1:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d") { IsHashed = true },
            Language = "en",
            Hashtags = ["london"],
            MatchedRules = ["london"],
            Url = "https://x.com/i/web/status/" + (1_860_000_000_000_000_000L + i),
        })];
    }
}
