using System.Globalization;
using System.Text.Json;
using TweetStream.Sources.Common;

namespace TweetStream.Sources.Mastodon;

/// <summary>Maps Mastodon statuses and events to posts.</summary>
internal static class MastodonStatusMapper
{
    public const string SourceName = "mastodon";

    /// <summary>Parses a Status JSON document; null with a reason when it is not one.</summary>
    public static MastodonStatus? ParseStatus(ReadOnlySpan<byte> json, out string? reason)
    {
        MastodonStatus? status;
        try
        {
            status = JsonSerializer.Deserialize(json, MastodonJsonContext.Default.MastodonStatus);
        }
        catch (JsonException)
        {
            reason = "mastodon: status is not valid JSON of the expected shape";
            return null;
        }

        if (status is null || !IsComplete(status))
        {
            reason = "mastodon: status without id, created_at or account";
            return null;
        }

        reason = null;
        return status;
    }

    /// <summary>True when the status has what a post needs: id, creation time and an account with id and acct.</summary>
    public static bool IsComplete(MastodonStatus status) =>
        !string.IsNullOrEmpty(status.Id) && status.CreatedAt is not null
        && status.Account is not null && !string.IsNullOrEmpty(status.Account.Id) && !string.IsNullOrEmpty(status.Account.Acct);

    /// <summary>
    /// Maps a status seen on <paramref name="host"/>. The id is the instance's local id (remote posts have a
    /// local copy), so the post id and URL use the instance host.
    /// </summary>
    public static Post ToPost(MastodonStatus status, string host, string matchedTag, DateTimeOffset receivedAt)
    {
        var text = HtmlText.ToPlainText(status.Content);
        if (!string.IsNullOrWhiteSpace(status.SpoilerText))
        {
            // The content warning is part of what the author wrote; keep it so redaction sees it too.
            text = status.SpoilerText + "\n\n" + text;
        }

        var hashtags = new List<string>();
        if (status.Tags is not null)
        {
            foreach (var tag in status.Tags)
            {
                if (!string.IsNullOrEmpty(tag?.Name) && !hashtags.Contains(tag.Name, StringComparer.OrdinalIgnoreCase))
                {
                    hashtags.Add(tag.Name);
                }
            }
        }

        return new Post
        {
            Id = PostId(host, status.Id!),
            Source = SourceName,
            CreatedAt = status.CreatedAt!.Value.ToUniversalTime(),
            ReceivedAt = receivedAt,
            Text = text,

            // acct is the handle (user or user@domain); HashHandles replaces it and drops the display name.
            Author = new PostAuthor(status.Account!.Id!, status.Account.Acct!, string.IsNullOrEmpty(status.Account.DisplayName) ? null : status.Account.DisplayName),
            Language = string.IsNullOrEmpty(status.Language) ? null : status.Language,
            Hashtags = hashtags,
            Url = StatusUrl(host, status.Id!),
            MatchedRules = [matchedTag],
        };
    }

    public static string PostId(string host, string statusId) => "mastodon:" + host + ":" + statusId;

    /// <summary>
    /// A link that names no account: the status' own <c>url</c> and <c>uri</c> embed the username
    /// (<c>/@user/123</c>, <c>/users/user/statuses/123</c>), which would carry the raw handle past the hashing
    /// transform. The web app's <c>/web/statuses/:id</c> route resolves the local id on the instance we read from.
    /// </summary>
    public static string StatusUrl(string host, string statusId) =>
        "https://" + host + "/web/statuses/" + Uri.EscapeDataString(statusId);

    /// <summary>Parses a numeric status id for ordering; 0 when the instance uses non-numeric ids.</summary>
    public static long Position(string? id) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

    /// <summary>The id in a <c>delete</c> payload: a bare id, tolerated with quotes or whitespace around it.</summary>
    public static string? DeletedId(ReadOnlySpan<byte> payload)
    {
        var text = System.Text.Encoding.UTF8.GetString(payload).Trim().Trim('"');
        if (text.Length == 0 || text.Length > 64)
        {
            return null;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return null;
            }
        }

        return text;
    }
}
