using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace TweetStream.Pipeline;

/// <summary>
/// A bounded, crash-safe disk buffer for push sources: what the memory bound cannot take is appended here and handed
/// back to the pipeline, in order, once it catches up (first of all after a restart).
/// </summary>
/// <remarks>
/// <para>Append-only segment files (<c>NNNNNNNNNN.spill</c>, rolled at <see cref="SegmentBytes"/>), each record
/// <c>[int32 length][AES-256-GCM nonce ‖ tag ‖ ciphertext]</c>: the items still carry raw handles (hashing is a later
/// stage), so nothing is stored in the clear, and the GCM tag rejects a torn last record after a crash. Segments rather
/// than an embedded store because the access pattern is a queue: sequential appends, sequential reads, whole-file
/// deletes, no index to keep.</para>
/// <para>Durability: every append is written through to the operating system before the source's item is
/// acknowledged, so killing the process (SIGKILL) loses nothing appended; <c>fsync</c> runs at most every
/// <see cref="PipelineOptions.SpillFsyncInterval"/> and when a segment rolls, so a power loss can lose that interval.</para>
/// <para>A segment is deleted once sealed and every record of it acknowledged; after a restart the segments left are
/// delivered again from their start, so items acknowledged just before a crash may come twice (sinks are idempotent).</para>
/// </remarks>
internal sealed class SpillBuffer : IAcknowledgementHandler, IDisposable
{
    internal const long SegmentBytes = 4L * 1024 * 1024;
    private static readonly byte[] KeyInfo = "tweetstream/spill/v1"u8.ToArray();

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly TimeSpan _fsyncInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    // AesGcm keeps one cipher context per instance and is not safe across threads (shared, it failed appends with
    // "invalid tag" and sealed records it could not open): appends seal under the gate, the single drainer opens.
    private readonly AesGcm _sealer;
    private readonly AesGcm _opener;
    private readonly Lock _gate = new();
    private readonly List<Segment> _segments = [];
    private readonly Channel<bool> _appended = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private Segment? _writing;
    private FileStream? _writer;
    private long _bytes;
    private long _pending;
    private long _nextSegment;
    private DateTimeOffset _lastFsync;
    private bool _dirty;

    public SpillBuffer(string directory, long maxBytes, TimeSpan fsyncInterval, byte[] secret, TimeProvider time, ILogger logger)
    {
        _directory = directory;
        _maxBytes = maxBytes;
        _fsyncInterval = fsyncInterval;
        _time = time;
        _logger = logger;
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt: [], info: KeyInfo);
        _sealer = new AesGcm(key, 16);
        _opener = new AesGcm(key, 16);
        CryptographicOperations.ZeroMemory(key);
        Directory.CreateDirectory(directory);
        foreach (var path in Directory.GetFiles(directory, "*.spill").Order(StringComparer.Ordinal))
        {
            var segment = new Segment(path, long.Parse(Path.GetFileNameWithoutExtension(path), CultureInfo.InvariantCulture)) { Sealed = true };
            segment.Records = CountRecords(path, out var length);
            segment.Length = length;
            if (segment.Records == 0)
            {
                File.Delete(path);
                continue;
            }

            _bytes += length;
            _pending += segment.Records;
            _segments.Add(segment);
            _nextSegment = Math.Max(_nextSegment, segment.Number + 1);
        }

