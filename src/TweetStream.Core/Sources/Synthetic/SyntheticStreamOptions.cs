namespace TweetStream.Sources.Synthetic;

/// <summary>What <see cref="SyntheticStreamGenerator"/> writes; same options and seed give byte-identical output.</summary>
internal sealed class SyntheticStreamOptions
{
    /// <summary>Number of good posts (malformed and keep-alive lines come on top).</summary>
    public long Count { get; set; } = 1000;

    /// <summary>PRNG seed.</summary>
    public long Seed { get; set; } = 1;

    /// <summary>Share of posts carrying at least one PII value. Default 0.3.</summary>
    public double PiiShare { get; set; } = 0.3;

    /// <summary>
    /// Relative weights of the PII types a PII-carrying post is built around (keys from
    /// <see cref="SyntheticStreamGenerator.PiiTypes"/>, e.g. <c>EMAIL=3, CARD=1</c>); a post drawn for a type uses a
    /// template holding that type. Null (the default) picks templates uniformly, which keeps the output of existing
    /// seeds byte-identical.
    /// </summary>
    public IReadOnlyDictionary<string, double>? PiiMix { get; set; }

    /// <summary>Chance of a malformed line before each post. Default 0.005.</summary>
    public double MalformedShare { get; set; } = 0.005;

    /// <summary>Chance of a blank keep-alive line before each post. Default 0.02.</summary>
    public double KeepAliveShare { get; set; } = 0.02;

    /// <summary>Created-at of the first post.</summary>
    public DateTimeOffset Start { get; set; } = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Created-at values spread over this window, increasing. Default one day.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Posts per author on average. Default 5.</summary>
    public int PostsPerAuthor { get; set; } = 5;

    /// <summary>Upper bound of the author pool, so huge streams need no huge memory.</summary>
    public int MaxAuthors { get; set; } = 100_000;
}

/// <summary>Counts of what was written.</summary>
internal sealed record SyntheticStreamSummary(long Posts, long PiiPosts, long Spans, long Malformed, long KeepAlives, long Bytes);
