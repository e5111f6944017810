using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TweetStream.Sources.Bluesky;

internal enum JetstreamEventKind
{
    /// <summary>Not for the pipeline: another kind or collection, or an untagged post.</summary>
    Skip,
    Post,
    Delete,
    Malformed,
}

internal readonly record struct JetstreamDecoded(JetstreamEventKind Kind, long TimeUs, string? Key = null, Post? Post = null, string? PostId = null, string? Reason = null);

/// <summary>Decodes one Jetstream v1 frame and decides whether it is a kept post, a post deletion or nothing of ours.</summary>
internal sealed class JetstreamDecoder(IEnumerable<string> hashtags, Func<string, string>? pseudonymizeDid = null)
{
    public const string SourceName = "bluesky";
    private const string PostCollection = "app.bsky.feed.post";
    private const string TagFeature = "app.bsky.richtext.facet#tag";

    private readonly Dictionary<string, string> _wanted = hashtags
        .Select(t => t.TrimStart('#'))
        .Where(t => t.Length > 0)
        .Distinct(StringComparer.OrdinalIgnoreCase)
        .ToDictionary(t => t, t => t, StringComparer.OrdinalIgnoreCase);

    public JetstreamDecoded Decode(ReadOnlySpan<byte> frame, DateTimeOffset receivedAt)
    {
        JetstreamEvent? e;
        try
        {
            e = Deserialize(frame);
        }
        catch (JsonException)
        {
            return new(JetstreamEventKind.Malformed, 0, Reason: "jetstream: frame is not valid JSON of the expected shape");
        }

        if (e is null)
        {
            return new(JetstreamEventKind.Malformed, 0, Reason: "jetstream: empty frame");
        }

        if (e.Kind != "commit" || e.Commit?.Collection != PostCollection)
        {
            // identity/account/heartbeat events reach every subscriber; other collections are not ours.
            return new(JetstreamEventKind.Skip, e.TimeUs);
        }

        var commit = e.Commit;
        if (string.IsNullOrEmpty(e.Did) || string.IsNullOrEmpty(commit.Rkey) || e.TimeUs <= 0)
        {
            return new(JetstreamEventKind.Malformed, e.TimeUs, Reason: "jetstream: commit without did, rkey or time_us");
        }

        // A DID names the author as surely as a handle, so ids and resume keys carry its keyed hash (the
        // same for a post and its delete); the author fields keep the DID for HashHandles to hash.
        var didInId = pseudonymizeDid?.Invoke(e.Did) ?? e.Did;
        var id = "bluesky:" + didInId + ":" + commit.Rkey;
        var key = didInId + "/" + commit.Rkey + "/" + (commit.Rev ?? string.Empty) + "/" + commit.Operation;
        switch (commit.Operation)
        {
            case "delete":
                return new(JetstreamEventKind.Delete, e.TimeUs, key, Post.Tombstone(id, SourceName, receivedAt), id);
            case "create" or "update":
                break;
            default:
                return new(JetstreamEventKind.Malformed, e.TimeUs, Reason: "jetstream: unknown commit operation");
        }

        var record = commit.Record;
        if (record is null)
        {
            return new(JetstreamEventKind.Malformed, e.TimeUs, Reason: "jetstream: post commit without record");
        }

        var hashtagsOfPost = CollectHashtags(record);
        var matched = new List<string>();
        foreach (var tag in hashtagsOfPost)
        {
            if (_wanted.TryGetValue(tag, out var configured) && !matched.Contains(configured))
            {
                matched.Add(configured);
            }
        }

        if (matched.Count == 0)
        {
            return new(JetstreamEventKind.Skip, e.TimeUs);
        }

        var createdAt = DateTimeOffset.TryParse(record.CreatedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var c)
            ? c
            : DateTimeOffset.FromUnixTimeMilliseconds(e.TimeUs / 1000);

        var post = new Post
        {
            Id = id,
            Source = SourceName,
            CreatedAt = createdAt,
            ReceivedAt = receivedAt,
            Text = record.Text ?? string.Empty,

            // A commit names only the DID; it is the stable identifier, so it is hashed as the handle too.
            Author = new PostAuthor(e.Did, e.Did),
            Language = record.Langs is { Count: > 0 } langs ? langs[0] : null,
            Hashtags = hashtagsOfPost,

            // bsky.app URLs embed the DID (an author identifier that is hashed downstream), so none is set.
            Url = null,
            MatchedRules = matched,
        };
        return new(JetstreamEventKind.Post, e.TimeUs, key, post, id);
    }

    private static JetstreamEvent? Deserialize(ReadOnlySpan<byte> frame)
    {
        var trimmed = frame.TrimStart(" \t\r\n"u8);
        if (trimmed.Length > 0 && trimmed[0] == (byte)'"')
        {
            // Double-encoded: a JSON string whose value is the event JSON.
            var inner = JsonSerializer.Deserialize(trimmed, JetstreamJsonContext.Default.String);
            return inner is null ? null : JsonSerializer.Deserialize(Encoding.UTF8.GetBytes(inner), JetstreamJsonContext.Default.JetstreamEvent);
        }

        return JsonSerializer.Deserialize(trimmed, JetstreamJsonContext.Default.JetstreamEvent);
    }

    private static List<string> CollectHashtags(PostRecord record)
    {
        var tags = new List<string>();
        if (record.Facets is not null)
        {
            foreach (var facet in record.Facets)
            {
                if (facet?.Features is null)
                {
                    continue;
                }

                foreach (var feature in facet.Features)
                {
                    if (feature?.Type == TagFeature && !string.IsNullOrEmpty(feature.Tag))
                    {
                        Add(tags, feature.Tag);
                    }
                }
            }
        }

        if (record.Tags is not null)
        {
            foreach (var tag in record.Tags)
            {
                if (!string.IsNullOrEmpty(tag))
                {
                    Add(tags, tag);
                }
            }
        }

        return tags;

        static void Add(List<string> tags, string tag)
        {
            tag = tag.TrimStart('#');
            if (tag.Length > 0 && !tags.Contains(tag, StringComparer.OrdinalIgnoreCase))
            {
                tags.Add(tag);
            }
        }
    }
}