        _lastFsync = time.GetUtcNow();
    }

    /// <summary>Items appended and not yet handed back to the pipeline.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>Bytes on disk, including records handed back but not yet acknowledged.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Appends an item; false when the disk bound is full (the caller sheds it).</summary>
    public bool TryAppend(SourceItem item)
    {
        var plain = Encode(item);
        var record = new byte[4 + 28 + plain.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record, 28 + plain.Length);
        RandomNumberGenerator.Fill(record.AsSpan(4, 12));
        lock (_gate)
        {
            if (_bytes + record.Length > _maxBytes)
            {
                return false;
            }

            _sealer.Encrypt(record.AsSpan(4, 12), plain, record.AsSpan(32), record.AsSpan(16, 16));

            if (_writer is null || _writer.Length + record.Length > SegmentBytes)
            {
                Roll();
            }

            _writer!.Write(record);
            _writer.Flush(); // through to the OS: a killed process loses nothing appended
            _writing!.Records++;
            _bytes += record.Length;
            _pending++;
            _dirty = true;
            var now = _time.GetUtcNow();
            if (now - _lastFsync >= _fsyncInterval)
            {
                _writer.Flush(flushToDisk: true);
                _lastFsync = now;
                _dirty = false;
            }
        }

        _appended.Writer.TryWrite(true);
        return true;
    }

    /// <summary>
    /// Hands the buffered items back in append order, waiting for new appends, until cancelled. Each item's
    /// acknowledgement settles it in this buffer; <see cref="Pending"/> drops once the callback has taken it.
    /// One drainer at a time.
    /// </summary>
    public async Task DrainAsync(Func<SourceItem, CancellationToken, ValueTask> handOff, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Segment? segment;
            lock (_gate)
            {
                segment = _segments.Find(x => !(x.Sealed && x.Read == x.Records));
            }

            if (segment is null || segment.Read == segment.Records)
            {
                await _appended.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            using var reader = new FileStream(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: false);
            reader.Position = segment.ReadOffset;
            var header = new byte[4];
            while (!cancellationToken.IsCancellationRequested)
            {
                int available;
                lock (_gate)
                {
                    available = segment.Records - segment.Read;
                }

                if (available == 0)
                {
                    break;
                }

                reader.ReadExactly(header);
                var length = BinaryPrimitives.ReadInt32LittleEndian(header);
                var record = new byte[length];
                reader.ReadExactly(record);
                SourceItem item;
                try
                {
                    item = Decode(record, segment, 4 + length);
                }
                catch (CryptographicException)
                {
                    // Not what this buffer wrote under this key (a changed hashing key, a damaged disk): dead-letter it.
                    item = SourceItem.Malformed("spill record unreadable (changed key or damaged file)", ReadOnlyMemory<byte>.Empty, new Acknowledgement(this, 0, (segment, 4 + length)));
                }

                await handOff(item, cancellationToken).ConfigureAwait(false);
                lock (_gate)
                {
                    segment.Read++;
                    segment.ReadOffset = reader.Position;
                    _pending--;
                }
            }
        }
    }

    public ValueTask AcknowledgeAsync(long token, object? state, CancellationToken cancellationToken)
    {
        var (segment, size) = ((Segment, int))state!;
        lock (_gate)
        {
            segment.Acked++;
            if (segment.Sealed && segment.Acked >= segment.Records)
            {
                _segments.Remove(segment);
                _bytes -= segment.Length;
                File.Delete(segment.Path);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The item stays on disk and comes again after a restart.</summary>
    public ValueTask RejectAsync(long token, object? state, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public void Dispose()
    {
        lock (_gate)
        {
            if (_writer is not null)
            {
                if (_dirty)
                {
                    _writer.Flush(flushToDisk: true);
                }

                _writer.Dispose();
                _writer = null;
            }
        }

        _sealer.Dispose();
        _opener.Dispose();
    }

    private void Roll()
    {
        if (_writer is not null)
        {
            _writer.Flush(flushToDisk: true);
            _writing!.Length = _writer.Length;
            _writer.Dispose();
            _writing.Sealed = true;
            if (_writing.Acked >= _writing.Records)
            {
                _segments.Remove(_writing);
                _bytes -= _writing.Length;
                File.Delete(_writing.Path);
            }
        }

        var number = _nextSegment++;
        var path = Path.Combine(_directory, number.ToString("D10", CultureInfo.InvariantCulture) + ".spill");
        _writer = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        _writing = new Segment(path, number);
        _segments.Add(_writing);
        _lastFsync = _time.GetUtcNow();
    }

    private SourceItem Decode(byte[] record, Segment segment, int size)
    {
        var plain = new byte[record.Length - 28];
        _opener.Decrypt(record.AsSpan(0, 12), record.AsSpan(28), record.AsSpan(12, 16), plain);
        var ack = new Acknowledgement(this, 0, (segment, size));
        var kind = plain[0];
        var encodedSize = BinaryPrimitives.ReadInt32LittleEndian(plain.AsSpan(1));
        var body = plain.AsMemory(5);
        if (kind == 0)
        {
            return SourceItem.ForPost(PostJson.Deserialize(body.Span), encodedSize, ack);
        }

        var reasonLength = BinaryPrimitives.ReadInt32LittleEndian(body.Span);
        var reason = Encoding.UTF8.GetString(body.Span.Slice(4, reasonLength));
        return SourceItem.Malformed(reason, body[(4 + reasonLength)..], ack);
    }

    private static byte[] Encode(SourceItem item)
    {
        if (item.Post is { } post)
        {
            var json = PostJson.SerializeToUtf8Bytes(post);
            var plain = new byte[5 + json.Length];
            BinaryPrimitives.WriteInt32LittleEndian(plain.AsSpan(1), item.EncodedSize);
            json.CopyTo(plain, 5);
            return plain;
        }

        var reason = Encoding.UTF8.GetBytes(item.Error ?? "unknown");
        var raw = item.RawPayload.Span;
        var bytes = new byte[5 + 4 + reason.Length + raw.Length];
        bytes[0] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(1), item.EncodedSize);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(5), reason.Length);
        reason.CopyTo(bytes, 9);
        raw.CopyTo(bytes.AsSpan(9 + reason.Length));
        return bytes;
    }

    /// <summary>Counts whole records; a torn tail (the process died mid-append) is cut off.</summary>
    private int CountRecords(string path, out long length)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        var header = new byte[4];
        var records = 0;
        long position = 0;
        while (position + 4 <= file.Length)
        {
            file.Position = position;
            file.ReadExactly(header);
            var size = BinaryPrimitives.ReadInt32LittleEndian(header);
            if (size < 28 || position + 4 + size > file.Length)
            {
                break;
            }

            position += 4 + size;
            records++;
        }

        if (position < file.Length)
        {
            Log.SpillTornTail(_logger, path, file.Length - position);
            file.SetLength(position);
        }

        length = position;
        return records;
    }

    private sealed class Segment(string path, long number)
    {
        public string Path { get; } = path;

        public long Number { get; } = number;

        public int Records { get; set; }

        public int Read { get; set; }

        public long ReadOffset { get; set; }

        public int Acked { get; set; }

        public long Length { get; set; }

        public bool Sealed { get; set; }
    }
}
