using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace TweetStream.Sources.Common;

/// <summary>
/// Runs a source's connection loops as a producer task and yields what they write, so reconnect logic can
/// use try/catch freely (iterators cannot yield inside it) and several loops can feed one enumeration.
/// </summary>
internal static class ChannelSource
{
    public static async IAsyncEnumerable<SourceItem> ReadAsync(
        Func<ChannelWriter<SourceItem>, CancellationToken, Task> produce,
        Action onStopped,
        int capacity,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<SourceItem>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(() => RunAsync(produce, channel.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            onStopped();
        }
    }

    private static async Task RunAsync(Func<ChannelWriter<SourceItem>, CancellationToken, Task> produce, ChannelWriter<SourceItem> writer, CancellationToken cancellationToken)
    {
        try
        {
            await produce(writer, cancellationToken).ConfigureAwait(false);
            writer.TryComplete();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            writer.TryComplete();
        }
#pragma warning disable CA1031 // Any failure of the loops ends the enumeration with that exception, so the pipeline sees it.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            writer.TryComplete(exception);
        }
    }
}

/// <summary>Thrown inside a connection loop when the stream went silent past its stall timeout.</summary>
internal sealed class StreamStalledException : Exception
{
    public StreamStalledException()
    {
    }

    public StreamStalledException(string message) : base(message)
    {
    }

    public StreamStalledException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>Thrown when the remote rejects the configuration or credentials: retrying cannot help, so the source stops.</summary>
internal sealed class SourceConfigurationException : Exception
{
    public SourceConfigurationException()
    {
    }

    public SourceConfigurationException(string message) : base(message)
    {
    }

    public SourceConfigurationException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
