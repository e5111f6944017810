using System.Buffers;
using System.Text.Json;

namespace TweetStream.Gcp.BigQuery;

/// <summary>One insertAll request body and the batch indexes of its rows, in order (row i of the body is Indexes[i]).</summary>
internal sealed record InsertAllRequestSlice(ReadOnlyMemory<byte> Body, int[] Indexes);

/// <summary>
/// Encodes posts into <c>tabledata.insertAll</c> bodies within a row count and a byte limit, by hand with
/// <see cref="Utf8JsonWriter"/>: <c>{"skipInvalidRows":…,"ignoreUnknownValues":false,"rows":[{"insertId":id,"json":{…}},…]}</c>.
/// </summary>
/// <remarks>Not thread-safe; the sink pools instances. Each row is written once into a scratch buffer to learn its size.</remarks>
internal sealed class InsertAllEncoder : IDisposable
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };
    private static readonly int EnvelopeBytes = "{\"skipInvalidRows\":false,\"ignoreUnknownValues\":false,\"rows\":[]}"u8.Length;

    private readonly int _maxRows;
    private readonly int _maxBytes;
    private readonly bool _skipInvalidRows;
    private readonly ArrayBufferWriter<byte> _row = new(4096);

    // Reused across requests; each finished body is copied out once at its exact size.
    private readonly ArrayBufferWriter<byte> _body = new(64 * 1024);
    private readonly Utf8JsonWriter _rowWriter;

    public InsertAllEncoder(int maxRows, int maxBytes, bool skipInvalidRows)
    {
        _maxRows = maxRows;
        _maxBytes = maxBytes;
        _skipInvalidRows = skipInvalidRows;
        _rowWriter = new Utf8JsonWriter(_row, WriterOptions);
    }

    /// <summary>Encodes the posts; a row that alone exceeds the byte limit is reported in <paramref name="oversized"/>.</summary>
    public List<InsertAllRequestSlice> Encode(IReadOnlyList<Post> posts, IReadOnlyList<int> indexes, List<(int Index, int Bytes)> oversized)
    {
        var requests = new List<InsertAllRequestSlice>();
        var body = _body;
        body.ResetWrittenCount();
        var members = new List<int>(Math.Min(_maxRows, indexes.Count));
        var size = EnvelopeBytes;
        foreach (var index in indexes)
        {
            _row.ResetWrittenCount();
            _rowWriter.Reset(_row);
            var post = posts[index];
            _rowWriter.WriteStartObject();
            if (post.IsTombstone)
            {
                // A deletion marker must not be deduplicated against the post it deletes (same id within a minute).
                _rowWriter.WriteString("insertId"u8, post.Id + "#deleted");
            }
            else
            {
                _rowWriter.WriteString("insertId"u8, post.Id);
            }

            _rowWriter.WritePropertyName("json"u8);
            BigQueryPostSchema.WriteRow(_rowWriter, post);
            _rowWriter.WriteEndObject();
            _rowWriter.Flush();
            var rowBytes = _row.WrittenCount + 1; // the separating comma
            if (EnvelopeBytes + rowBytes > _maxBytes)
            {
                oversized.Add((index, _row.WrittenCount));
                continue;
            }

            if (members.Count == _maxRows || size + rowBytes > _maxBytes)
            {
                requests.Add(Close(body, members));
                body.ResetWrittenCount();
                members = new List<int>(_maxRows);
                size = EnvelopeBytes;
            }

            if (members.Count == 0)
            {
                Open(body);
            }
            else
            {
                body.GetSpan(1)[0] = (byte)',';
                body.Advance(1);
            }

            body.Write(_row.WrittenSpan);
            members.Add(index);
            size += rowBytes;
        }

        if (members.Count > 0)
        {
            requests.Add(Close(body, members));
        }

        return requests;
    }

    public void Dispose() => _rowWriter.Dispose();

    private void Open(ArrayBufferWriter<byte> body) =>
        body.Write(_skipInvalidRows ? "{\"skipInvalidRows\":true,\"ignoreUnknownValues\":false,\"rows\":["u8 : "{\"skipInvalidRows\":false,\"ignoreUnknownValues\":false,\"rows\":["u8);

    private static InsertAllRequestSlice Close(ArrayBufferWriter<byte> body, List<int> members)
    {
        body.Write("]}"u8);
        return new InsertAllRequestSlice(body.WrittenSpan.ToArray(), [.. members]);
    }
}
