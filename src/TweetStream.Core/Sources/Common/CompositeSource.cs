using System.Threading.Channels;

namespace TweetStream.Sources.Common;

/// <summary>Several sources feeding one pipeline, interleaved as their items arrive.</summary>
/// <remarks>
/// <para>Each child is enumerated on its own task into one bounded channel, so a quiet child never holds up a
/// busy one and a slow pipeline slows every pull child alike. Items pass through unchanged: each keeps the
/// <see cref="Acknowledgement"/> its child attached, so settlements go straight back to the child that
/// produced the item and every child keeps its own cursor or state file.</para>
/// <para>The composite is <see cref="SourceDelivery.Push"/> when any child is (the pipeline must then shed
/// rather than stall that child). It completes when every child completed; the first child failure stops
/// the others and ends the enumeration with that failure.</para>
/// </remarks>
internal sealed class CompositeSource : ITweetSource, IAsyncDisposable
{
    private readonly IReadOnlyList<ITweetSource> _children;

    public CompositeSource(IReadOnlyList<ITweetSource> children)
    {
        ArgumentNullException.ThrowIfNull(children);
        if (children.Count == 0)
        {
            throw new ArgumentException("A composite source needs at least one child.", nameof(children));
        }

        _children = children;
        Name = string.Join('+', children.Select(c => c.Name));
        Delivery = children.Any(c => c.Delivery == SourceDelivery.Push) ? SourceDelivery.Push : SourceDelivery.Pull;
    }

    public string Name { get; }

    public SourceDelivery Delivery { get; }

    public IReadOnlyList<ITweetSource> Children => _children;

    /// <summary>Disposes the children, which the pipeline owns through the composite.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var child in _children)
        {
            switch (child)
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

    public IAsyncEnumerable<SourceItem> ReadAsync(CancellationToken cancellationToken) =>
        ChannelSource.ReadAsync(ProduceAsync, static () => { }, 256, cancellationToken);

    private async Task ProduceAsync(ChannelWriter<SourceItem> writer, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAll(_children.Select(child => PumpAsync(child, writer, failed))).ConfigureAwait(false);
    }

    private static async Task PumpAsync(ITweetSource child, ChannelWriter<SourceItem> writer, CancellationTokenSource failed)
    {
        try
        {
            await foreach (var item in child.ReadAsync(failed.Token).ConfigureAwait(false))
            {
                await writer.WriteAsync(item, failed.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !failed.IsCancellationRequested)
        {
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }
}
