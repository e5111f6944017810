using System.Buffers;
using System.Text;
using System.Text.Json;

namespace TweetStream.Sinks.Sqlite;

/// <summary>
/// A batch's rows as the store's upsert binds them: every text column UTF-8 encoded (the lists as JSON arrays) into one
/// pooled buffer, ready before the write gate is taken.
/// </summary>
/// <remarks>
/// The store has one writer, and in a bulk load it is the bottleneck while the other core has room. Binding UTF-16
/// made SQLite translate each value under the gate, and the lists were serialized there too.
/// </remarks>
internal sealed class EncodedRows : IDisposable
{
    internal const int Id = 0;
    internal const int Source = 1;
    internal const int AuthorId = 2;
    internal const int Author = 3;
    internal const int TextField = 4;
    internal const int Lang = 5;
    internal const int Hashtags = 6;
    internal const int MatchedRules = 7;
    internal const int PiiTypes = 8;
    internal const int Url = 9;
    private const int Fields = 10;
    private const int NullLength = -1;

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    private readonly PooledBufferWriter _bytes;
    private readonly int[] _spans; // per row and field: start, length (NullLength for NULL)
    private readonly long[] _numbers; // per row: created_at, received_at, deleted_at (long.MinValue for NULL)

    private EncodedRows(int capacity)
    {
        _bytes = new PooledBufferWriter(capacity * 640);
        _spans = ArrayPool<int>.Shared.Rent(capacity * Fields * 2);
        _numbers = ArrayPool<long>.Shared.Rent(capacity * 3);
    }

    /// <summary>The rows encoded, in batch order.</summary>
    public int Count { get; private set; }

    /// <summary>Encodes the items of <paramref name="batch"/> that have not failed.</summary>
    public static EncodedRows Encode(SinkBatch batch)
    {
        var rows = new EncodedRows(batch.Count);
        try
        {
            using var writer = new Utf8JsonWriter(rows._bytes, WriterOptions);
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch.GetFailure(i) is null)
                {
                    rows.Add(batch[i], writer);
                }
            }

            return rows;
        }
        catch
        {
            rows.Dispose();
            throw;
        }
    }

    /// <summary>The UTF-8 of a text column.</summary>
    public Utf8 Field(int row, int field)
    {
        var at = ((row * Fields) + field) * 2;
        var length = _spans[at + 1];
        return length == NullLength ? default : new Utf8(_bytes.WrittenSpan.Slice(_spans[at], length));
    }

    public long CreatedAt(int row) => _numbers[row * 3];

    public long? ReceivedAt(int row) => Nullable(_numbers[(row * 3) + 1]);

    public long? DeletedAt(int row) => Nullable(_numbers[(row * 3) + 2]);

    public void Dispose()
    {
        _bytes.Dispose();
        ArrayPool<int>.Shared.Return(_spans);
        ArrayPool<long>.Shared.Return(_numbers);
    }

    private static long? Nullable(long value) => value == long.MinValue ? null : value;

    private void Add(Post post, Utf8JsonWriter writer)
    {
        // A tombstone carries only what identifies the deletion: content is blanked whatever it holds.
        var tombstone = post.IsTombstone;
        var row = Count;
        Text(row, Id, post.Id);
        Text(row, Source, post.Source);
        Text(row, AuthorId, tombstone ? string.Empty : post.Author.Id);
        Text(row, Author, tombstone ? string.Empty : post.Author.Handle);
        Text(row, TextField, tombstone ? string.Empty : post.Text);
        Text(row, Lang, tombstone ? null : post.Language);
        Json(row, Hashtags, tombstone ? [] : post.Hashtags, writer);
        Json(row, MatchedRules, tombstone ? [] : post.MatchedRules, writer);
        Json(row, PiiTypes, tombstone ? [] : post.PiiTypes, writer);
        Text(row, Url, tombstone ? null : post.Url);
        _numbers[row * 3] = post.CreatedAt.ToUnixTimeMilliseconds();
        _numbers[(row * 3) + 1] = post.ReceivedAt == default ? long.MinValue : post.ReceivedAt.ToUnixTimeMilliseconds();
        _numbers[(row * 3) + 2] = post.DeletedAt?.ToUnixTimeMilliseconds() ?? long.MinValue;
        Count = row + 1;
    }

    private void Text(int row, int field, string? value)
    {
        var at = ((row * Fields) + field) * 2;
        if (value is null)
        {
            _spans[at + 1] = NullLength;
            return;
        }

        var start = _bytes.WrittenCount;
        var written = Encoding.UTF8.GetBytes(value, _bytes.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length)));
        _bytes.Advance(written);
        _spans[at] = start;
        _spans[at + 1] = written;
    }

    private void Json(int row, int field, IReadOnlyList<string> values, Utf8JsonWriter writer)
    {
        var at = ((row * Fields) + field) * 2;
        var start = _bytes.WrittenCount;
        if (values.Count == 0)
        {
            _bytes.Write("[]"u8);
        }
        else
        {
            // The same text JsonSerializer wrote before (minified, default escaping), so stored rows compare equal.
            writer.Reset(_bytes);
            writer.WriteStartArray();
            for (var i = 0; i < values.Count; i++)
            {
                writer.WriteStringValue(values[i]);
            }

            writer.WriteEndArray();
            writer.Flush();
        }

        _spans[at] = start;
        _spans[at + 1] = _bytes.WrittenCount - start;
    }

    /// <summary>A text value's UTF-8; <c>default</c> is SQL NULL.</summary>
    internal readonly ref struct Utf8(ReadOnlySpan<byte> bytes)
    {
        private readonly bool _hasValue = true;

        public ReadOnlySpan<byte> Bytes { get; } = bytes;

        public bool IsNull => !_hasValue;
    }
}
