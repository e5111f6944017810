using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TweetStream.Sources.Synthetic;

/// <summary>
/// Writes a synthetic #london X API v2 filtered stream: realistic posts (some carrying PII, some carrying
/// PII look-alikes), occasional keep-alives and malformed lines, and a ground-truth label file.
/// </summary>
/// <remarks>
/// <para>Deterministic: the same options (seed included) give byte-identical output on any machine. Streams
/// line by line, so the size is not bounded by memory.</para>
/// <para>Stream lines are compact JSON terminated by <c>\r\n</c>, as X sends them. Labels are JSON Lines, one per
/// good post: <c>{"id":"&lt;data.id&gt;","spans":[{"type":"EMAIL","start":12,"end":31}]}</c>, UTF-16 offsets into
/// <c>data.text</c>, end exclusive, types EMAIL, PHONE, CARD, IBAN, NINO, NHS, IP, POSTCODE, MENTION, BANK
/// (a sort code and an account number are two spans), PASSPORT, DRIVING_LICENCE, VEHICLE_REG, DOB and ADDRESS (an
/// address span covers its flat and postcode; a MENTION span includes its <c>@</c>).</para>
/// </remarks>
internal sealed class SyntheticStreamGenerator
{
    /// <summary>The rule every synthetic post matched.</summary>
    public const string RuleId = "1861000000000000001";

    private const long FirstPostId = 1861000000000000000;
    private const long FirstMalformedId = 1869000000000000000;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Post text is written as UTF-8, as X does, rather than \u-escaped (emoji outside the BMP stay escaped).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    private readonly SyntheticStreamOptions _options;
    private readonly SyntheticRandom _random;
    private readonly Author[] _authors;
    private readonly StringBuilder _text = new(512);
    private readonly List<Span> _spans = new(4);
    private readonly List<(string Tag, int Start)> _hashtags = new(4);
    private readonly (double Cumulative, string[] Templates)[]? _mix;
    private long _malformedId = FirstMalformedId;

