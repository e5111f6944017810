using System.Buffers;

namespace TweetStream.Sinks;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> of bytes over <see cref="ArrayPool{T}.Shared"/> arrays, returned on <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// A batch of 500 encoded posts is about 250 KB: an <see cref="ArrayBufferWriter{T}"/> per batch puts every one of
/// them on the large object heap, and each few megabytes of those cost a full (gen2) collection. Renting the array
/// instead keeps the encode step out of the collector's way. Not thread-safe; one writer per batch.
/// </remarks>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    public PooledBufferWriter(int initialCapacity = 4096) =>
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(256, initialCapacity));

    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_written));
        _written += bytes.Length;
    }

    /// <summary>Forgets what was written and keeps the array for the next batch.</summary>
    public void Clear() => _written = 0;

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = Math.Max(1, sizeHint);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + needed));
        _buffer.AsSpan(0, _written).CopyTo(grown);
        var old = _buffer;
        _buffer = grown;
        if (old.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }
}
