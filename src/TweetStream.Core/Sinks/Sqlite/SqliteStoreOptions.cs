using System.ComponentModel.DataAnnotations;

namespace TweetStream;

/// <summary>Settings of the embedded SQLite store (sink and <see cref="IPostStore"/>).</summary>
/// <remarks>
/// One store instance serves every pipeline and reader that names the same <see cref="Path"/>; the
/// first registration's settings win for that file.
/// </remarks>
public sealed class SqliteStoreOptions
{
    /// <summary>The database file, created (with its folder) when missing. Default <c>data/tweetstream.db</c>.</summary>
    [Required]
    public string Path { get; set; } = System.IO.Path.Combine("data", "tweetstream.db");

    /// <summary>
    /// How long a statement waits for a lock held by another connection or process before the write fails
    /// (and the pipeline retries it). At least 1 ms; Microsoft.Data.Sqlite's own retry rounds it up to whole
    /// seconds. Default 5 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest page a query returns; larger requested page sizes are capped. Default 500.</summary>
    [Range(1, 100_000)]
    public int MaxPageSize { get; set; } = 500;
}
