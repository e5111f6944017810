using System.Buffers;
using System.Text.Json;

namespace TweetStream.Gcp.PubSub;

/// <summary>One publish request: which posts of the batch it carries and its exact JSON body.</summary>
/// <param name="Start">Index of the first post in the batch.</param>
/// <param name="Indexes">Indexes of the posts it carries, in order.</param>
/// <param name="Body">The <c>PublishRequest</c> JSON.</param>
internal sealed record PublishRequestSlice(int Start, int[] Indexes, byte[] Body);

/// <summary>
/// Encodes posts as Pub/Sub messages and splits them into publish requests within the configured thresholds and the
/// API's hard limits (1,000 messages, 10,000,000 bytes per request).
/// </summary>
/// <remarks>
/// Sizes are exact: every message is written once, with its base64 <c>data</c>, attributes and JSON punctuation,
/// and the request body is the concatenation <c>{"messages":[m1,m2,…]}</c>. The JSON body is larger than the protobuf
/// the limit is defined on, so staying under the limit in JSON is conservative. Not thread-safe: one instance per call
/// (instances are reusable and keep their buffers).
/// </remarks>
internal sealed class PublishRequestEncoder : IDisposable
{
    public const int HardMaxMessages = 1000;
    public const int HardMaxBytes = 10_000_000;

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    private readonly int _maxMessages;
    private readonly int _maxBytes;
    private readonly string? _orderingKey;
    private readonly ArrayBufferWriter<byte> _post = new(1024);
    private readonly ArrayBufferWriter<byte> _messages = new(64 * 1024);
    private readonly Utf8JsonWriter _postWriter;
    private readonly Utf8JsonWriter _messageWriter;
    private int[] _offsets = new int[256];

    public PublishRequestEncoder(int maxMessages, int maxBytes, string? orderingKey)
    {
        _maxMessages = Math.Clamp(maxMessages, 1, HardMaxMessages);
        _maxBytes = Math.Clamp(maxBytes, 1, HardMaxBytes);
        _orderingKey = string.IsNullOrEmpty(orderingKey) ? null : orderingKey;
        _postWriter = new Utf8JsonWriter(_post, WriterOptions);
        _messageWriter = new Utf8JsonWriter(_messages, WriterOptions);
    }

    /// <summary>
    /// The W3C <c>traceparent</c> (and <c>tracestate</c>) to carry in every message's attributes, so subscribers
    /// continue the publishing span's trace; null to carry none.
    /// </summary>
    public (string Parent, string? State)? TraceContext { get; set; }

    /// <summary>Bytes of <c>{"messages":[</c> plus <c>]}</c>.</summary>
    public static int EnvelopeBytes => Prefix.Length + Suffix.Length;

    private static ReadOnlySpan<byte> Prefix => "{\"messages\":["u8;

    private static ReadOnlySpan<byte> Suffix => "]}"u8;

    /// <summary>Encodes <paramref name="posts"/>; posts too large for any request are listed in <paramref name="oversized"/>.</summary>
    public List<PublishRequestSlice> Encode(IReadOnlyList<Post> posts, List<(int Index, int Bytes)> oversized)
    {
        _messages.ResetWrittenCount();
        if (_offsets.Length < posts.Count + 1)
        {
            _offsets = new int[Math.Max(posts.Count + 1, _offsets.Length * 2)];
        }

        for (var i = 0; i < posts.Count; i++)
        {
            _offsets[i] = _messages.WrittenCount;
            WriteMessage(posts[i]);
        }

        _offsets[posts.Count] = _messages.WrittenCount;

        var requests = new List<PublishRequestSlice>();
        var indexes = new List<int>();
        var size = EnvelopeBytes;
        for (var i = 0; i < posts.Count; i++)
        {
            var length = _offsets[i + 1] - _offsets[i];
            if (EnvelopeBytes + length > HardMaxBytes)
            {
                oversized.Add((i, length));
                continue;
            }

            var added = length + (indexes.Count > 0 ? 1 : 0);
            if (indexes.Count > 0 && (indexes.Count == _maxMessages || size + added > _maxBytes))
            {
                requests.Add(Build(indexes, size));
                indexes.Clear();
                size = EnvelopeBytes;
                added = length;
            }

            indexes.Add(i);
            size += added;
        }

        if (indexes.Count > 0)
        {
            requests.Add(Build(indexes, size));
        }

        return requests;
    }

    public void Dispose()
    {
        _postWriter.Dispose();
        _messageWriter.Dispose();
    }

    private PublishRequestSlice Build(List<int> indexes, int size)
    {
        var body = new byte[size];
        var span = body.AsSpan();
        Prefix.CopyTo(span);
        var at = Prefix.Length;
        var written = _messages.WrittenSpan;
        for (var k = 0; k < indexes.Count; k++)
        {
            if (k > 0)
            {
                span[at++] = (byte)',';
            }

            var i = indexes[k];
            var message = written[_offsets[i].._offsets[i + 1]];
            message.CopyTo(span[at..]);
            at += message.Length;
        }

        Suffix.CopyTo(span[at..]);
        return new PublishRequestSlice(indexes[0], [.. indexes], body);
    }

    private void WriteMessage(Post post)
    {
        _post.ResetWrittenCount();
        _postWriter.Reset(_post);
        PostJson.Write(_postWriter, post);
        _postWriter.Flush();

        var w = _messageWriter;
        w.Reset(_messages);
        w.WriteStartObject();
        w.WriteBase64String("data"u8, _post.WrittenSpan);
        w.WriteStartObject("attributes"u8);
        w.WriteString("post_id"u8, post.Id);
        w.WriteString("source"u8, post.Source);
        Span<byte> stamp = stackalloc byte[32];
        post.CreatedAt.UtcDateTime.TryFormat(stamp, out var n, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        w.WriteString("created_at"u8, stamp[..n]);
        if (TraceContext is { } trace)
        {
            w.WriteString(PubSubTraceContext.TraceParentAttribute, trace.Parent);
            if (!string.IsNullOrEmpty(trace.State))
            {
                w.WriteString(PubSubTraceContext.TraceStateAttribute, trace.State);
            }
        }
        w.WriteEndObject();
        if (_orderingKey is not null)
        {
            w.WriteString("orderingKey"u8, _orderingKey);
        }

        w.WriteEndObject();
        w.Flush();
    }
}
