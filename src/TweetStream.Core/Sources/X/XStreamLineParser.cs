using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace TweetStream.Sources.X;

/// <summary>
/// Parses one X API v2 filtered-stream line (UTF-8, with or without the trailing <c>\r\n</c>) into a post,
/// a delete tombstone, a keep-alive, in-stream errors or a malformed-input reason.
/// </summary>
/// <remarks>
/// <para>Hand-written over <see cref="Utf8JsonReader"/> in one forward pass: no reflection, and nothing
/// allocated beyond the post's own strings and lists. Members may come in any order (<c>includes</c> before
/// <c>data</c> is fine); unknown members and message types are tolerated.</para>
/// <para>Thread-safe: scratch state is per thread.</para>
/// </remarks>
internal static class XStreamLineParser
{
    /// <summary>The X source's name, also the prefix of post ids.</summary>
    public const string SourceName = "x";

    private const string UrlPrefix = "https://x.com/i/web/status/";

    [ThreadStatic]
    private static Scratch? t_scratch;

    /// <summary>Parses <paramref name="line"/>.</summary>
    /// <param name="line">One line; a trailing <c>\r\n</c> is allowed.</param>
    /// <param name="receivedAt">When the line arrived; also the created-at of posts without <c>created_at</c>.</param>
    /// <param name="source">The value of <see cref="Post.Source"/> (ids keep the <c>x:</c> prefix regardless).</param>
    public static XStreamLine Parse(ReadOnlySpan<byte> line, DateTimeOffset receivedAt, string source = SourceName)
    {
        if (IsBlank(line))
        {
            return XStreamLine.KeepAlive;
        }

        if (!Utf8.IsValid(line))
        {
            return XStreamLine.Malformed(XStreamReasons.InvalidUtf8);
        }

        var scratch = t_scratch ??= new Scratch();
        scratch.Reset();
        try
        {
            return ParseCore(line, receivedAt, source, scratch);
        }
        catch (JsonException)
        {
            return XStreamLine.Malformed(XStreamReasons.MalformedJson);
        }
    }

    /// <summary>True for an empty or whitespace-only line (X's keep-alive is a bare <c>\r\n</c>).</summary>
    public static bool IsBlank(ReadOnlySpan<byte> line) => line.Trim(" \t\r\n"u8).IsEmpty;

