using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace TweetStream;

/// <summary>
/// The documented JSON form of a <see cref="Post"/>, shared by file sinks, message bodies and dead letters.
/// </summary>
/// <remarks>
/// <para>Schema (snake_case, UTC timestamps in ISO 8601 with milliseconds, absent optional values omitted):</para>
/// <code>
/// {"id":"x:1","source":"x","created_at":"2026-11-26T10:00:00.000Z","received_at":"…",
///  "text":"…","author":{"id":"k1:…","handle":"k1:…","hashed":true},"lang":"en",
///  "hashtags":["london"],"url":"…","matched_rules":["london"],"pii_types":["EMAIL"],
///  "deleted_at":"…"}
/// </code>
/// <para>Written with <see cref="Utf8JsonWriter"/> by hand: this is on the hot path of every sink and a
/// hand-written writer allocates nothing beyond the output.</para>
/// </remarks>
public static class PostJson
{
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>Writes <paramref name="post"/> as one JSON object.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="post">The post.</param>
    public static void Write(Utf8JsonWriter writer, Post post)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(post);
        writer.WriteStartObject();
        writer.WriteString("id"u8, post.Id);
        writer.WriteString("source"u8, post.Source);
        WriteTimestamp(writer, "created_at"u8, post.CreatedAt);
        if (post.ReceivedAt != default)
        {
            WriteTimestamp(writer, "received_at"u8, post.ReceivedAt);
        }

        writer.WriteString("text"u8, post.Text);
        if (!ReferenceEquals(post.Author, PostAuthor.Unknown))
        {
            writer.WriteStartObject("author"u8);
            writer.WriteString("id"u8, post.Author.Id);
            writer.WriteString("handle"u8, post.Author.Handle);
            if (post.Author.DisplayName is { } displayName)
            {
                writer.WriteString("display_name"u8, displayName);
            }

            writer.WriteBoolean("hashed"u8, post.Author.IsHashed);
            writer.WriteEndObject();
        }

        if (post.Language is { } lang)
        {
            writer.WriteString("lang"u8, lang);
        }

        WriteArray(writer, "hashtags"u8, post.Hashtags);
        if (post.Url is { } url)
        {
            writer.WriteString("url"u8, url);
        }

        WriteArray(writer, "matched_rules"u8, post.MatchedRules);
        WriteArray(writer, "pii_types"u8, post.PiiTypes);
        if (post.DeletedAt is { } deletedAt)
        {
            WriteTimestamp(writer, "deleted_at"u8, deletedAt);
        }

