namespace TweetStream.Testing;

/// <summary>
/// The source contract as checks any test framework can call; each throws <see cref="ConformanceException"/>
/// naming the broken rule. For finite sources (replay files, fixtures); point live sources at a test double.
/// </summary>
public static class SourceConformance
{
    /// <summary>Runs every check in turn.</summary>
    /// <param name="createSource">Creates a fresh source over the same input.</param>
    /// <param name="timeout">Safety net for each read; default 30 s.</param>
    /// <param name="cancellationToken">Stops the checks.</param>
    /// <returns>A task that faults with <see cref="ConformanceException"/> on the first violation.</returns>
    public static async Task VerifyAllAsync(Func<ITweetSource> createSource, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await EveryItemIsAPostOrADeadLetterAsync(createSource, timeout, cancellationToken).ConfigureAwait(false);
        await CancellationIsHonouredAsync(createSource, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reading to the end yields items that each carry a post (with an id) or an error with its raw payload, and
    /// acknowledging every item succeeds; then the source disposes cleanly.
    /// </summary>
    /// <param name="createSource">Creates a fresh source.</param>
    /// <param name="timeout">Safety net for the read; default 30 s.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    /// <returns>A task that faults with <see cref="ConformanceException"/> on a violation.</returns>
    public static async Task EveryItemIsAPostOrADeadLetterAsync(Func<ITweetSource> createSource, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(createSource);
        var source = createSource();
        using var safety = Safety(timeout, cancellationToken);
        var count = 0;
        try
        {
            await foreach (var item in source.ReadAsync(safety.Token).ConfigureAwait(false))
            {
                count++;
                if (item.Post is null == item.Error is null)
                {
                    throw new ConformanceException($"Every item is a post or a dead letter: item {count} of source {source.Name} has {(item.Post is null ? "neither" : "both")} a post and an error.");
                }

                if (item.Post is { } post && string.IsNullOrEmpty(post.Id))
                {
                    throw new ConformanceException($"Every item is a post or a dead letter: item {count} of source {source.Name} is a post without an id.");
                }

                if (item.EncodedSize < 0)
                {
                    throw new ConformanceException($"Every item is a post or a dead letter: item {count} of source {source.Name} reports a negative size.");
                }

                await item.Acknowledgement.AcknowledgeAsync(safety.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (safety.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ConformanceException($"Source {source.Name} did not end within the safety net after {count} items; the checks need a finite source.");
        }
        finally
        {
            await DisposeAsync(source).ConfigureAwait(false);
        }

        if (count == 0)
        {
            throw new ConformanceException($"Source {source.Name} yielded nothing; give the checks some input.");
        }
    }

    /// <summary>Cancelling the token after the first item ends the enumeration (normally or with <see cref="OperationCanceledException"/>).</summary>
    /// <param name="createSource">Creates a fresh source.</param>
    /// <param name="timeout">Safety net; default 30 s.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    /// <returns>A task that faults with <see cref="ConformanceException"/> on a violation.</returns>
    public static async Task CancellationIsHonouredAsync(Func<ITweetSource> createSource, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(createSource);
        var source = createSource();
        using var stop = new CancellationTokenSource();
        using var safety = Safety(timeout, cancellationToken);
        var read = Task.Run(
            async () =>
            {
                var afterCancel = 0;
                try
                {
                    await foreach (var item in source.ReadAsync(stop.Token).ConfigureAwait(false))
                    {
                        if (stop.IsCancellationRequested && ++afterCancel > 10_000)
                        {
                            return false;
                        }

                        await stop.CancelAsync().ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }

                return true;
            },
            CancellationToken.None);
        try
        {
            if (!await read.WaitAsync(safety.Token).ConfigureAwait(false))
            {
                throw new ConformanceException($"Cancellation is honoured: source {source.Name} went on yielding items long after its token was cancelled.");
            }
        }
        catch (OperationCanceledException) when (safety.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ConformanceException($"Cancellation is honoured: source {source.Name} did not stop within the safety net after its token was cancelled.");
        }
        finally
        {
            await DisposeAsync(source).ConfigureAwait(false);
        }
    }

    private static CancellationTokenSource Safety(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var safety = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        safety.CancelAfter(timeout ?? TimeSpan.FromSeconds(30));
        return safety;
    }

    private static async ValueTask DisposeAsync(ITweetSource source)
    {
        switch (source)
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
