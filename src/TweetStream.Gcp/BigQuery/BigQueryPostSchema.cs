using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace TweetStream.Gcp.BigQuery;

/// <summary>The documented table schema of a post and its row encoding (insertAll <c>json</c> and NDJSON load lines).</summary>
/// <remarks>
/// <code>
/// id STRING REQUIRED        source-qualified post id (also the insertId)
/// source STRING REQUIRED    x, mastodon, bluesky, replay, …
/// created_at TIMESTAMP REQUIRED   DAY partitioning column; for deletion markers the deletion time
/// received_at TIMESTAMP     when the pipeline received the post
/// author_hash STRING        keyed hash of the author's handle (never the raw handle)
/// text STRING               redacted text
/// lang STRING               BCP 47 tag
/// hashtags STRING REPEATED, matched_rules STRING REPEATED, pii_types STRING REPEATED
/// url STRING
/// deleted BOOL              true on deletion markers
/// deleted_at TIMESTAMP      when the post was deleted at its source
/// </code>
/// </remarks>
internal static class BigQueryPostSchema
{
    public static IReadOnlyList<BqTableFieldSchema> Fields { get; } =
    [
        Field("id", "STRING", "REQUIRED", "Source-qualified post id; also the streaming insertId."),
        Field("source", "STRING", "REQUIRED", "Source name."),
        Field("created_at", "TIMESTAMP", "REQUIRED", "Creation time at the source (UTC); the partitioning column."),
        Field("received_at", "TIMESTAMP", "NULLABLE", "When the pipeline received the post."),
        Field("author_hash", "STRING", "NULLABLE", "Keyed hash of the author's handle."),
        Field("text", "STRING", "NULLABLE", "Post text after redaction."),
        Field("lang", "STRING", "NULLABLE", "BCP 47 language tag."),
        Field("hashtags", "STRING", "REPEATED", "Hashtags without '#'."),
        Field("matched_rules", "STRING", "REPEATED", "Rules that matched the post."),
        Field("url", "STRING", "NULLABLE", "Public address of the post."),
        Field("pii_types", "STRING", "REPEATED", "Entity types redacted from the text."),
        Field("deleted", "BOOL", "NULLABLE", "True on a deletion marker row."),
        Field("deleted_at", "TIMESTAMP", "NULLABLE", "When the post was deleted at its source."),
    ];

    /// <summary>Columns that may be clustering columns: top-level, not repeated, simple types.</summary>
    public static IReadOnlySet<string> Clusterable { get; } = Fields.Where(f => f.Mode != "REPEATED").Select(f => f.Name).ToHashSet(StringComparer.Ordinal);

    public const string PartitionField = "created_at";

    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>
    /// <see cref="Fields"/> as the JSON array that <c>bq mk --schema</c> and Terraform's <c>google_bigquery_table.schema</c>
    /// take; deploy/terraform/schema/posts.json is this text, so the deployed table cannot drift from the code.
    /// </summary>
    public static string ToSchemaJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping: the text is a file people read, never embedded in HTML.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentSize = 2, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            foreach (var field in Fields)
            {
                writer.WriteStartObject();
                writer.WriteString("name"u8, field.Name);
                writer.WriteString("type"u8, field.Type);
                writer.WriteString("mode"u8, field.Mode);
                writer.WriteString("description"u8, field.Description);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan).ReplaceLineEndings("\n") + "\n";
    }

    private static BqTableFieldSchema Field(string name, string type, string mode, string description) =>
        new() { Name = name, Type = type, Mode = mode, Description = description };

    /// <summary>Writes the row object of <paramref name="post"/>; a tombstone becomes a deletion marker.</summary>
    public static void WriteRow(Utf8JsonWriter writer, Post post)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, post.Id);
        writer.WriteString("source"u8, post.Source);
        WriteTimestamp(writer, "created_at"u8, post.CreatedAt);
        if (post.ReceivedAt != default)
        {
            WriteTimestamp(writer, "received_at"u8, post.ReceivedAt);
        }

        if (post.DeletedAt is { } deletedAt)
        {
            writer.WriteBoolean("deleted"u8, true);
            WriteTimestamp(writer, "deleted_at"u8, deletedAt);
            writer.WriteEndObject();
            return;
        }

        if (post.Author.Handle.Length > 0)
        {
            writer.WriteString("author_hash"u8, post.Author.Handle);
        }

        writer.WriteString("text"u8, post.Text);
        if (post.Language is { } lang)
        {
            writer.WriteString("lang"u8, lang);
        }

        WriteArray(writer, "hashtags"u8, post.Hashtags);
        WriteArray(writer, "matched_rules"u8, post.MatchedRules);
        if (post.Url is { } url)
        {
            writer.WriteString("url"u8, url);
        }

        WriteArray(writer, "pii_types"u8, post.PiiTypes);
        writer.WriteBoolean("deleted"u8, false);
        writer.WriteEndObject();
    }

    /// <summary>Formats a timestamp the way BigQuery accepts it in JSON rows and TIMESTAMP parameters.</summary>
    public static string FormatTimestamp(DateTimeOffset value) => value.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    private static void WriteTimestamp(Utf8JsonWriter writer, ReadOnlySpan<byte> name, DateTimeOffset value)
    {
        Span<byte> buffer = stackalloc byte[32];
        var utc = value.UtcDateTime;
        // yyyy-MM-ddTHH:mm:ss.ffffffZ, formatted without allocating a string.
        utc.TryFormat(buffer, out var written, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'", CultureInfo.InvariantCulture);
        writer.WriteString(name, buffer[..written]);
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

    /// <summary>Writes one NDJSON line (row object and <c>\n</c>) for a load file.</summary>
    public static void WriteLine(IBufferWriter<byte> output, Utf8JsonWriter writer, Post post)
    {
        writer.Reset(output);
        WriteRow(writer, post);
        writer.Flush();
        output.GetSpan(1)[0] = (byte)'\n';
        output.Advance(1);
    }
}
