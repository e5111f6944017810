using System.Buffers;
using System.Net.WebSockets;

namespace TweetStream.Sources.Common;

/// <summary>Reads whole WebSocket messages with a size bound.</summary>
internal static class WebSocketMessages
{
    /// <summary>
    /// Reads the next message. Returns null when the server closed the socket. A message beyond
    /// <paramref name="maxBytes"/> is drained and returned truncated with <c>TooLarge</c> set.
    /// </summary>
    public static async Task<WebSocketMessage?> ReceiveAsync(WebSocket socket, int maxBytes, Action onData, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        var tooLarge = false;
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var result = await socket.ReceiveAsync(memory, cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            onData();

            // Past the bound the rest of the message is drained into the same free space and discarded.
            if (!tooLarge)
            {
                buffer.Advance(result.Count);
                if (buffer.WrittenCount > maxBytes)
                {
                    tooLarge = true;
                }
            }

            if (result.EndOfMessage)
            {
                return new WebSocketMessage(buffer.WrittenMemory.ToArray(), result.MessageType == WebSocketMessageType.Binary, tooLarge);
            }
        }
    }
}

internal sealed record WebSocketMessage(byte[] Data, bool Binary, bool TooLarge);

/// <summary>Reports every successful read, so byte-level liveness (SSE comment heartbeats) resets a stall timer.</summary>
internal sealed class LivenessStream(Stream inner, Action onData) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        if (n > 0)
        {
            onData();
        }

        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n > 0)
        {
            onData();
        }

        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
