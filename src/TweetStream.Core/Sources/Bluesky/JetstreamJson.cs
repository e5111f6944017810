using System.Text.Json;
using System.Text.Json.Serialization;

namespace TweetStream.Sources.Bluesky;

// Only the fields the source reads; unknown fields are ignored so new server fields never break decoding.
internal sealed class JetstreamEvent
{
    [JsonPropertyName("did")]
    public string? Did { get; set; }

    [JsonPropertyName("time_us")]
    public long TimeUs { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("commit")]
    public JetstreamCommit? Commit { get; set; }
}

internal sealed class JetstreamCommit
{
    [JsonPropertyName("rev")]
    public string? Rev { get; set; }

    [JsonPropertyName("operation")]
    public string? Operation { get; set; }

    [JsonPropertyName("collection")]
    public string? Collection { get; set; }

    [JsonPropertyName("rkey")]
    public string? Rkey { get; set; }

    [JsonPropertyName("record")]
    public PostRecord? Record { get; set; }
}

internal sealed class PostRecord
{
    [JsonPropertyName("text")]
    public string? Text { get; set; }

    [JsonPropertyName("createdAt")]
    public string? CreatedAt { get; set; }

    [JsonPropertyName("langs")]
    public List<string>? Langs { get; set; }

    [JsonPropertyName("facets")]
    public List<Facet>? Facets { get; set; }

    [JsonPropertyName("tags")]
    public List<string>? Tags { get; set; }
}

internal sealed class Facet
{
    [JsonPropertyName("features")]
    public List<FacetFeature>? Features { get; set; }
}

internal sealed class FacetFeature
{
    [JsonPropertyName("$type")]
    public string? Type { get; set; }

    [JsonPropertyName("tag")]
    public string? Tag { get; set; }
}

internal sealed class JetstreamState
{
    [JsonPropertyName("cursor")]
    public long Cursor { get; set; }

    [JsonPropertyName("recent")]
    public List<string>? Recent { get; set; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, AllowTrailingCommas = false)]
[JsonSerializable(typeof(JetstreamEvent))]
[JsonSerializable(typeof(JetstreamState))]
[JsonSerializable(typeof(string))]
internal sealed partial class JetstreamJsonContext : JsonSerializerContext;
