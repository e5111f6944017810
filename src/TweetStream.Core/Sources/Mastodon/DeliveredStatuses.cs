using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TweetStream.Sources.Mastodon;

/// <summary>
/// The statuses a stream delivered most recently, with the version each was delivered in: bounded by count,
/// the least recently delivered forgotten first. Reconciliation after a gap compares them with the instance.
/// </summary>
/// <remarks>Thread-safe: the stream loop records deliveries, acknowledgements arrive on pipeline workers.</remarks>
internal sealed class DeliveredStatuses(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _byId = new(StringComparer.Ordinal);

    // Least recently delivered first.
    private readonly LinkedList<Entry> _order = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byId.Count;
            }
        }
    }

    /// <summary>Records a delivered version of a status in <paramref name="round"/> (the stream's connection count).</summary>
    public void Delivered(Version version, long round)
    {
        if (capacity <= 0 || !Encodable(version.Id))
        {
            return;
        }

        lock (_gate)
        {
            if (_byId.Remove(version.Id, out var old))
            {
                _order.Remove(old);
            }

            _byId[version.Id] = _order.AddLast(new Entry(version, round));
            while (_byId.Count > capacity)
            {
                _byId.Remove(_order.First!.Value.Version.Id);
                _order.RemoveFirst();
            }
        }
    }

    /// <summary>The status was found unchanged in <paramref name="round"/>: it is not due again until the next gap.</summary>
    public void Verified(string id, long round)
    {
        lock (_gate)
        {
            if (_byId.TryGetValue(id, out var node))
            {
                node.Value = node.Value with { Round = round };
            }
        }
    }

    public void Forget(string id)
    {
        lock (_gate)
        {
            if (_byId.Remove(id, out var node))
            {
                _order.Remove(node);
            }
        }
    }

    public Version? Find(string id)
    {
        lock (_gate)
        {
            return _byId.TryGetValue(id, out var node) ? node.Value.Version : null;
        }
    }

    /// <summary>
    /// Statuses last confirmed before <paramref name="round"/> and created at or after <paramref name="notBefore"/>:
    /// the longest unconfirmed first (so a pass cut short by another drop makes progress), then the most recently
    /// delivered first.
    /// </summary>
    public List<Version> Due(long round, DateTimeOffset notBefore)
    {
        lock (_gate)
        {
            var due = new List<(Entry Entry, int Recency)>();
            var recency = 0;
            for (var node = _order.Last; node is not null; node = node.Previous)
            {
                if (node.Value.Round < round && node.Value.Version.CreatedAtMs >= notBefore.ToUnixTimeMilliseconds())
                {
                    due.Add((node.Value, recency));
                }

                recency++;
            }

            due.Sort((a, b) => a.Entry.Round != b.Entry.Round ? a.Entry.Round.CompareTo(b.Entry.Round) : a.Recency.CompareTo(b.Recency));
            return [.. due.Select(d => d.Entry.Version)];
        }
    }

    /// <summary>Compact text for the state file: <c>id,edited_at ms,content hash,created_at ms</c> per status, oldest first.</summary>
    public string Encode()
    {
        lock (_gate)
        {
            return string.Join(' ', _order.Select(e => Format(e.Version)));
        }
    }

    /// <summary>One status as <see cref="Encode"/> writes it and <see cref="Decode"/> reads it back.</summary>
    public static string Format(Version version) => string.Join(
        ',',
        version.Id,
        version.EditedAtMs.ToString(CultureInfo.InvariantCulture),
        version.ContentHash,
        version.CreatedAtMs.ToString(CultureInfo.InvariantCulture));

    /// <summary>Reads what <see cref="Encode"/> wrote, in <paramref name="round"/>; malformed entries are skipped.</summary>
    public void Decode(string? text, long round)
    {
        foreach (var part in (text ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = part.Split(',');
            if (fields.Length == 4
                && long.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var edited)
                && long.TryParse(fields[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var created))
            {
                Delivered(new Version(fields[0], edited, fields[2], created), round);
            }
        }
    }

    /// <summary>The version of <paramref name="status"/> as remembered: edited_at, a hash of what the post text is made of, created_at.</summary>
    public static Version VersionOf(MastodonStatus status) => new(
        status.Id!,
        status.EditedAt?.ToUnixTimeMilliseconds() ?? 0,
        ContentHash(status),
        status.CreatedAt?.ToUnixTimeMilliseconds() ?? 0);

    // A short stable hash: string.GetHashCode differs per process, and the hash is saved across restarts.
    private static string ContentHash(MastodonStatus status)
    {
        var bytes = Encoding.UTF8.GetBytes((status.SpoilerText ?? string.Empty) + "\u0000" + (status.Content ?? string.Empty));
        return Convert.ToHexString(SHA256.HashData(bytes), 0, 8);
    }

    // Ids go into the space- and comma-separated state text; Mastodon ids are digits.
    private static bool Encodable(string id) => id.Length is > 0 and <= 64 && id.All(char.IsAsciiLetterOrDigit);

    /// <summary>A delivered version of a status.</summary>
    internal sealed record Version(string Id, long EditedAtMs, string ContentHash, long CreatedAtMs);

    private readonly record struct Entry(Version Version, long Round);
}
