namespace TweetStream.Testing;

/// <summary>
/// A sink that misbehaves on cue: each scripted step applies to one <see cref="WriteAsync"/> call, in order;
/// once the script is used up, calls go to the inner sink. For testing retries, dead-lettering and drains.
/// </summary>
/// <example><code>
/// var sink = new ScriptedFaultSink()
///     .ThenThrow(new HttpRequestException("503"))      // call 1: the whole call fails, retried
///     .ThenMarkRetryable(p => p.Id.EndsWith('7'))       // call 2: some items retried
///     .ThenMarkFailed(p => p.Text.Length == 0, "empty"); // call 3: some items dead-lettered
/// </code></example>
public sealed class ScriptedFaultSink : ISink
{
    private readonly Queue<Func<SinkBatch, CancellationToken, ValueTask<bool>>> _script = new();
    private readonly Lock _lock = new();
    private int _calls;

    /// <summary>Creates the sink.</summary>
    /// <param name="inner">Where items that are not failed go. Default a new <see cref="InMemorySink"/>.</param>
    public ScriptedFaultSink(ISink? inner = null) => Inner = inner ?? new InMemorySink();

    /// <summary>The sink that receives the items the script lets through.</summary>
    public ISink Inner { get; }

    /// <inheritdoc />
    public string Name => "scripted";

    /// <summary>How many <see cref="WriteAsync"/> calls started.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>The next call throws <paramref name="exception"/> without writing.</summary>
    /// <param name="exception">The exception; a <see cref="PermanentSinkException"/> dead-letters the call.</param>
    /// <returns>This sink.</returns>
    public ScriptedFaultSink ThenThrow(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Enqueue((_, _) => ValueTask.FromException<bool>(exception));
    }

    /// <summary>The next call marks the matching items retryable and writes the rest.</summary>
    /// <param name="which">Selects the items.</param>
    /// <param name="reason">The reason recorded.</param>
    /// <returns>This sink.</returns>
    public ScriptedFaultSink ThenMarkRetryable(Func<Post, bool> which, string reason = "scripted retryable failure") =>
        ThenMark(which, retryable: true, reason);

    /// <summary>The next call marks the matching items failed (dead-lettered) and writes the rest.</summary>
    /// <param name="which">Selects the items.</param>
    /// <param name="reason">The reason recorded.</param>
    /// <returns>This sink.</returns>
    public ScriptedFaultSink ThenMarkFailed(Func<Post, bool> which, string reason = "scripted permanent failure") =>
        ThenMark(which, retryable: false, reason);

    /// <summary>The next call waits until <paramref name="release"/> completes or the call is cancelled, then writes.</summary>
    /// <param name="release">Completes when the call may go on.</param>
    /// <returns>This sink.</returns>
    public ScriptedFaultSink ThenWaitFor(Task release)
    {
        ArgumentNullException.ThrowIfNull(release);
        return Enqueue(async (_, ct) =>
        {
            await release.WaitAsync(ct).ConfigureAwait(false);
            return true;
        });
    }

    /// <summary>The next call writes normally.</summary>
    /// <returns>This sink.</returns>
    public ScriptedFaultSink ThenSucceed() => Enqueue((_, _) => ValueTask.FromResult(true));

    /// <inheritdoc />
    public async ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Interlocked.Increment(ref _calls);
        Func<SinkBatch, CancellationToken, ValueTask<bool>>? step;
        lock (_lock)
        {
            _script.TryDequeue(out step);
        }

        if (step is not null && !await step(batch, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (!batch.HasFailures)
        {
            await Inner.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Only the unmarked items reach the inner sink; its own marks map back to the original indexes.
        var passed = Enumerable.Range(0, batch.Count).Where(i => batch.GetFailure(i) is null).ToArray();
        var inner = new SinkBatch([.. passed.Select(i => batch[i])]);
        await Inner.WriteAsync(inner, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < passed.Length; i++)
        {
            if (inner.GetFailure(i) is { } failure)
            {
                if (failure.Retryable)
                {
                    batch.MarkRetryable(passed[i], failure.Reason);
                }
                else
                {
                    batch.MarkFailed(passed[i], failure.Reason);
                }
            }
        }
    }

    /// <inheritdoc />
    public ValueTask StartAsync(CancellationToken cancellationToken) => Inner.StartAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask FlushAsync(CancellationToken cancellationToken) => Inner.FlushAsync(cancellationToken);

    private ScriptedFaultSink ThenMark(Func<Post, bool> which, bool retryable, string reason)
    {
        ArgumentNullException.ThrowIfNull(which);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return Enqueue((batch, _) =>
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (which(batch[i]))
                {
                    if (retryable)
                    {
                        batch.MarkRetryable(i, reason);
                    }
                    else
                    {
                        batch.MarkFailed(i, reason);
                    }
                }
            }

            return ValueTask.FromResult(true);
        });
    }

    private ScriptedFaultSink Enqueue(Func<SinkBatch, CancellationToken, ValueTask<bool>> step)
    {
        lock (_lock)
        {
            _script.Enqueue(step);
        }

        return this;
    }
}
