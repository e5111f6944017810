using System.Buffers;

namespace TweetStream.Sources.X;

/// <summary>What one <see cref="XLineReader.ReadAsync"/> call produced.</summary>
internal enum XLineStatus
{
    /// <summary>A complete line (without its <c>\n</c>).</summary>
    Line,

    /// <summary>A line longer than the limit was skipped; the line holds its first bytes.</summary>
    TooLong,

    /// <summary>The stream ended with bytes after the last <c>\n</c>: a truncated line.</summary>
    Truncated,

    /// <summary>The stream ended on a line boundary.</summary>
    End,
}

/// <summary>
/// Splits a response body into <c>\n</c>-terminated lines with one pooled buffer: no per-line allocation, and
/// the line memory stays valid until the next call.
/// </summary>
/// <remarks>Records the timestamp of every read that returned bytes, so a watchdog can detect stalls.</remarks>
internal sealed class XLineReader : IDisposable
{
    // The first bytes of an oversized line go to the dead letter; the rest is discarded.
    private const int TooLongPrefix = 4096;

    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private readonly TimeProvider _time;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _scanned;
    private bool _eof;
    private long _lastActivity;

    public XLineReader(Stream stream, int maxLineBytes, TimeProvider time, int initialBuffer = 64 * 1024)
    {
        _stream = stream;
        _maxLineBytes = maxLineBytes;
        _time = time;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(initialBuffer, maxLineBytes + 2));
        _lastActivity = time.GetTimestamp();
    }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> of the last read that returned bytes.</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>Bytes read so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Reads the next line; the returned memory is valid until the next call.</summary>
    public async ValueTask<(XLineStatus Status, ReadOnlyMemory<byte> Line)> ReadAsync(CancellationToken cancellationToken)
    {
        byte[]? tooLong = null;
        while (true)
        {
            var newline = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var at = _scanned + newline;
                var line = _buffer.AsMemory(_start, at - _start);
                _start = _scanned = at + 1;
                if (tooLong is not null)
                {
                    return (XLineStatus.TooLong, tooLong);
                }

                if (line.Length > _maxLineBytes)
                {
                    return (XLineStatus.TooLong, line[..Math.Min(line.Length, TooLongPrefix)].ToArray());
                }

                return (XLineStatus.Line, TrimCr(line));
            }

            _scanned = _end;
            if (_end - _start > _maxLineBytes)
            {
                // Keep reading to the line's end without holding it: memory stays bounded by the limit.
                tooLong ??= _buffer.AsSpan(_start, Math.Min(_end - _start, TooLongPrefix)).ToArray();
                _start = _end = _scanned = 0;
            }

            if (_eof)
            {
                if (tooLong is not null)
                {
                    return (XLineStatus.TooLong, tooLong);
                }

                if (_end > _start)
                {
                    var rest = _buffer.AsMemory(_start, _end - _start);
                    _start = _end = _scanned = 0;
                    return (XLineStatus.Truncated, rest);
                }

                return (XLineStatus.End, default);
            }

            MakeRoom();
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _eof = true;
                continue;
            }

            Volatile.Write(ref _lastActivity, _time.GetTimestamp());
            _end += read;
            BytesRead += read;
        }
    }

    /// <summary>Bytes after the last complete line, for a connection that failed mid-line; then forgets them.</summary>
    public ReadOnlyMemory<byte> TakePartial()
    {
        var rest = _end > _start ? _buffer.AsSpan(_start, _end - _start).ToArray() : default(ReadOnlyMemory<byte>);
        _start = _end = _scanned = 0;
        return rest;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private static ReadOnlyMemory<byte> TrimCr(ReadOnlyMemory<byte> line) =>
        line.Length > 0 && line.Span[^1] == (byte)'\r' ? line[..^1] : line;

    private void MakeRoom()
    {
        if (_start > 0)
        {
            // Move the partial line to the front so the buffer never grows for lines it can hold.
            var length = _end - _start;
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, length);
            _scanned -= _start;
            _end = length;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, _maxLineBytes + 64 * 1024));
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }
}
