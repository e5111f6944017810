using System.Globalization;

namespace TweetStream.Testing;

/// <summary>
/// The sink contract as checks any test framework can call: each method returns normally when the sink
/// conforms and throws <see cref="ConformanceException"/> naming the broken rule when it does not.
/// </summary>
/// <remarks>
/// Call <see cref="VerifyAllAsync"/> from one test, or each check from its own test for finer reports.
/// Every check writes posts with fresh ids, so the checks may share one store.
/// </remarks>
public static class SinkConformance
{
    /// <summary>Runs every check in turn.</summary>
    /// <param name="options">The sink under test.</param>
    /// <param name="cancellationToken">Stops the checks.</param>
    /// <returns>A task that faults with <see cref="ConformanceException"/> on the first violation.</returns>
    public static async Task VerifyAllAsync(SinkConformanceOptions options, CancellationToken cancellationToken = default)
    {
        await EveryItemIsCommittedOrMarkedAsync(options, cancellationToken).ConfigureAwait(false);
        await DuplicatesAreHarmlessAsync(options, cancellationToken).ConfigureAwait(false);
        await CancellationIsHonouredAsync(options, cancellationToken).ConfigureAwait(false);
        await ConcurrentWritesAreSafeAsync(options, cancellationToken).ConfigureAwait(false);
        await TombstonesAreHonouredAsync(options, cancellationToken).ConfigureAwait(false);
        await DisposeFlushesAsync(options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After a write returns, every item is in the store with its text, or was marked retryable or failed.</summary>
    /// <param name="options">The sink under test.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    /// <returns>A task that faults with <see cref="ConformanceException"/> on a violation.</returns>
    public static async Task EveryItemIsCommittedOrMarkedAsync(SinkConformanceOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var posts = TestPosts.Create(TestPosts.UniquePrefix(), options.BatchSize);
        var sink = await StartAsync(options, cancellationToken).ConfigureAwait(false);
        await using var disposeSink = sink.ConfigureAwait(false);
        var batch = new SinkBatch(posts);
        await WithinAsync(options, "WriteAsync", ct => sink.Sink.WriteAsync(batch, ct), cancellationToken).ConfigureAwait(false);
        await sink.FlushAsync(options, cancellationToken).ConfigureAwait(false);
        var stored = await ReadAsync(options, posts, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch.GetFailure(i) is not null)
            {
                continue;
            }

            RequireStored(stored, posts[i], "every item is committed or marked");
        }
    }

    /// <summary>Writing the same posts again (a redelivery) leaves one record per id, or identical copies for an append-only store.</summary>
    /// <param name="options">The sink under test.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    /// <returns>A task that faults with <see cref="ConformanceException"/> on a violation.</returns>
    public static async Task DuplicatesAreHarmlessAsync(SinkConformanceOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var posts = TestPosts.Create(TestPosts.UniquePrefix(), options.BatchSize);
        var sink = await StartAsync(options, cancellationToken).ConfigureAwait(false);
        await using (sink.ConfigureAwait(false))
        {
            await WriteAllCommittedAsync(options, sink.Sink, posts, cancellationToken).ConfigureAwait(false);
            await WriteAllCommittedAsync(options, sink.Sink, posts, cancellationToken).ConfigureAwait(false);
            await sink.FlushAsync(options, cancellationToken).ConfigureAwait(false);
        }

        // A redelivery after a restart reaches a new instance over the same store.
        var again = await StartAsync(options, cancellationToken).ConfigureAwait(false);
        await using (again.ConfigureAwait(false))
        {
            await WriteAllCommittedAsync(options, again.Sink, posts, cancellationToken).ConfigureAwait(false);
            await again.FlushAsync(options, cancellationToken).ConfigureAwait(false);
        }

        var stored = await ReadAsync(options, posts, cancellationToken).ConfigureAwait(false);
        foreach (var post in posts)
        {
            RequireStored(stored, post, "duplicates are harmless");
            var copies = stored[post.Id];
            if (!options.AppendOnly && copies.Count != 1)
            {
                throw new ConformanceException(Invariant(
                    $"Duplicates are harmless: post {post.Id} was written three times and is stored {copies.Count} times; upsert or dedup by id (or set AppendOnly for a store whose readers dedup)."));
            }

            if (copies.Any(c => c.Deleted || !string.Equals(c.Text, post.Text, StringComparison.Ordinal)))
            {
                throw new ConformanceException($"Duplicates are harmless: the copies of post {post.Id} differ.");
            }
        }
    }

    /// <summary>A write whose token is already cancelled ends with <see cref="OperationCanceledException"/> instead of writing.</summary>
    /// <param name="options">The sink under test.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    /// <returns>A task that faults with <see cref="ConformanceException"/> on a violation.</returns>
    /// <remarks>The pipeline cancels writes when its drain deadline passes; a sink that ignores the token holds shutdown hostage.</remarks>
    public static async Task CancellationIsHonouredAsync(SinkConformanceOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var posts = TestPosts.Create(TestPosts.UniquePrefix(), options.BatchSize);
        var sink = await StartAsync(options, cancellationToken).ConfigureAwait(false);
        await using var disposeSink = sink.ConfigureAwait(false);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync().ConfigureAwait(false);
        var batch = new SinkBatch(posts);
        try
        {
            await WithinAsync(options, "WriteAsync", _ => sink.Sink.WriteAsync(batch, cancelled.Token), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return;
        }

        var marked = Enumerable.Range(0, batch.Count).All(i => batch.GetFailure(i) is { Retryable: true });
        if (!marked)
        {
            throw new ConformanceException(
                "Cancellation is honoured: WriteAsync was called with a cancelled token and completed normally; " +
                "throw OperationCanceledException (for example cancellationToken.ThrowIfCancellationRequested()) or pass the token to every awaited call.");
        }
    }

    /// <summary>Writes running concurrently, up to the declared parallelism, each commit their items intact.</summary>
    /// <param name="options">The sink under test.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    /// <returns>A task that faults with <see cref="ConformanceException"/> on a violation.</returns>
    public static async Task ConcurrentWritesAreSafeAsync(SinkConformanceOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var parallel = Math.Clamp(options.MaxConcurrency, 1, 8);
        const int Rounds = 5;
        var prefix = TestPosts.UniquePrefix();
        var batches = new List<SinkBatch>();
        var sink = await StartAsync(options, cancellationToken).ConfigureAwait(false);
        await using (sink.ConfigureAwait(false))
        {
            for (var round = 0; round < Rounds; round++)
            {
                var writes = new Task[parallel];
                for (var w = 0; w < parallel; w++)
                {
                    var batch = new SinkBatch(TestPosts.Create(Invariant($"{prefix}:{round}:{w}"), options.BatchSize));
                    batches.Add(batch);
                    writes[w] = WithinAsync(options, "WriteAsync", ct => sink.Sink.WriteAsync(batch, ct), cancellationToken);
                }

                await Task.WhenAll(writes).ConfigureAwait(false);
            }

            await sink.FlushAsync(options, cancellationToken).ConfigureAwait(false);
        }

        var all = batches.SelectMany(b => b).ToList();
        var stored = await ReadAsync(options, all, cancellationToken).ConfigureAwait(false);
        foreach (var batch in batches)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch.GetFailure(i) is null)
                {
                    RequireStored(stored, batch[i], Invariant($"concurrent writes are safe ({parallel} at a time)"));
                }
            }
        }
    }

    /// <summary>A tombstone removes or marks the post, and a late redelivery of the post does not bring it back.</summary>
    /// <param name="options">The sink under test.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    /// <returns>A task that faults with <see cref="ConformanceException"/> on a violation.</returns>
    public static async Task TombstonesAreHonouredAsync(SinkConformanceOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var posts = TestPosts.Create(TestPosts.UniquePrefix(), Math.Max(2, options.BatchSize));
        var deleted = posts.Where((_, i) => i % 2 == 0).ToList();
        var tombstones = deleted.Select(p => Post.Tombstone(p.Id, p.Source, TestPosts.CreatedAt.AddMinutes(5))).ToList();
        var sink = await StartAsync(options, cancellationToken).ConfigureAwait(false);
        await using (sink.ConfigureAwait(false))
        {
            await WriteAllCommittedAsync(options, sink.Sink, posts, cancellationToken).ConfigureAwait(false);
            await WriteAllCommittedAsync(options, sink.Sink, tombstones, cancellationToken).ConfigureAwait(false);

            // At-least-once: the post itself can be redelivered after its deletion.
            await WriteAllCommittedAsync(options, sink.Sink, deleted, cancellationToken).ConfigureAwait(false);
            await sink.FlushAsync(options, cancellationToken).ConfigureAwait(false);
        }

        var stored = await ReadAsync(options, posts, cancellationToken).ConfigureAwait(false);
        foreach (var post in posts)
        {
            var isDeleted = deleted.Contains(post);
            var live = stored.TryGetValue(post.Id, out var copies) && !copies.Any(c => c.Deleted) && copies.Count > 0;
            if (isDeleted && live)
            {
                throw new ConformanceException($"Tombstones are honoured: post {post.Id} is still stored as live after its tombstone (and a late redelivery of the post).");
            }

            if (!isDeleted)
            {
                RequireStored(stored, post, "tombstones are honoured (posts without a tombstone stay)");
            }
        }
    }

    /// <summary>Disposing the sink (without calling <see cref="ISink.FlushAsync"/>) leaves every committed item in the store.</summary>
    /// <param name="options">The sink under test.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    /// <returns>A task that faults with <see cref="ConformanceException"/> on a violation.</returns>
    public static async Task DisposeFlushesAsync(SinkConformanceOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var posts = TestPosts.Create(TestPosts.UniquePrefix(), options.BatchSize);
        SinkBatch batch;
        var sink = await StartAsync(options, cancellationToken).ConfigureAwait(false);
        await using (sink.ConfigureAwait(false))
        {
            batch = new SinkBatch(posts);
            await WithinAsync(options, "WriteAsync", ct => sink.Sink.WriteAsync(batch, ct), cancellationToken).ConfigureAwait(false);
        }

        var stored = await ReadAsync(options, posts, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch.GetFailure(i) is null)
            {
                RequireStored(stored, posts[i], "dispose flushes");
            }
        }
    }

    private static async Task WriteAllCommittedAsync(SinkConformanceOptions options, ISink sink, IReadOnlyList<Post> posts, CancellationToken cancellationToken)
    {
        var batch = new SinkBatch(posts);
        await WithinAsync(options, "WriteAsync", ct => sink.WriteAsync(batch, ct), cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch.GetFailure(i) is { } failure)
            {
                throw new ConformanceException($"The sink did not commit a valid post ({posts[i].Id}): {failure.Reason}. The checks need a store that accepts test posts.");
            }
        }
    }

    private static async Task<StartedSink> StartAsync(SinkConformanceOptions options, CancellationToken cancellationToken)
    {
        var sink = options.CreateSink() ?? throw new ConformanceException("CreateSink returned null.");
        await WithinAsync(options, "StartAsync", sink.StartAsync, cancellationToken).ConfigureAwait(false);
        return new StartedSink(sink);
    }

    private static async Task<Dictionary<string, List<StoredPost>>> ReadAsync(SinkConformanceOptions options, IEnumerable<Post> posts, CancellationToken cancellationToken)
    {
        var wanted = posts.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<StoredPost>? all = null;
        await WithinAsync(options, "ReadStoredAsync", async ct => all = await options.ReadStoredAsync(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<string, List<StoredPost>>(StringComparer.Ordinal);
        foreach (var record in all ?? [])
        {
            if (wanted.Contains(record.Id))
            {
                if (!result.TryGetValue(record.Id, out var list))
                {
                    result[record.Id] = list = [];
                }

                list.Add(record);
            }
        }

        return result;
    }

    private static void RequireStored(Dictionary<string, List<StoredPost>> stored, Post post, string rule)
    {
        if (!stored.TryGetValue(post.Id, out var copies) || copies.Count == 0)
        {
            throw new ConformanceException($"{Capitalize(rule)}: post {post.Id} was neither stored nor marked retryable or failed (an item lost silently).");
        }

        if (copies.Any(c => c.Deleted || !string.Equals(c.Text, post.Text, StringComparison.Ordinal)))
        {
            throw new ConformanceException($"{Capitalize(rule)}: post {post.Id} is stored with different text or as deleted (a corrupted or mixed-up record).");
        }
    }

    private static async Task WithinAsync(SinkConformanceOptions options, string what, Func<CancellationToken, ValueTask> call, CancellationToken cancellationToken)
    {
        using var safety = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        safety.CancelAfter(options.Timeout);
        var task = call(safety.Token).AsTask();
        try
        {
            await task.WaitAsync(safety.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (safety.IsCancellationRequested && !cancellationToken.IsCancellationRequested && !task.IsCompleted)
        {
            throw new ConformanceException(Invariant($"{what} did not complete within {options.Timeout} (safety net): the sink hangs."));
        }
    }

    private static string Capitalize(string rule) => char.ToUpperInvariant(rule[0]) + rule[1..];

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A started sink that is disposed the way the pipeline disposes it.</summary>
    private sealed class StartedSink(ISink sink) : IAsyncDisposable
    {
        public ISink Sink { get; } = sink;

        public Task FlushAsync(SinkConformanceOptions options, CancellationToken cancellationToken) =>
            WithinAsync(options, "FlushAsync", Sink.FlushAsync, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            switch (Sink)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }
}