        writer.WriteEndObject();
    }

    /// <summary>Encodes <paramref name="post"/> as UTF-8 JSON.</summary>
    /// <param name="post">The post.</param>
    /// <returns>The JSON bytes.</returns>
    public static byte[] SerializeToUtf8Bytes(Post post)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, post);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a post written by <see cref="Write"/>; unknown properties are ignored.</summary>
    /// <param name="utf8Json">The JSON.</param>
    /// <returns>The post.</returns>
    /// <exception cref="JsonException">The JSON is malformed or lacks <c>id</c>, <c>source</c> or <c>created_at</c>.</exception>
    public static Post Deserialize(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A post must be a JSON object.");
        }

        string? id = null, source = null, text = null, lang = null, url = null;
        DateTimeOffset? createdAt = null, receivedAt = null, deletedAt = null;
        PostAuthor? author = null;
        IReadOnlyList<string> hashtags = [], rules = [], pii = [];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8)) { id = ReadString(ref reader); }
            else if (reader.ValueTextEquals("source"u8)) { source = ReadString(ref reader); }
            else if (reader.ValueTextEquals("created_at"u8)) { createdAt = ReadTimestamp(ref reader); }
            else if (reader.ValueTextEquals("received_at"u8)) { receivedAt = ReadTimestamp(ref reader); }
            else if (reader.ValueTextEquals("deleted_at"u8)) { deletedAt = ReadTimestamp(ref reader); }
            else if (reader.ValueTextEquals("text"u8)) { text = ReadString(ref reader); }
            else if (reader.ValueTextEquals("lang"u8)) { lang = ReadString(ref reader); }
            else if (reader.ValueTextEquals("url"u8)) { url = ReadString(ref reader); }
            else if (reader.ValueTextEquals("hashtags"u8)) { hashtags = ReadStrings(ref reader); }
            else if (reader.ValueTextEquals("matched_rules"u8)) { rules = ReadStrings(ref reader); }
            else if (reader.ValueTextEquals("pii_types"u8)) { pii = ReadStrings(ref reader); }
            else if (reader.ValueTextEquals("author"u8)) { author = ReadAuthor(ref reader); }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (id is null || source is null || createdAt is null)
        {
            throw new JsonException("A post needs id, source and created_at.");
        }

        return new Post
        {
            Id = id,
            Source = source,
            CreatedAt = createdAt.Value,
            ReceivedAt = receivedAt ?? default,
            DeletedAt = deletedAt,
            Text = text ?? string.Empty,
            Language = lang,
            Url = url,
            Hashtags = hashtags,
            MatchedRules = rules,
            PiiTypes = pii,
            Author = author ?? PostAuthor.Unknown,
        };
    }

    /// <summary>Formats a timestamp the way this schema does (UTC, milliseconds, <c>Z</c>).</summary>
    /// <param name="value">The timestamp.</param>
    /// <returns>The text.</returns>
    public static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    private static void WriteTimestamp(Utf8JsonWriter writer, ReadOnlySpan<byte> name, DateTimeOffset value)
    {
        // Written by hand: a custom format string is interpreted on every call, and two timestamps per post
        // made that a visible part of encoding. Same output as TimestampFormat (a test holds them together).
        Span<byte> buffer = stackalloc byte[24];
        var written = FormatTimestampUtf8(value, buffer);
        writer.WriteString(name, buffer[..written]);
    }

    /// <summary>Writes <paramref name="value"/> as <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> (UTC) into <paramref name="destination"/> (24 bytes).</summary>
    internal static int FormatTimestampUtf8(DateTimeOffset value, Span<byte> destination)
    {
        var utc = value.UtcDateTime;
        var d = destination[..24];
        Digits(d[..4], utc.Year);
        d[4] = (byte)'-';
        Digits(d.Slice(5, 2), utc.Month);
        d[7] = (byte)'-';
        Digits(d.Slice(8, 2), utc.Day);
        d[10] = (byte)'T';
        Digits(d.Slice(11, 2), utc.Hour);
        d[13] = (byte)':';
        Digits(d.Slice(14, 2), utc.Minute);
        d[16] = (byte)':';
        Digits(d.Slice(17, 2), utc.Second);
        d[19] = (byte)'.';
        Digits(d.Slice(20, 3), utc.Millisecond);
        d[23] = (byte)'Z';
        return 24;

        static void Digits(Span<byte> target, int number)
        {
            for (var i = target.Length - 1; i >= 0; i--)
            {
                target[i] = (byte)('0' + (number % 10));
                number /= 10;
            }
        }
    }

    private static void WriteArray(Utf8JsonWriter writer, ReadOnlySpan<byte> name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        for (var i = 0; i < values.Count; i++)
        {
            writer.WriteStringValue(values[i]);
        }

        writer.WriteEndArray();
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
    }

    private static DateTimeOffset? ReadTimestamp(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : reader.GetDateTimeOffset().ToUniversalTime();
    }

    private static string[] ReadStrings(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return [];
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("Expected an array of strings.");
        }

        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(reader.GetString() ?? throw new JsonException("Null in an array of strings."));
        }

        return [.. list];
    }

    private static PostAuthor ReadAuthor(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("author must be an object.");
        }

        string id = string.Empty, handle = string.Empty;
        string? displayName = null;
        var hashed = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8)) { id = ReadString(ref reader) ?? string.Empty; }
            else if (reader.ValueTextEquals("handle"u8)) { handle = ReadString(ref reader) ?? string.Empty; }
            else if (reader.ValueTextEquals("display_name"u8)) { displayName = ReadString(ref reader); }
            else if (reader.ValueTextEquals("hashed"u8))
            {
                reader.Read();
                hashed = reader.GetBoolean();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new PostAuthor(id, handle, displayName) { IsHashed = hashed };
    }
}
