using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using TweetStream.Sources.Replay;
using TweetStream.Sources.Synthetic;
using TweetStream.Sources.X;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sources.Synthetic;

public sealed partial class SyntheticStreamGeneratorTests
{
    private static readonly DateTimeOffset Received = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static (byte[] Stream, byte[] Labels, SyntheticStreamSummary Summary) Generate(SyntheticStreamOptions options)
    {
        using var stream = new MemoryStream();
        using var labels = new MemoryStream();
        var summary = new SyntheticStreamGenerator(options).Write(stream, labels);
        return (stream.ToArray(), labels.ToArray(), summary);
    }

    private static List<byte[]> Lines(byte[] data)
    {
        var lines = new List<byte[]>();
        var span = data.AsSpan();
        while (!span.IsEmpty)
        {
            var nl = span.IndexOf((byte)'\n');
            var line = nl < 0 ? span : span[..(nl + 1)];
            lines.Add(line.ToArray());
            span = span[line.Length..];
        }

        return lines;
    }

    private static List<(string Id, List<(string Type, int Start, int End)> Spans)> ParseLabels(byte[] labels)
    {
        var result = new List<(string, List<(string, int, int)>)>();
        foreach (var line in Lines(labels))
        {
            using var doc = JsonDocument.Parse(line);
            var spans = doc.RootElement.GetProperty("spans").EnumerateArray()
                .Select(s => (s.GetProperty("type").GetString()!, s.GetProperty("start").GetInt32(), s.GetProperty("end").GetInt32()))
                .ToList();
            Assert.Equal(2, doc.RootElement.EnumerateObject().Count());
            result.Add((doc.RootElement.GetProperty("id").GetString()!, spans));
        }

        return result;
    }

