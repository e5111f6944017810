namespace TweetStream.Testing;

/// <summary>What <see cref="SinkConformance"/> needs to know about the sink under test.</summary>
public sealed class SinkConformanceOptions
{
    /// <summary>Creates a sink over the store under test; called once or more per check, every instance writes to the same store.</summary>
    public required Func<ISink> CreateSink { get; init; }

    /// <summary>
    /// Reads every record of the store as it is now, duplicates included (one entry per stored row or line).
    /// Checks use unique ids, so the store may hold other data.
    /// </summary>
    public required Func<CancellationToken, ValueTask<IReadOnlyList<StoredPost>>> ReadStoredAsync { get; init; }

    /// <summary>The parallelism the sink declares at registration (<see cref="SinkRegistrationOptions.MaxConcurrency"/>). Default 1.</summary>
    public int MaxConcurrency { get; set; } = 1;

    /// <summary>
    /// True for an append-only store (files, logs) whose readers dedup by id: a duplicate may be stored again,
    /// but every copy must be identical and a deletion must stay a deletion. Default false: one record per id.
    /// </summary>
    public bool AppendOnly { get; set; }

    /// <summary>Posts per batch in the checks. Default 20.</summary>
    public int BatchSize { get; set; } = 20;

    /// <summary>A safety net that turns a hanging call into a failure; never decides a verdict otherwise. Default 30 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
