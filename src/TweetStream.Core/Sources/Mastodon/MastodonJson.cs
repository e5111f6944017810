using System.Text.Json;
using System.Text.Json.Serialization;

namespace TweetStream.Sources.Mastodon;

// Only the fields the source reads; unknown fields are ignored.
internal sealed class MastodonStatus
{
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [JsonPropertyName("created_at")]
    public DateTimeOffset? CreatedAt { get; set; }

    [JsonPropertyName("edited_at")]
    public DateTimeOffset? EditedAt { get; set; }

    [JsonPropertyName("content")]
    public string? Content { get; set; }

    [JsonPropertyName("spoiler_text")]
    public string? SpoilerText { get; set; }

    [JsonPropertyName("language")]
    public string? Language { get; set; }

    [JsonPropertyName("account")]
    public MastodonAccount? Account { get; set; }

    [JsonPropertyName("tags")]
    public List<MastodonTag>? Tags { get; set; }
}

internal sealed class MastodonAccount
{
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [JsonPropertyName("acct")]
    public string? Acct { get; set; }

    [JsonPropertyName("display_name")]
    public string? DisplayName { get; set; }
}

internal sealed class MastodonTag
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }
}

internal sealed class MastodonWebSocketFrame
{
    [JsonPropertyName("stream")]
    public List<string>? Stream { get; set; }

    [JsonPropertyName("event")]
    public string? Event { get; set; }

    [JsonPropertyName("payload")]
    public string? Payload { get; set; }

    [JsonPropertyName("error")]
    public string? Error { get; set; }

    [JsonPropertyName("status")]
    public int? Status { get; set; }
}

internal sealed class MastodonInstance
{
    [JsonPropertyName("configuration")]
    public MastodonInstanceConfiguration? Configuration { get; set; }
}

internal sealed class MastodonInstanceConfiguration
{
    [JsonPropertyName("urls")]
    public MastodonInstanceUrls? Urls { get; set; }
}

internal sealed class MastodonInstanceUrls
{
    [JsonPropertyName("streaming")]
    public string? Streaming { get; set; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(MastodonStatus))]
[JsonSerializable(typeof(List<MastodonStatus>))]
[JsonSerializable(typeof(MastodonWebSocketFrame))]
[JsonSerializable(typeof(MastodonInstance))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class MastodonJsonContext : JsonSerializerContext;