    private static XStreamLine ParseCore(ReadOnlySpan<byte> line, DateTimeOffset receivedAt, string source, Scratch s)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return XStreamLine.Malformed(reader.TokenType == JsonTokenType.None ? XStreamReasons.MalformedJson : XStreamReasons.NotAnObject);
        }

        var d = default(DataFields);
        d.AuthorId = RawString.None;
        var hasData = false;
        var hasPostMembers = false;
        var hasErrors = false;
        string? title = null, type = null, detail = null, disconnectType = null, connectionIssue = null;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    hasData = true;
                    ReadData(ref reader, ref d, s);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("includes"u8))
            {
                hasPostMembers = true;
                reader.Read();
                ReadIncludes(ref reader, s);
            }
            else if (reader.ValueTextEquals("matching_rules"u8))
            {
                hasPostMembers = true;
                reader.Read();
                ReadRules(ref reader, s);
            }
            else if (reader.ValueTextEquals("errors"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    hasErrors = true;
                    ReadErrors(ref reader, s);
                }
                else
                {
                    reader.Skip();
                }
            }

            // A bare problem object (an HTTP error body) has these at the top level.
            else if (reader.ValueTextEquals("title"u8))
            {
                title = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                type = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("detail"u8))
            {
                detail = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("disconnect_type"u8))
            {
                disconnectType = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("connection_issue"u8))
            {
                connectionIssue = ReadString(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return XStreamLine.Malformed(XStreamReasons.MalformedJson);
        }

        // Anything but whitespace after the object is an error (the reader throws on a second value).
        if (reader.Read())
        {
            return XStreamLine.Malformed(XStreamReasons.MalformedJson);
        }

        if (hasData)
        {
            return BuildFromData(line, receivedAt, source, ref d, s);
        }

        if (hasErrors)
        {
            return new XStreamLine(XStreamLineKind.Errors, Errors: s.Errors.ToArray());
        }

        if (title is not null && type is not null)
        {
            return new XStreamLine(XStreamLineKind.Errors, Errors: [new XStreamProblem(title, type, detail, disconnectType, connectionIssue)]);
        }

        // includes or matching_rules without the post they belong to cannot be a post.
        return hasPostMembers ? XStreamLine.Malformed(XStreamReasons.MissingId) : XStreamLine.Ignored;
    }

    private static XStreamLine BuildFromData(ReadOnlySpan<byte> line, DateTimeOffset receivedAt, string source, ref DataFields d, Scratch s)
    {
        if (d.IsDelete)
        {
            if (d.DeleteId is null)
            {
                return XStreamLine.Malformed(XStreamReasons.MissingDeleteId);
            }

            if (d.EventAtInvalid)
            {
                return XStreamLine.Malformed(XStreamReasons.InvalidEventAt);
            }

            var tombstone = Post.Tombstone("x:" + d.DeleteId, source, d.EventAt ?? receivedAt) with { ReceivedAt = receivedAt };
            return new XStreamLine(XStreamLineKind.Delete, tombstone);
        }

        if (d.IsOtherCompliance && d.Id is null)
        {
            return XStreamLine.Ignored;
        }

        if (d.Id is null)
        {
            return XStreamLine.Malformed(XStreamReasons.MissingId);
        }

        if (d.Text is null)
        {
            return XStreamLine.Malformed(XStreamReasons.MissingText);
        }

        if (d.CreatedAtInvalid)
        {
            return XStreamLine.Malformed(XStreamReasons.InvalidCreatedAt);
        }

        var author = PostAuthor.Unknown;
        if (d.AuthorId.IsPresent)
        {
            var found = -1;
            for (var i = 0; i < s.UserCount; i++)
            {
                if (RawString.ValueEquals(line, s.Users[i].Id, d.AuthorId))
                {
                    found = i;
                    break;
                }
            }

            if (found < 0 || !s.Users[found].Username.IsPresent)
            {
                return XStreamLine.Malformed(XStreamReasons.UnknownAuthor);
            }

            ref var u = ref s.Users[found];
            author = new PostAuthor(
                u.Id.Materialize(line),
                u.Username.Materialize(line),
                u.Name.IsPresent ? u.Name.Materialize(line) : null);
        }

        string[] hashtags;
        if (d.HasHashtagEntities)
        {
            hashtags = s.Hashtags.Count == 0 ? [] : s.Hashtags.ToArray();
        }
        else
        {
            HashtagExtractor.Extract(d.Text, s.Hashtags);
            hashtags = s.Hashtags.Count == 0 ? [] : s.Hashtags.ToArray();
        }

        var post = new Post
        {
            Id = d.Id,
            Source = source,
            CreatedAt = d.CreatedAt ?? receivedAt,
            ReceivedAt = receivedAt,
            Text = d.Text,
            Author = author,
            Language = d.Language,
            Hashtags = hashtags,
            Url = string.Concat(UrlPrefix, d.Id.AsSpan(2)),
            MatchedRules = s.Rules.Count == 0 ? [] : s.Rules.ToArray(),
        };
        return new XStreamLine(XStreamLineKind.Post, post);
    }

    private static void ReadData(ref Utf8JsonReader reader, ref DataFields d, Scratch s)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    d.Id = QualifiedId(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                d.Text = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("author_id"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    d.AuthorId = RawString.From(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("created_at"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var created))
                {
                    d.CreatedAt = created.ToUniversalTime();
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    d.CreatedAtInvalid = true;
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("lang"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    d.Language = CachedString(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("entities"u8))
            {
                reader.Read();
                ReadEntities(ref reader, ref d, s);
            }
            else if (reader.ValueTextEquals("delete"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    d.IsDelete = true;
                    ReadDelete(ref reader, ref d);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("withheld"u8) || reader.ValueTextEquals("drop"u8) ||
                     reader.ValueTextEquals("undrop"u8) || reader.ValueTextEquals("tweet_edit"u8))
            {
                d.IsOtherCompliance = true;
                reader.Skip();
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static void ReadEntities(ref Utf8JsonReader reader, ref DataFields d, Scratch s)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("hashtags"u8))
            {
                reader.Skip();
                continue;
            }

            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }

            d.HasHashtagEntities = true;
            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("tag"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            s.Hashtags.Add(CachedString(ref reader));
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }

            SkipRestOfArray(ref reader);
        }
    }

    private static void ReadDelete(ref Utf8JsonReader reader, ref DataFields d)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("tweet"u8) || reader.ValueTextEquals("post"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("id"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            d.DeleteId = reader.GetString();
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else if (reader.ValueTextEquals("event_at"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at))
                {
                    d.EventAt = at.ToUniversalTime();
                }
                else
                {
                    d.EventAtInvalid = true;
                    reader.Skip();
                }
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static void ReadIncludes(ref Utf8JsonReader reader, Scratch s)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        // tweets (spec 2.159) and posts (2.167) hold referenced posts; this parser does not need them.
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("users"u8))
            {
                reader.Skip();
                continue;
            }

            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                var user = new UserRef { Id = RawString.None, Username = RawString.None, Name = RawString.None };
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("id"u8))
                    {
                        user.Id = ReadRaw(ref reader);
                    }
                    else if (reader.ValueTextEquals("username"u8))
                    {
                        user.Username = ReadRaw(ref reader);
                    }
                    else if (reader.ValueTextEquals("name"u8))
                    {
                        user.Name = ReadRaw(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                if (user.Id.IsPresent)
                {
                    s.AddUser(user);
                }
            }

            SkipRestOfArray(ref reader);
        }
    }

    private static void ReadRules(ref Utf8JsonReader reader, Scratch s)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? id = null, tag = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    id = reader.TokenType == JsonTokenType.String ? CachedString(ref reader) : SkipNull(ref reader);
                }
                else if (reader.ValueTextEquals("tag"u8))
                {
                    reader.Read();
                    tag = reader.TokenType == JsonTokenType.String ? CachedString(ref reader) : SkipNull(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }

            // An untagged rule arrives with "tag": ""; its id is the only name it has.
            var name = string.IsNullOrEmpty(tag) ? id : tag;
            if (!string.IsNullOrEmpty(name))
            {
                s.Rules.Add(name);
            }
        }

        SkipRestOfArray(ref reader);
    }

    private static void ReadErrors(ref Utf8JsonReader reader, Scratch s)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? title = null, type = null, detail = null, disconnectType = null, connectionIssue = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("title"u8))
                {
                    title = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("type"u8))
                {
                    type = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("detail"u8))
                {
                    detail = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("disconnect_type"u8))
                {
                    disconnectType = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("connection_issue"u8))
                {
                    connectionIssue = ReadString(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }

            s.Errors.Add(new XStreamProblem(title, type, detail, disconnectType, connectionIssue));
        }

        SkipRestOfArray(ref reader);
    }

    // Arrays of objects: a non-object element ends the object loop; skip whatever is left.
    private static void SkipRestOfArray(ref Utf8JsonReader reader)
    {
        while (reader.TokenType != JsonTokenType.EndArray)
        {
            reader.Skip();
            if (!reader.Read())
            {
                throw new JsonException("unterminated array");
            }
        }
    }

    private static string? SkipNull(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    private static RawString ReadRaw(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return RawString.From(ref reader);
        }

        reader.Skip();
        return RawString.None;
    }

    private static string CachedString(ref Utf8JsonReader reader) =>
        reader.ValueIsEscaped ? reader.GetString()! : Utf8StringCache.Current.Get(reader.ValueSpan);

    // "x:" + id built straight from the bytes: one allocation instead of two.
    private static string QualifiedId(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (reader.ValueIsEscaped || raw.Length > 64)
        {
            return "x:" + reader.GetString();
        }

        Span<char> buffer = stackalloc char[66];
        buffer[0] = 'x';
        buffer[1] = ':';
        var n = Encoding.UTF8.GetChars(raw, buffer[2..]);
        return new string(buffer[..(2 + n)]);
    }

    private struct DataFields
    {
        public string? Id;
        public string? Text;
        public RawString AuthorId;
        public DateTimeOffset? CreatedAt;
        public bool CreatedAtInvalid;
        public string? Language;
        public bool HasHashtagEntities;
        public bool IsDelete;
        public bool IsOtherCompliance;
        public string? DeleteId;
        public DateTimeOffset? EventAt;
        public bool EventAtInvalid;
    }

    private struct UserRef
    {
        public RawString Id;
        public RawString Username;
        public RawString Name;
    }

    /// <summary>A string value located in the line, materialized only when needed.</summary>
    private readonly record struct RawString(int Start, int Length, bool Escaped)
    {
        public static RawString None => new(-1, 0, false);

        public bool IsPresent => Start >= 0;

        // TokenStartIndex of a string token is its opening quote; ValueSpan is the raw (still escaped) content.
        public static RawString From(ref Utf8JsonReader reader) =>
            new((int)reader.TokenStartIndex, reader.ValueSpan.Length, reader.ValueIsEscaped);

        public string Materialize(ReadOnlySpan<byte> line)
        {
            if (!Escaped)
            {
                return Encoding.UTF8.GetString(line.Slice(Start + 1, Length));
            }

            var reader = new Utf8JsonReader(line.Slice(Start, Length + 2));
            reader.Read();
            return reader.GetString()!;
        }

        public static bool ValueEquals(ReadOnlySpan<byte> line, RawString a, RawString b)
        {
            if (!a.IsPresent || !b.IsPresent)
            {
                return false;
            }

            if (!a.Escaped && !b.Escaped)
            {
                return line.Slice(a.Start + 1, a.Length).SequenceEqual(line.Slice(b.Start + 1, b.Length));
            }

            return string.Equals(a.Materialize(line), b.Materialize(line), StringComparison.Ordinal);
        }
    }

    private sealed class Scratch
    {
        public List<string> Hashtags { get; } = new(8);

        public List<string> Rules { get; } = new(4);

        public List<XStreamProblem> Errors { get; } = new(2);

        public UserRef[] Users { get; private set; } = new UserRef[8];

        public int UserCount { get; private set; }

        public void AddUser(UserRef user)
        {
            if (UserCount == Users.Length)
            {
                var bigger = new UserRef[Users.Length * 2];
                Users.CopyTo(bigger, 0);
                Users = bigger;
            }

            Users[UserCount++] = user;
        }

        public void Reset()
        {
            Hashtags.Clear();
            Rules.Clear();
            Errors.Clear();
            UserCount = 0;
        }
    }
}
