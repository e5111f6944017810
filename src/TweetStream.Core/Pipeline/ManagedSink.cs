namespace TweetStream.Pipeline;

/// <summary>
/// Applies a sink's registration: serializes its writes down to the declared concurrency and owns its
/// disposal. Wrapping at registration keeps the pipeline's write path unaware of either.
/// </summary>
internal sealed class ManagedSink : ISink, IAsyncDisposable
{
    private readonly SemaphoreSlim? _gate;
    private readonly bool _dispose;
    private int _disposed;

    public ManagedSink(ISink inner, SinkRegistrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrency, 1, nameof(options));
        Inner = inner;
        _dispose = options.DisposeWithPipeline;
        MaxConcurrency = options.MaxConcurrency;

        // int.MaxValue: the pipeline's own parallelism is the only bound, so no gate at all.
        _gate = options.MaxConcurrency == int.MaxValue ? null : new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
    }

    public ISink Inner { get; }

    public int MaxConcurrency { get; }

    public bool DisposesInner => _dispose;

    public string Name => Inner.Name;

    public async ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        if (_gate is null)
        {
            await Inner.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Inner.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask StartAsync(CancellationToken cancellationToken) => Inner.StartAsync(cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => Inner.FlushAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_dispose)
        {
            switch (Inner)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }

        _gate?.Dispose();
    }
}