    [Fact]
    public void Same_seed_and_options_give_byte_identical_output_and_another_seed_does_not()
    {
        var a = Generate(new SyntheticStreamOptions { Count = 800, Seed = 42 });
        var b = Generate(new SyntheticStreamOptions { Count = 800, Seed = 42 });
        var c = Generate(new SyntheticStreamOptions { Count = 800, Seed = 43 });
        Assert.Equal(a.Stream, b.Stream);
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.Stream, c.Stream);
    }

    [Fact]
    public void Every_good_line_parses_and_malformed_and_keep_alive_lines_match_the_summary()
    {
        var (stream, labels, summary) = Generate(new SyntheticStreamOptions { Count = 3000, Seed = 7, MalformedShare = 0.01 });
        var kinds = Lines(stream).Select(l => XStreamLineParser.Parse(l, Received)).ToList();

        Assert.Equal(3000, kinds.Count(k => k.Kind == XStreamLineKind.Post));
        Assert.Equal(summary.Malformed, kinds.Count(k => k.Kind == XStreamLineKind.Malformed));
        Assert.Equal(summary.KeepAlives, kinds.Count(k => k.Kind == XStreamLineKind.KeepAlive));
        Assert.InRange(summary.Malformed, 15, 50);
        Assert.InRange(summary.KeepAlives, 30, 100);
        Assert.Equal(stream.Length, summary.Bytes);

        // All four kinds of malformed line occur.
        var reasons = kinds.Where(k => k.Kind == XStreamLineKind.Malformed).Select(k => k.Reason).ToHashSet();
        Assert.Contains(XStreamReasons.MissingId, reasons);
        Assert.Contains(XStreamReasons.UnknownAuthor, reasons);
        Assert.Contains(XStreamReasons.InvalidUtf8, reasons);
        Assert.True(reasons.Contains(XStreamReasons.MalformedJson) || reasons.Count > 3);

        var posts = kinds.Where(k => k.Kind == XStreamLineKind.Post).Select(k => k.Post!).ToList();
        Assert.All(posts, p =>
        {
            Assert.NotSame(PostAuthor.Unknown, p.Author);
            Assert.Contains("london", p.Hashtags);
            Assert.Equal(["london"], p.MatchedRules);
            Assert.Equal("en", p.Language);
        });
        Assert.Equal(posts.Count, posts.Select(p => p.Id).Distinct().Count());
        Assert.True(posts.Zip(posts.Skip(1)).All(pair => pair.First.CreatedAt <= pair.Second.CreatedAt), "created_at must not decrease");
        Assert.InRange(posts.Select(p => p.Author.Id).Distinct().Count(), 300, 600); // ~1 author per 5 posts

        // One label line per good post, in the same order.
        Assert.Equal(posts.Select(p => p.Id), ParseLabels(labels).Select(l => "x:" + l.Id));
    }

    [Fact]
    public void Label_spans_point_exactly_at_valid_pii_values()
    {
        var (stream, labels, summary) = Generate(new SyntheticStreamOptions { Count = 4000, Seed = 20261126, MalformedShare = 0 });
        var posts = Lines(stream).Select(l => XStreamLineParser.Parse(l, Received)).Where(k => k.Kind == XStreamLineKind.Post).Select(k => k.Post!).ToList();
        var labelled = ParseLabels(labels);
        var seenTypes = new HashSet<string>();

        for (var i = 0; i < posts.Count; i++)
        {
            var text = posts[i].Text;
            var previousEnd = 0;
            foreach (var (type, start, end) in labelled[i].Spans)
            {
                Assert.InRange(start, previousEnd, end - 1);
                Assert.InRange(end, start + 1, text.Length);
                previousEnd = end;

                // Spans are whole tokens: nothing value-like glued on either side.
                Assert.False(start > 0 && char.IsLetterOrDigit(text[start - 1]), $"{type} span starts inside a word");
                Assert.False(end < text.Length && char.IsLetterOrDigit(text[end]), $"{type} span ends inside a word");

                var value = text[start..end];
                seenTypes.Add(type);
                Assert.True(IsValid(type, value, posts[i].Author.Handle), $"{type} span does not hold a valid {type} value");
            }
        }

        Assert.Equal(SyntheticStreamGenerator.PiiTypes.ToHashSet(), seenTypes);
        Assert.InRange(labelled.Count(l => l.Spans.Count > 0) / (double)posts.Count, 0.27, 0.33);
        Assert.Equal(summary.Spans, labelled.Sum(l => l.Spans.Count));
    }

    private static bool IsValid(string type, string value, string author) => type switch
    {
        "EMAIL" => EmailPattern().IsMatch(value),
        "PHONE" => PhonePattern().IsMatch(value) && value.Count(char.IsAsciiDigit) is 11 or 12 or 13,
        "CARD" => CardPattern().IsMatch(value) && PiiValues.IsLuhnValid(value),
        "IBAN" => value.StartsWith("GB", StringComparison.Ordinal) && value.Replace(" ", string.Empty, StringComparison.Ordinal).Length == 22 && PiiValues.IsIbanValid(value),
        "NINO" => NinoPattern().IsMatch(value) && PiiValues.IsNinoPrefixValid(value),
        "NHS" => NhsPattern().IsMatch(value) && PiiValues.IsNhsValid(value),
        "IP" => IPAddress.TryParse(value, out var ip) && ip.ToString().Length > 0 && (ip.AddressFamily == AddressFamily.InterNetworkV6 || value.Count(c => c == '.') == 3),
        "POSTCODE" => PostcodePattern().IsMatch(value),
        // Another pool user (never the author); X handles are 1-15 word characters.
        "MENTION" => MentionPattern().IsMatch(value) && value[1..] != author,
        "BANK" => SortCodePattern().IsMatch(value) || AccountPattern().IsMatch(value),
        "PASSPORT" => PassportPattern().IsMatch(value),
        "DRIVING_LICENCE" => PiiValues.IsDrivingLicenceValid(value),
        "VEHICLE_REG" => RegistrationPattern().IsMatch(value),
        "DOB" => DateOfBirthPattern().IsMatch(value),
        "ADDRESS" => AddressPattern().IsMatch(value),
        _ => false,
    };

    [GeneratedRegex(@"^(0[1-9]|[1-9][0-9])(-[0-9]{2}-[0-9]{2}|[0-9]{4})$")]
    private static partial Regex SortCodePattern();

    [GeneratedRegex(@"^[0-9]{8}$|^[0-9]{4} [0-9]{4}$")]
    private static partial Regex AccountPattern();

    [GeneratedRegex(@"^[1-9][0-9]{8}$")]
    private static partial Regex PassportPattern();

    // Current (age 02-26 or 51-75), prefix and suffix marks; never I or Q.
    [GeneratedRegex(@"^[A-HJ-PR-Y][A-HJ-PR-Y](0[2-9]|1[0-9]|2[0-6]|5[1-9]|6[0-9]|7[0-5]) ?[A-HJ-PR-Z]{3}$|^[A-HJ-NPR-TV-Y][1-9][0-9]{0,2} [A-HJ-PR-Y]{3}$|^[A-HJ-PR-Y]{3} [1-9][0-9]{0,2}[A-HJ-NPR-TV-Y]$")]
    private static partial Regex RegistrationPattern();

    [GeneratedRegex(@"^([0-3][0-9][/.][01][0-9][/.](19|20)[0-9]{2}|(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]|[1-9][0-9]?(st|nd|rd|th)? (January|February|March|April|May|June|July|August|September|October|November|December) (19|20)[0-9]{2})$")]
    private static partial Regex DateOfBirthPattern();

    [GeneratedRegex(@"^(Flat [0-9]+, )?[1-9][0-9]*a? [A-Z][A-Za-z' ]+ (Street|Road|Lane|Avenue|Close|Grove|Gardens|Crescent|Mews|Place|Terrace|Way|Rd|St)(, (London )?[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2})?$")]
    private static partial Regex AddressPattern();

    [Fact]
    public void Generated_values_pass_their_checksums_and_the_validators_reject_corruptions()
    {
        var r = new SyntheticRandom(99);
        for (var i = 0; i < 2000; i++)
        {
            var card = PiiValues.Card(r);
            Assert.True(PiiValues.IsLuhnValid(card));
            Assert.False(PiiValues.IsLuhnValid(CorruptLastDigit(card)));

            var iban = PiiValues.Iban(r);
            Assert.True(PiiValues.IsIbanValid(iban));
            Assert.False(PiiValues.IsIbanValid(CorruptLastDigit(iban)));

            var nhs = PiiValues.Nhs(r);
            Assert.True(PiiValues.IsNhsValid(nhs));
            Assert.False(PiiValues.IsNhsValid(CorruptLastDigit(nhs)));

            var licence = PiiValues.DrivingLicence(r, "Sam", "Li");
            Assert.True(PiiValues.IsDrivingLicenceValid(licence), licence);
            Assert.False(PiiValues.IsDrivingLicenceValid(licence.Replace(" ", string.Empty, StringComparison.Ordinal)[..6] + "13" + licence.Replace(" ", string.Empty, StringComparison.Ordinal)[8..]));

            var nino = PiiValues.Nino(r);
            Assert.True(PiiValues.IsNinoPrefixValid(nino));
            Assert.Matches(NinoPattern(), nino);
        }

        // Known-good published examples.
        Assert.True(PiiValues.IsNhsValid("943 476 5919"));
        Assert.True(PiiValues.IsIbanValid("GB82 WEST 1234 5698 7654 32"));
        Assert.True(PiiValues.IsLuhnValid("4111 1111 1111 1111"));
        Assert.False(PiiValues.IsNinoPrefixValid("QQ123456C"));
        Assert.False(PiiValues.IsNinoPrefixValid("GB123456A"));
        Assert.True(PiiValues.IsDrivingLicenceValid("MORGA753116SM9IJ"));
        Assert.True(PiiValues.IsDrivingLicenceValid("LI999 805058 WX9CD"));
        Assert.False(PiiValues.IsDrivingLicenceValid("MORGA702306SM9IJ")); // 30 February
        Assert.False(PiiValues.IsDrivingLicenceValid("M9RGA753116SM9IJ")); // letters after the padding
    }

    private static string CorruptLastDigit(string value)
    {
        var i = value.Length - 1;
        while (!char.IsAsciiDigit(value[i]))
        {
            i--;
        }

        return value[..i] + (char)('0' + ((value[i] - '0' + 1) % 10)) + value[(i + 1)..];
    }

    [Fact]
    public void Pii_share_zero_gives_no_spans_and_one_gives_spans_in_every_post()
    {
        var none = Generate(new SyntheticStreamOptions { Count = 300, Seed = 3, PiiShare = 0 });
        Assert.All(ParseLabels(none.Labels), l => Assert.Empty(l.Spans));
        var all = Generate(new SyntheticStreamOptions { Count = 300, Seed = 3, PiiShare = 1 });
        Assert.All(ParseLabels(all.Labels), l => Assert.NotEmpty(l.Spans));
    }

    [Fact]
    public void A_pii_mix_of_one_type_builds_every_pii_post_around_that_type()
    {
        var (_, labels, summary) = Generate(new SyntheticStreamOptions
        {
            Count = 400, Seed = 11, PiiShare = 1, PiiMix = new Dictionary<string, double> { ["CARD"] = 1 },
        });
        Assert.Equal(400, summary.PiiPosts);
        Assert.All(ParseLabels(labels), l => Assert.Contains(l.Spans, s => s.Type == "CARD"));
    }

    [Fact]
    public void Pii_mix_weights_set_the_share_of_each_type()
    {
        var (_, labels, _) = Generate(new SyntheticStreamOptions
        {
            Count = 4000, Seed = 12, PiiShare = 1, PiiMix = new Dictionary<string, double> { ["IBAN"] = 3, ["NHS"] = 1 },
        });
        var parsed = ParseLabels(labels);
        var iban = parsed.Count(l => l.Spans.Any(s => s.Type == "IBAN"));
        var nhs = parsed.Count(l => l.Spans.Any(s => s.Type == "NHS"));
        Assert.Equal(4000, iban + nhs); // no template holds both
        Assert.InRange(iban / (double)nhs, 2.5, 3.6);
    }

    [Fact]
    public void Without_a_pii_mix_the_output_is_unchanged_and_with_one_it_differs()
    {
        var plain = Generate(new SyntheticStreamOptions { Count = 300, Seed = 9 });
        var again = Generate(new SyntheticStreamOptions { Count = 300, Seed = 9, PiiMix = null });
        var mixed = Generate(new SyntheticStreamOptions { Count = 300, Seed = 9, PiiMix = SyntheticStreamGenerator.PiiTypes.ToDictionary(t => t, _ => 1.0) });
        Assert.Equal(plain.Stream, again.Stream);
        Assert.NotEqual(plain.Stream, mixed.Stream);
    }

    [Theory]
    [InlineData("SHOE_SIZE", 1.0)]
    [InlineData("EMAIL", -1.0)]
    [InlineData("EMAIL", 0.0)]
    public void A_pii_mix_with_an_unknown_type_or_no_positive_weight_is_refused(string type, double weight)
    {
        Assert.ThrowsAny<ArgumentException>(() => new SyntheticStreamGenerator(new SyntheticStreamOptions
        {
            PiiMix = new Dictionary<string, double> { [type] = weight },
        }));
    }

    [Fact]
    public void Lines_end_with_crlf_and_carry_the_x_v2_shape()
    {
        var (stream, _, _) = Generate(new SyntheticStreamOptions { Count = 50, Seed = 5, MalformedShare = 0 });
        var first = Lines(stream).First(l => l.Length > 2);
        Assert.Equal("\r\n"u8.ToArray(), first[^2..]);
        using var doc = JsonDocument.Parse(first);
        var data = doc.RootElement.GetProperty("data");
        foreach (var field in new[] { "id", "text", "author_id", "created_at", "lang", "entities" })
        {
            Assert.True(data.TryGetProperty(field, out _), field);
        }

        var user = doc.RootElement.GetProperty("includes").GetProperty("users")[0];
        Assert.Equal(data.GetProperty("author_id").GetString(), user.GetProperty("id").GetString());
        Assert.True(user.TryGetProperty("username", out _));
        Assert.True(user.TryGetProperty("name", out _));
        Assert.Equal("london", doc.RootElement.GetProperty("matching_rules")[0].GetProperty("tag").GetString());
    }

    [Fact]
    public async Task Bundled_sample_is_what_the_documented_command_makes_and_replays_completely()
    {
        var dir = Path.Combine(TestPaths.RepositoryRoot, "samples", "data");
        var gz = Path.Combine(dir, "london.ndjson.gz");
        var (stream, labels, summary) = Generate(new SyntheticStreamOptions { Count = 2500, Seed = 20261126 });

        await using (var unzip = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress))
        using (var ms = new MemoryStream())
        {
            await unzip.CopyToAsync(ms);
            Assert.Equal(stream, ms.ToArray());
        }

        Assert.Equal(labels, await File.ReadAllBytesAsync(Path.Combine(dir, "london.labels.jsonl")));

        using var source = new ReplaySource(new ReplayOptions { Path = gz }, TimeProvider.System);
        var items = new List<SourceItem>();
        await foreach (var item in source.ReadAsync(CancellationToken.None))
        {
            items.Add(item);
        }

        Assert.Equal(2500, items.Count(i => i.Post is not null));
        Assert.Equal(summary.Malformed, items.Count(i => i.Error is not null));
    }

    [GeneratedRegex(@"^[a-z0-9._]+@[a-z0-9.-]+\.[a-z]{2,}$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^(\+44[ .]?(\(0\))?[ .]?|0|\(0)[0-9 ().-]+$")]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"^[0-9]{4}([ -]?[0-9]{4,6}){2,3}$|^[0-9]{15,16}$")]
    private static partial Regex CardPattern();

    [GeneratedRegex(@"^[A-Z]{2} ?([0-9]{2} ?){3}[A-D]$")]
    private static partial Regex NinoPattern();

    [GeneratedRegex(@"^[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}$")]
    private static partial Regex NhsPattern();

    [GeneratedRegex(@"^@[a-z0-9_]{1,15}$")]
    private static partial Regex MentionPattern();

    [GeneratedRegex(@"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")]
    private static partial Regex PostcodePattern();
}