    public SyntheticStreamGenerator(SyntheticStreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PostsPerAuthor, 1);
        _options = options;
        _random = new SyntheticRandom(options.Seed);
        _mix = BuildMix(options.PiiMix);
        _authors = CreateAuthors(_random, (int)Math.Clamp((options.Count + options.PostsPerAuthor - 1) / options.PostsPerAuthor, 2, options.MaxAuthors));
    }

    /// <summary>PII types exactly as written to the label file.</summary>
    public static IReadOnlyList<string> PiiTypes { get; } =
        ["EMAIL", "PHONE", "CARD", "IBAN", "NINO", "NHS", "IP", "POSTCODE", "MENTION", "BANK", "PASSPORT", "DRIVING_LICENCE", "VEHICLE_REG", "DOB", "ADDRESS"];

    /// <summary>Writes the stream to <paramref name="output"/> and, when given, the labels to <paramref name="labels"/>.</summary>
    public SyntheticStreamSummary Write(Stream output, Stream? labels)
    {
        ArgumentNullException.ThrowIfNull(output);
        var line = new ArrayBufferWriter<byte>(2048);
        var label = new ArrayBufferWriter<byte>(256);
        long piiPosts = 0, spans = 0, malformed = 0, keepAlives = 0, bytes = 0;
        var step = _options.Count == 0 ? 0 : _options.Window.Ticks / _options.Count;

        for (long i = 0; i < _options.Count; i++)
        {
            if (_random.Chance(_options.KeepAliveShare))
            {
                output.Write("\r\n"u8);
                bytes += 2;
                keepAlives++;
            }

            if (_random.Chance(_options.MalformedShare))
            {
                line.ResetWrittenCount();
                WriteMalformed(line);
                output.Write(line.WrittenSpan);
                bytes += line.WrittenCount;
                malformed++;
            }

            var id = (FirstPostId + (i * 1000) + _random.Next(1000)).ToString(CultureInfo.InvariantCulture);
            var createdAt = _options.Start + TimeSpan.FromTicks((step * i) + (step > 1 ? (long)(_random.NextDouble() * step) : 0));
            var author = _random.Pick(_authors);
            var hasPii = _random.Chance(_options.PiiShare);
            ComposeText(author, hasPii);

            line.ResetWrittenCount();
            WritePostLine(line, id, createdAt, author, author.Id, includeId: true);
            output.Write(line.WrittenSpan);
            bytes += line.WrittenCount;

            if (labels is not null)
            {
                label.ResetWrittenCount();
                WriteLabel(label, id);
                labels.Write(label.WrittenSpan);
            }

            piiPosts += hasPii ? 1 : 0;
            spans += _spans.Count;
        }

        return new SyntheticStreamSummary(_options.Count, piiPosts, spans, malformed, keepAlives, bytes);
    }

    private void ComposeText(Author author, bool hasPii)
    {
        _text.Clear();
        _spans.Clear();
        _hashtags.Clear();
        var ordinary = _random.Pick(SyntheticTemplates.Ordinary);
        if (!hasPii)
        {
            Render(ordinary, author);
        }
        else
        {
            var pii = _mix is null ? _random.Pick(SyntheticTemplates.WithPii) : PickByMix(_mix);
            switch (_random.Next(3))
            {
                case 0:
                    Render(pii, author);
                    break;
                case 1:
                    Render(ordinary, author);
                    _text.Append(". ");
                    Render(pii, author);
                    break;
                default:
                    Render(pii, author);
                    _text.Append(". ");
                    Render(ordinary, author);
                    break;
            }
        }

        _text.Append(' ');
        AddHashtag("london");
        if (_random.Chance(0.4))
        {
            _text.Append(' ');
            AddHashtag(_random.Pick(SyntheticTemplates.TopicTags));
        }
    }

    // Cumulative weights over the PII types, each with the templates that hold it; validated here so a typo in a
    // benchmark's mix fails at once instead of silently measuring another workload.
    private static (double Cumulative, string[] Templates)[]? BuildMix(IReadOnlyDictionary<string, double>? mix)
    {
        if (mix is null)
        {
            return null;
        }

        var entries = new List<(double, string[])>();
        var total = 0.0;
        foreach (var type in PiiTypes)
        {
            if (!mix.TryGetValue(type, out var weight) || weight == 0)
            {
                continue;
            }

            if (weight < 0 || !double.IsFinite(weight))
            {
                throw new ArgumentOutOfRangeException(nameof(mix), weight, $"PII mix weight of {type} must be a non-negative number.");
            }

            // BANK's templates carry a sort code and/or an account number, each its own placeholder.
            string[] placeholders = type == "BANK" ? ["{SORTCODE}", "{ACCOUNT}"] : ["{" + type + "}"];
            string[] templates = [.. SyntheticTemplates.WithPii.Where(t => placeholders.Any(p => t.Contains(p, StringComparison.Ordinal)))];
            if (templates.Length == 0)
            {
                throw new ArgumentException($"No template carries {type}; it cannot be weighted in the mix.", nameof(mix));
            }

            total += weight;
            entries.Add((total, templates));
        }

        foreach (var key in mix.Keys)
        {
            if (!PiiTypes.Contains(key))
            {
                throw new ArgumentException($"Unknown PII type '{key}' in the mix; known: {string.Join(", ", PiiTypes)}.", nameof(mix));
            }
        }

        if (total <= 0)
        {
            throw new ArgumentException("A PII mix needs at least one positive weight.", nameof(mix));
        }

        return [.. entries.Select(e => (e.Item1 / total, e.Item2))];
    }

    private string PickByMix((double Cumulative, string[] Templates)[] mix)
    {
        var x = _random.NextDouble();
        foreach (var (cumulative, templates) in mix)
        {
            if (x < cumulative)
            {
                return _random.Pick(templates);
            }
        }

        return _random.Pick(mix[^1].Templates);
    }

    private void AddHashtag(string tag)
    {
        _hashtags.Add((tag, _text.Length));
        _text.Append('#').Append(tag);
    }

    private void Render(string template, Author author)
    {
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                _text.Append(template, i, template.Length - i);
                return;
            }

            _text.Append(template, i, open - i);
            var close = template.IndexOf('}', open);
            var slot = template[(open + 1)..close];
            var start = _text.Length;
            var (value, type) = Fill(slot, author);
            _text.Append(value);
            if (type is not null)
            {
                _spans.Add(new Span(type, start, _text.Length));
            }

            i = close + 1;
        }
    }

    private (string Value, string? Type) Fill(string slot, Author author)
    {
        var r = _random;
        switch (slot)
        {
            case "EMAIL":
                return (PiiValues.Email(r, r.Pick(SyntheticTemplates.FirstNames), r.Pick(SyntheticTemplates.LastNames)), "EMAIL");
            case "PHONE":
                return (PiiValues.Phone(r), "PHONE");
            case "CARD":
                return (PiiValues.Card(r), "CARD");
            case "NINO":
                return (PiiValues.Nino(r), "NINO");
            case "NHS":
                return (PiiValues.Nhs(r), "NHS");
            case "IBAN":
                return (PiiValues.Iban(r), "IBAN");
            case "POSTCODE":
                return (PiiValues.Postcode(r), "POSTCODE");
            case "IP":
                return (r.Chance(0.7) ? PiiValues.IPv4(r) : PiiValues.IPv6(r), "IP");
            case "SORTCODE":
                return (PiiValues.SortCode(r), "BANK");
            case "ACCOUNT":
                return (PiiValues.AccountNumber(r), "BANK");
            case "PASSPORT":
                return (PiiValues.Passport(r), "PASSPORT");
            case "DRIVING_LICENCE":
                return (PiiValues.DrivingLicence(r, r.Pick(SyntheticTemplates.FirstNames), r.Pick(SyntheticTemplates.LastNames)), "DRIVING_LICENCE");
            case "VEHICLE_REG":
                return (PiiValues.VehicleReg(r), "VEHICLE_REG");
            case "DOB":
                return (PiiValues.DateOfBirth(r), "DOB");
            case "ADDRESS":
                return (PiiValues.Address(r), "ADDRESS");
            case "MENTION":
                Author other;
                do
                {
                    other = r.Pick(_authors);
                }
                while (ReferenceEquals(other, author));

                return ("@" + other.Username, "MENTION");
            case "place":
                return (r.Pick(SyntheticTemplates.Places), null);
            case "line":
                return (r.Pick(SyntheticTemplates.TubeLines), null);
            case "food":
                return (r.Pick(SyntheticTemplates.Foods), null);
            case "team":
                return (r.Pick(SyntheticTemplates.Teams), null);
            case "event":
                return (r.Pick(SyntheticTemplates.Events), null);
            case "weather":
                var w = r.Pick(SyntheticTemplates.Weather);
                return (_text.Length == 0 ? char.ToUpperInvariant(w[0]) + w[1..] : w, null);
            case "emoji":
                return (r.Pick(SyntheticTemplates.Emoji), null);
            case "time":
                return (r.Next(2) == 0 ? $"{r.Next(6, 24)}:{r.Next(4) * 15:00}" : $"{r.Next(1, 12)}{(r.Next(2) == 0 ? "am" : "pm")}", null);
            case "date":
                return (r.Next(2) == 0
                    ? $"{r.Next(1, 29):00}/{r.Next(1, 13):00}/2026"
                    : $"{r.Pick(SyntheticTemplates.Days)} {r.Next(1, 29)} {r.Pick(SyntheticTemplates.Months)}", null);
            case "price":
                return ($"{r.Next(3, 30)}.{r.Next(20) * 5:00}", null);
            case "score":
                return ($"{r.Next(5)}-{r.Next(5)}", null);
            case "hours":
                return (r.Next(2) == 0 ? "9-5" : $"{r.Next(8, 11)}:00-{r.Next(17, 23)}:00", null);
            case "version":
                return ($"{r.Next(1, 9)}.{r.Next(20)}.{r.Next(10)}", null);
            case "status":
                return (LuhnInvalidStatusId(r), null);
            case "flight":
                return (r.Pick(SyntheticTemplates.Airlines) + r.Next(10, 3000).ToString(CultureInfo.InvariantCulture), null);
            case "order":
                return (r.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture), null);
            case "station":
                return (r.Pick(SyntheticTemplates.Stations), null);
            case "code":
                // The shape of a current registration, where nothing says vehicle.
                return (PiiValues.VehicleReg(r), null);
            case "num":
                return (r.Next(2, 400).ToString(CultureInfo.InvariantCulture), null);
            default:
                throw new InvalidOperationException("unknown template slot " + slot);
        }
    }

    // 19 digits like a card number: made Luhn-invalid so the trap is fair to a validating redactor.
    private static string LuhnInvalidStatusId(SyntheticRandom r)
    {
        var sb = new StringBuilder("18");
        while (sb.Length < 18)
        {
            sb.Append(r.Digit());
        }

        var payload = sb.ToString();
        var check = PiiValues.LuhnCheckDigit(payload) - '0';
        return payload + (char)('0' + ((check + 1 + r.Next(9)) % 10));
    }

    private void WritePostLine(IBufferWriter<byte> output, string? id, DateTimeOffset createdAt, Author author, string authorId, bool includeId)
    {
        using (var w = new Utf8JsonWriter(output, WriterOptions))
        {
            var text = _text.ToString();
            w.WriteStartObject();
            w.WriteStartObject("data"u8);
            w.WriteString("author_id"u8, authorId);
            w.WriteString("created_at"u8, createdAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WriteStartObject("entities"u8);
            w.WriteStartArray("hashtags"u8);
            foreach (var (tag, start) in _hashtags)
            {
                // X reports entity positions in code points.
                var cpStart = CodePointIndex(text, start);
                w.WriteStartObject();
                w.WriteNumber("start"u8, cpStart);
                w.WriteNumber("end"u8, cpStart + 1 + tag.Length);
                w.WriteString("tag"u8, tag);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            if (includeId)
            {
                w.WriteString("id"u8, id);
            }

            w.WriteString("lang"u8, "en"u8);
            w.WriteString("text"u8, text);
            if (id is not null)
            {
                w.WriteStartArray("edit_history_tweet_ids"u8);
                w.WriteStringValue(id);
                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WriteStartObject("includes"u8);
            w.WriteStartArray("users"u8);
            w.WriteStartObject();
            w.WriteString("id"u8, author.Id);
            w.WriteString("name"u8, author.Name);
            w.WriteString("username"u8, author.Username);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartArray("matching_rules"u8);
            w.WriteStartObject();
            w.WriteString("id"u8, RuleId);
            w.WriteString("tag"u8, "london"u8);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        output.Write("\r\n"u8);
    }

    private void WriteMalformed(ArrayBufferWriter<byte> output)
    {
        var id = (_malformedId++).ToString(CultureInfo.InvariantCulture);
        var author = _random.Pick(_authors);
        ComposeText(author, hasPii: false);
        var kind = _random.Next(4);
        switch (kind)
        {
            case 0: // broken JSON: a line cut short
                WritePostLine(output, id, _options.Start, author, author.Id, includeId: true);
                var cut = _random.Next(output.WrittenCount / 3, output.WrittenCount - 4);
                var truncated = output.WrittenSpan[..cut].ToArray();
                output.ResetWrittenCount();
                output.Write(truncated);
                output.Write("\r\n"u8);
                break;
            case 1: // no data.id
                WritePostLine(output, null, _options.Start, author, author.Id, includeId: false);
                break;
            case 2: // author_id not in includes.users
                WritePostLine(output, id, _options.Start, author, "9" + author.Id, includeId: true);
                break;
            default: // invalid UTF-8 inside the text
                WritePostLine(output, id, _options.Start, author, author.Id, includeId: true);
                var bytes = output.WrittenSpan.ToArray();
                var at = bytes.AsSpan().IndexOf("\"text\":\""u8) + 9;
                bytes[at] = 0xFF;
                output.ResetWrittenCount();
                output.Write(bytes);
                break;
        }
    }

    private void WriteLabel(ArrayBufferWriter<byte> output, string id)
    {
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteString("id"u8, id);
            w.WriteStartArray("spans"u8);
            foreach (var span in _spans)
            {
                w.WriteStartObject();
                w.WriteString("type"u8, span.Type);
                w.WriteNumber("start"u8, span.Start);
                w.WriteNumber("end"u8, span.End);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        output.Write("\n"u8);
    }

    private static int CodePointIndex(string text, int utf16Index)
    {
        var n = utf16Index;
        for (var i = 0; i < utf16Index; i++)
        {
            if (char.IsLowSurrogate(text[i]))
            {
                n--;
            }
        }

        return n;
    }

    private static Author[] CreateAuthors(SyntheticRandom r, int count)
    {
        var authors = new Author[count];
        var usernames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var first = r.Pick(SyntheticTemplates.FirstNames);
            var last = r.Pick(SyntheticTemplates.LastNames);
            var baseName = r.Next(4) switch
            {
                0 => first + "_" + last,
                1 => first[0] + last,
                2 => first + last[0],
                _ => first + "." + last,
            };
            baseName = baseName.Replace(".", "_", StringComparison.Ordinal).ToLowerInvariant() + r.Pick(SyntheticTemplates.UserSuffixes);
            if (baseName.Length > 15)
            {
                baseName = baseName[..15];
            }

            var username = baseName;
            while (!usernames.Add(username))
            {
                var digits = r.Next(10, 9999).ToString(CultureInfo.InvariantCulture);
                username = baseName[..Math.Min(baseName.Length, 15 - digits.Length)] + digits;
            }

            string id;
            do
            {
                id = r.Next(2) == 0
                    ? (1_000_000_000L + (long)(r.NextDouble() * 8_000_000_000L)).ToString(CultureInfo.InvariantCulture)
                    : (1_200_000_000_000_000_000L + (long)(r.NextDouble() * 600_000_000_000_000_000L)).ToString(CultureInfo.InvariantCulture);
            }
            while (!ids.Add(id));

            authors[i] = new Author(id, username, first + " " + last);
        }

        return authors;
    }

    private sealed record Author(string Id, string Username, string Name);

    private readonly record struct Span(string Type, int Start, int End);
}
