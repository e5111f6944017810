using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TweetStream.Gcp.Dlp;

/// <summary>A replacement marker the redacted text can contain and the <see cref="Post.PiiTypes"/> name it stands for.</summary>
internal readonly record struct DlpMarker(string Text, string Type);

/// <summary>
/// Writes <c>DeidentifyContentRequest</c> bodies: the configuration part is encoded once, rows are appended as
/// pre-encoded strings, so the size of a request is known exactly before it is built.
/// </summary>
internal sealed class DlpRequestEncoder
{
    /// <summary>The relaxed encoder keeps non-ASCII text as UTF-8 (a JSON body, never HTML): smaller and exact to count.</summary>
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public const string Column = "text";

    private static ReadOnlySpan<byte> Prefix => "{\"item\":{\"table\":{\"headers\":[{\"name\":\"text\"}],\"rows\":["u8;

    private static ReadOnlySpan<byte> RowStart => "{\"values\":[{\"stringValue\":\""u8;

    private static ReadOnlySpan<byte> RowEnd => "\"}]}"u8;

    private static ReadOnlySpan<byte> TableEnd => "]}}"u8;

    private readonly byte[] _config;

    public DlpRequestEncoder(DlpRedactionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        InfoTypes = [.. (options.InfoTypes is { Count: > 0 } configured ? configured : DlpInfoTypes.Default).Select(t => t.Trim()).Distinct(StringComparer.Ordinal)];
        IReadOnlyList<string> all = options.UkPostcodes ? [.. InfoTypes, DlpInfoTypes.UkPostcode] : InfoTypes;
        if (options.UkBankAndVehicleDetectors)
        {
            all = [.. all, .. DlpInfoTypes.UkBankAndVehicle.Select(c => c.Name)];
        }

        Markers = options.Replacement == DlpReplacementStyle.LocalNames
            ? [.. all.Select(DlpInfoTypes.LocalName).Distinct(StringComparer.Ordinal).Select(n => new DlpMarker("[" + n + "]", n))]
            : [.. all.Select(t => new DlpMarker("[" + t + "]", DlpInfoTypes.LocalName(t)))];
        _config = EncodeConfig(options, InfoTypes, all);
    }

    /// <summary>The built-in infoTypes asked for, in order.</summary>
    public IReadOnlyList<string> InfoTypes { get; }

    public IReadOnlyList<DlpMarker> Markers { get; }

    /// <summary>Bytes of a request with no rows.</summary>
    public int FixedBytes => Prefix.Length + TableEnd.Length + _config.Length;

    /// <summary>Bytes one row adds, its separating comma included.</summary>
    public static int RowBytes(JsonEncodedText text) => RowStart.Length + text.EncodedUtf8Bytes.Length + RowEnd.Length + 1;

    public static JsonEncodedText EncodeText(string text) => JsonEncodedText.Encode(text, Encoder);

    public byte[] Encode(IReadOnlyList<JsonEncodedText> rows)
    {
        var size = FixedBytes;
        foreach (var row in rows)
        {
            size += RowBytes(row);
        }

        var buffer = new ArrayBufferWriter<byte>(size);
        buffer.Write(Prefix);
        for (var i = 0; i < rows.Count; i++)
        {
            if (i > 0)
            {
                buffer.Write(","u8);
            }

            buffer.Write(RowStart);
            buffer.Write(rows[i].EncodedUtf8Bytes);
            buffer.Write(RowEnd);
        }

        buffer.Write(TableEnd);
        buffer.Write(_config);
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] EncodeConfig(DlpRedactionOptions options, IReadOnlyList<string> infoTypes, IReadOnlyList<string> all)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Encoder }))
        {
            // Written as the tail of the request object, whose '{' the prefix opened.
            w.WriteStartObject();
            w.WriteStartObject("inspectConfig");
            w.WriteStartArray("infoTypes");
            foreach (var type in infoTypes)
            {
                WriteInfoType(w, type);
            }

            w.WriteEndArray();
            if (options.UkPostcodes || options.UkBankAndVehicleDetectors)
            {
                w.WriteStartArray("customInfoTypes");
                if (options.UkPostcodes)
                {
                    WriteCustomInfoType(w, DlpInfoTypes.UkPostcode, DlpInfoTypes.UkPostcodePattern, group: null);
                }

                if (options.UkBankAndVehicleDetectors)
                {
                    foreach (var (name, pattern) in DlpInfoTypes.UkBankAndVehicle)
                    {
                        WriteCustomInfoType(w, name, pattern, group: 1);
                    }
                }

                w.WriteEndArray();
            }

            w.WriteString("minLikelihood", options.MinLikelihood);
            w.WriteEndObject();

            w.WriteStartObject("deidentifyConfig");
            w.WriteStartObject("infoTypeTransformations");
            w.WriteStartArray("transformations");
            if (options.Replacement == DlpReplacementStyle.InfoTypeNames)
            {
                // No infoTypes: applies to every type inspected.
                w.WriteStartObject();
                w.WriteStartObject("primitiveTransformation");
                w.WriteStartObject("replaceWithInfoTypeConfig");
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            }
            else
            {
                foreach (var group in all.GroupBy(DlpInfoTypes.LocalName, StringComparer.Ordinal))
                {
                    w.WriteStartObject();
                    w.WriteStartArray("infoTypes");
                    foreach (var type in group)
                    {
                        WriteInfoType(w, type);
                    }

                    w.WriteEndArray();
                    w.WriteStartObject("primitiveTransformation");
                    w.WriteStartObject("replaceConfig");
                    w.WriteStartObject("newValue");
                    w.WriteString("stringValue", "[" + group.Key + "]");
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();

            // A transformation error fails the request rather than leaving that value untransformed (raw).
            w.WriteStartObject("transformationErrorHandling");
            w.WriteStartObject("throwError");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        // Drop the writer's opening '{': the prefix already opened the request object; keep the ',' joining them.
        var json = buffer.WrittenSpan;
        var config = new byte[json.Length];
        config[0] = (byte)',';
        json[1..].CopyTo(config.AsSpan(1));
        return config;
    }

    private static void WriteCustomInfoType(Utf8JsonWriter w, string name, string pattern, int? group)
    {
        w.WriteStartObject();
        w.WritePropertyName("infoType");
        WriteInfoType(w, name);
        w.WriteStartObject("regex");
        w.WriteString("pattern", pattern);
        if (group is { } g)
        {
            w.WriteStartArray("groupIndexes");
            w.WriteNumberValue(g);
            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.WriteString("likelihood", "LIKELY");
        w.WriteEndObject();
    }

    private static void WriteInfoType(Utf8JsonWriter w, string name)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteEndObject();
    }
}
