using System.Buffers;
using System.Collections.Frozen;

namespace TweetStream.Transforms.Pii;

/// <summary>A candidate before overlaps are resolved; higher priority wins, then the longer span.</summary>
internal readonly record struct PiiCandidate(string Type, int Start, int End, int Priority);

/// <summary>
/// Hand-written recognisers. Every attempt starts at a token boundary and reads a bounded number of
/// characters (URLs, the only unbounded read, move the cursor past what they read), so a pass is linear
/// in the text length whatever the input: there is no backtracking to exploit.
/// </summary>
internal static partial class PiiScanner
{
    // Priorities: a structure that validates (checksum, registry) beats a looser one over the same characters.
    private const int UrlPriority = 100;
    private const int EmailPriority = 90;
    private const int MentionPriority = 85;
    private const int IbanPriority = 80;
    private const int CardPriority = 70;
    private const int NhsPriority = 60;
    private const int NinoPriority = 55;
    private const int PhonePriority = 50;
    private const int IpPriority = 40;
    private const int PostcodePriority = 30;

    /// <summary>Marks a URL that carries no sensitive part: other recognisers must not fire inside it.</summary>
    public const string Protected = "";

    private const int MaxGroups = 12;
    private const int MaxRunChars = 48;

    /// <summary>Characters without which no recogniser can match: clean posts stop at one vectorised search.</summary>
    public static readonly SearchValues<char> Triggers = SearchValues.Create("0123456789@:");

    private static readonly FrozenDictionary<string, int> IbanLengths = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["AD"] = 24, ["AE"] = 23, ["AL"] = 28, ["AT"] = 20, ["AZ"] = 28, ["BA"] = 20, ["BE"] = 16, ["BG"] = 22,
        ["BH"] = 22, ["BR"] = 29, ["BY"] = 28, ["CH"] = 21, ["CR"] = 22, ["CY"] = 28, ["CZ"] = 24, ["DE"] = 22,
        ["DK"] = 18, ["DO"] = 28, ["EE"] = 20, ["EG"] = 29, ["ES"] = 24, ["FI"] = 18, ["FO"] = 18, ["FR"] = 27,
        ["GB"] = 22, ["GE"] = 22, ["GI"] = 23, ["GL"] = 18, ["GR"] = 27, ["GT"] = 28, ["HR"] = 21, ["HU"] = 28,
        ["IE"] = 22, ["IL"] = 23, ["IQ"] = 23, ["IS"] = 26, ["IT"] = 27, ["JO"] = 30, ["KW"] = 30, ["KZ"] = 20,
        ["LB"] = 28, ["LC"] = 32, ["LI"] = 21, ["LT"] = 20, ["LU"] = 20, ["LV"] = 21, ["MC"] = 27, ["MD"] = 24,
        ["ME"] = 22, ["MK"] = 19, ["MR"] = 27, ["MT"] = 31, ["MU"] = 30, ["NL"] = 18, ["NO"] = 15, ["PK"] = 24,
        ["PL"] = 28, ["PS"] = 29, ["PT"] = 25, ["QA"] = 29, ["RO"] = 24, ["RS"] = 22, ["SA"] = 24, ["SC"] = 31,
        ["SE"] = 24, ["SI"] = 19, ["SK"] = 24, ["SM"] = 27, ["ST"] = 25, ["SV"] = 28, ["TL"] = 23, ["TN"] = 24,
        ["TR"] = 26, ["UA"] = 29, ["VA"] = 22, ["VG"] = 24, ["XK"] = 20,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    // Royal Mail postcode areas; anything else shaped like a postcode is a product code, a road or a formula.
    private static readonly FrozenSet<string> PostcodeAreas = (
        "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN EX " +
        "FK FY G GL GU HA HD HG HP HR HS HU HX IG IP IV KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP " +
        "NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW " +
        "UB W WA WC WD WF WN WR WS WV YO ZE").Split(' ').ToFrozenSet(StringComparer.Ordinal);

    // Outward codes alone are ambiguous; these read as something else far more often than as a district.
    private static readonly FrozenSet<string> OutwardStopList =
        new[] { "CO2", "SO2", "CH4", "HS1", "HS2", "BB8", "CR7", "UB40", "WD40", "TW3", "MK8" }
        .ToFrozenSet(StringComparer.Ordinal);

    // The usual click and campaign trackers, plus parameter names that carry secrets.
    private static readonly FrozenSet<string> TrackingParameters = new[]
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_eid", "mc_cid", "igshid", "igsh", "si", "yclid",
        "_hsenc", "_hsmi", "mkt_tok", "oly_enc_id", "oly_anon_id", "vero_id", "ref_src", "s_cid",
        "token", "access_token", "id_token", "auth", "key", "api_key", "apikey", "sig", "signature", "session",
        "sessionid", "sid", "password", "pwd", "pass", "secret", "code", "email",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> TrackingLookup = TrackingParameters.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> IbanLookup = IbanLengths.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> AreaLookup = PostcodeAreas.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> StopLookup = OutwardStopList.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly SearchValues<char> AsciiLetters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private const string InwardLetters = "ABDEFGHJLNPQRSTUWXYZ";

    public static void Scan(ReadOnlySpan<char> text, PiiKinds kinds, string? mentionKeyId, List<PiiCandidate> output)
    {
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '@')
            {
                if ((kinds & PiiKinds.Email) != 0)
                {
                    TryEmail(text, i, output);
                }

                if ((kinds & PiiKinds.Mention) != 0 && AtWordStart(text, i))
                {
                    TryMention(text, i, mentionKeyId, output);
                }

                i++;
                continue;
            }

            if ((c == '[' || c == '(') && (kinds & PiiKinds.Email) != 0 && IsObfuscatedAt(text, i))
            {
                TryObfuscatedEmail(text, i, output);
            }

            if (!AtWordStart(text, i))
            {
                i++;
                continue;
            }

            if ((c == 'h' || c == 'H') && TryUrl(text, i, kinds, output, out var urlEnd))
            {
                i = urlEnd;
                continue;
            }

            if (char.IsAsciiDigit(c) || ((c == '+' || c == '(') && i + 1 < text.Length && (char.IsAsciiDigit(text[i + 1]) || text[i + 1] == '+')))
            {
                if ((kinds & RecordKinds) != 0)
                {
                    // "(10/10/1980)": the number run starts at the bracket and jumps past it, so try the digit here.
                    ScanRecordsAtDigit(text, char.IsAsciiDigit(c) ? i : i + 1, kinds, output);
                }

                if (NumberLeftOk(text, i))
                {
                    if ((kinds & PiiKinds.Ip) != 0)
                    {
                        TryIpv4(text, char.IsAsciiDigit(c) ? i : i + 1, output);
                    }

                    if ((kinds & (PiiKinds.Phone | PiiKinds.Card | PiiKinds.Nhs)) != 0)
                    {
                        var end = ScanNumberRun(text, i, kinds, output);
                        if ((kinds & PiiKinds.Ip) != 0 && char.IsAsciiHexDigit(c))
                        {
                            TryIpv6(text, i, output);
                        }

                        i = Math.Max(i + 1, end);
                        continue;
                    }
                }

                if ((kinds & PiiKinds.Ip) != 0 && char.IsAsciiHexDigit(c))
                {
                    TryIpv6(text, i, output);
                }

                i++;
                continue;
            }

            // "DL#MORGA…", "Reg#AB12…": a '#' glued to a word labels the value after it; only a bare '#' opens a hashtag.
            if (char.IsAsciiLetter(c) && i >= 2 && text[i - 1] == '#' && char.IsAsciiLetter(text[i - 2]) && (kinds & RecordKinds) != 0)
            {
                ScanRecordsAtLetter(text, i, kinds, output);
            }

            if (char.IsAsciiLetter(c) && (i == 0 || text[i - 1] is not ('#' or '@' or '$' or '/')))
            {
                if ((kinds & RecordKinds) != 0)
                {
                    ScanRecordsAtLetter(text, i, kinds, output);
                }

                if ((kinds & PiiKinds.Iban) != 0)
                {
                    TryIban(text, i, output);
                }

                if ((kinds & PiiKinds.Nino) != 0)
                {
                    TryNino(text, i, output);
                }

                if ((kinds & PiiKinds.Postcode) != 0)
                {
                    TryPostcode(text, i, (kinds & PiiKinds.PostcodeDistricts) != 0, output);
                }

                if ((kinds & PiiKinds.Ip) != 0 && char.IsAsciiHexDigit(c))
                {
                    TryIpv6(text, i, output);
                }
            }
            else if (c == ':' && (kinds & PiiKinds.Ip) != 0)
            {
                TryIpv6(text, i, output);
            }

            i++;
        }
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static bool AtWordStart(ReadOnlySpan<char> text, int i) => i == 0 || !IsWordChar(text[i - 1]);

    /// <summary>Numbers glued to a currency sign, a hashtag, a path or the tail of another number are not identifiers.</summary>
    private static bool NumberLeftOk(ReadOnlySpan<char> text, int i)
    {
        if (i == 0)
        {
            return true;
        }

        var p = text[i - 1];
        if (p is '£' or '$' or '€' or '¥' or '#' or '@' or '/' or '\\' or '&' or '=' or '_' or '~' or '^' or '*')
        {
            return false;
        }

        if (p is '.' or ',' or ':' or '-' or '–' or '+' or 'x' or '×')
        {
            return i < 2 || !char.IsAsciiDigit(text[i - 2]);
        }

        return true;
    }

    /// <summary>What may follow an entity: not more of a word, a decimal, a time, a percentage or a unit.</summary>
    private static bool RightOk(ReadOnlySpan<char> text, int end)
    {
        if (end >= text.Length)
        {
            return true;
        }

        var c = text[end];
        if (IsWordChar(c) || c is '%' or '@' or '£' or '$' or '€')
        {
            return false;
        }

        if (c is '.' or ',' or ':' or '/' or '-' && end + 1 < text.Length && char.IsAsciiDigit(text[end + 1]))
        {
            return false;
        }

        return true;
    }

    // ---- email and mentions -------------------------------------------------------------------------------

    private static bool IsLocalPartChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-' or '\'';

    private static void TryEmail(ReadOnlySpan<char> text, int at, List<PiiCandidate> output)
    {
        var start = at;
        while (start > 0 && at - start < 64 && IsLocalPartChar(text[start - 1]))
        {
            start--;
        }

        while (start < at && text[start] is '.' or '\'' or '-')
        {
            start++;
        }

        if (start == at || (start > 0 && (IsWordChar(text[start - 1]) || text[start - 1] == '@')))
        {
            return;
        }

        var end = ScanDomain(text, at + 1, requireDot: true);
        if (end > 0)
        {
            output.Add(new PiiCandidate(PiiEntities.Email, start, end, EmailPriority));
        }
    }

    /// <summary>Reads <c>label(.label)+</c> with a letter-only top-level label; returns the end or -1.</summary>
    private static int ScanDomain(ReadOnlySpan<char> text, int start, bool requireDot)
    {
        var i = start;
        var lastDot = -1;
        var labelStart = start;
        while (i < text.Length && i - start < 253)
        {
            var c = text[i];
            if (char.IsAsciiLetterOrDigit(c) || (c == '-' && i > labelStart))
            {
                i++;
            }
            else if (c == '.' && i > labelStart && i + 1 < text.Length && char.IsAsciiLetterOrDigit(text[i + 1]))
            {
                lastDot = i;
                i++;
                labelStart = i;
            }
            else
            {
                break;
            }
        }

        if (i == start || (requireDot && lastDot < 0))
        {
            return -1;
        }

        if (lastDot >= 0)
        {
            var tld = text[(lastDot + 1)..i];
            if (tld.Length < 2 || tld.ContainsAnyExcept(AsciiLetters))
            {
                return -1;
            }
        }

        return i < text.Length && (IsWordChar(text[i]) || text[i] == '@') ? -1 : i;
    }

    /// <summary>Characters that, besides <see cref="Triggers"/>, can start an entity: written-out emails.</summary>
    public static readonly SearchValues<string> ObfuscatedTriggers = SearchValues.Create(["[at]", "(at)"], StringComparison.OrdinalIgnoreCase);

    private static bool IsObfuscatedAt(ReadOnlySpan<char> text, int i) =>
        i + 4 <= text.Length && (text[i + 1] | 0x20) == 'a' && (text[i + 2] | 0x20) == 't' && text[i + 3] == (text[i] == '[' ? ']' : ')');

    /// <summary><c>alice [at] example [dot] com</c>, <c>alice(at)example.com</c>: the forms people type to dodge scrapers.</summary>
    private static void TryObfuscatedEmail(ReadOnlySpan<char> text, int at, List<PiiCandidate> output)
    {
        var localEnd = at > 0 && text[at - 1] == ' ' ? at - 1 : at;
        var start = localEnd;
        while (start > 0 && localEnd - start < 64 && IsLocalPartChar(text[start - 1]))
        {
            start--;
        }

        while (start < localEnd && text[start] is '.' or '\'' or '-')
        {
            start++;
        }

        if (start == localEnd || (start > 0 && IsWordChar(text[start - 1])))
        {
            return;
        }

        var i = at + 4;
        if (i < text.Length && text[i] == ' ')
        {
            i++;
        }

        // "look (at) this.com" is English; spaced forms count only when the dot is written out too.
        var spaced = localEnd != at || i != at + 4;
        var writtenDots = 0;
        var dots = 0;
        var labelStart = i;
        var lastLabelStart = i;
        var end = -1;
        while (i < text.Length && i - at < 253)
        {
            var c = text[i];
            if (char.IsAsciiLetterOrDigit(c) || (c == '-' && i > labelStart))
            {
                i++;
                end = i;
                continue;
            }

            if (i == labelStart)
            {
                break;
            }

            var dot = DotLength(text, i);
            if (dot == 0 || i + dot >= text.Length || !char.IsAsciiLetterOrDigit(text[i + dot]))
            {
                break;
            }

            dots++;
            writtenDots += dot > 1 ? 1 : 0;
            i += dot;
            labelStart = i;
            lastLabelStart = i;
        }

        if (dots == 0 || (spaced && writtenDots == 0) || end < 0 || end - lastLabelStart < 2 || text[lastLabelStart..end].ContainsAnyExcept(AsciiLetters)
            || (end < text.Length && IsWordChar(text[end])))
        {
            return;
        }

        output.Add(new PiiCandidate(PiiEntities.Email, start, end, EmailPriority));
    }

    /// <summary>Length of a dot at <paramref name="i"/>: ".", "[dot]", "(dot)", optionally with a space either side of a written one.</summary>
    private static int DotLength(ReadOnlySpan<char> text, int i)
    {
        if (text[i] == '.')
        {
            return 1;
        }

        var j = text[i] == ' ' ? i + 1 : i;
        if (j + 5 > text.Length || text[j] is not ('[' or '(') || !text.Slice(j + 1, 3).Equals("dot", StringComparison.OrdinalIgnoreCase)
            || text[j + 4] != (text[j] == '[' ? ']' : ')'))
        {
            return 0;
        }

        j += 5;
        if (j < text.Length && text[j] == ' ' && text[i] == ' ')
        {
            j++;
        }

        return j - i;
    }

    private static void TryMention(ReadOnlySpan<char> text, int at, string? keyId, List<PiiCandidate> output)
    {
        var i = at + 1;
        while (i < text.Length && i - at <= 31 && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
        {
            i++;
        }

        var length = i - at - 1;
        if (length == 0 || length > 30 || (i < text.Length && IsWordChar(text[i])))
        {
            return;
        }

        // "@10am" is a time; handles need a letter or underscore anyway in practice.
        var handle = text[(at + 1)..i];
        if (!handle.ContainsAnyExceptInRange('0', '9') || (handle.Length > 2 && handle[^2..] is "am" or "pm" or "AM" or "PM" && !handle[..^2].ContainsAnyExceptInRange('0', '9')))
        {
            return;
        }

        // An already pseudonymised mention (@k1:…) must survive a second pass unchanged.
        if (keyId is not null && i < text.Length && text[i] == ':' && text[(at + 1)..i].SequenceEqual(keyId))
        {
            return;
        }

        // Mastodon accounts: @user@host.
        if (i + 1 < text.Length && text[i] == '@')
        {
            var end = ScanDomain(text, i + 1, requireDot: true);
            if (end > 0)
            {
                i = end;
            }
        }

        output.Add(new PiiCandidate(PiiEntities.Mention, at, i, MentionPriority));
    }

    // ---- URLs ---------------------------------------------------------------------------------------------

    private static bool TryUrl(ReadOnlySpan<char> text, int start, PiiKinds kinds, List<PiiCandidate> output, out int end)
    {
        end = start;
        var rest = text[start..];
        int schemeLength;
        if (rest.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            schemeLength = 8;
        }
        else if (rest.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            schemeLength = 7;
        }
        else
        {
            return false;
        }

        var length = rest.IndexOfAny(UrlTerminators);
        if (length < 0)
        {
            length = rest.Length;
        }

        end = start + length;
        while (end > start + schemeLength && text[end - 1] is '.' or ',' or ';' or ':' or '!' or '?' or '\'' or ')' or ']')
        {
            end--;
        }

        // The whole URL is protected from the other recognisers: paths are full of ids and dates.
        output.Add(new PiiCandidate(Protected, start, end, UrlPriority));
        if ((kinds & PiiKinds.Url) == 0)
        {
            end = Math.Max(end, start + 1);
            return true;
        }

        var authorityStart = start + schemeLength;
        var url = text[..end];
        var authorityLength = url[authorityStart..].IndexOfAny('/', '?', '#');
        var authorityEnd = authorityLength < 0 ? end : authorityStart + authorityLength;
        var at = url[authorityStart..authorityEnd].LastIndexOf('@');
        if (at > 0 && (kinds & PiiKinds.UrlCredentials) != 0)
        {
            output.Add(new PiiCandidate(PiiEntities.Url, authorityStart, authorityStart + at, UrlPriority + 1));
        }

        var query = url[authorityEnd..].IndexOf('?');
        if (query >= 0 && (kinds & PiiKinds.UrlTrackingTokens) != 0)
        {
            var p = authorityEnd + query + 1;
            var fragment = url[p..].IndexOf('#');
            var queryEnd = fragment < 0 ? end : p + fragment;
            while (p < queryEnd)
            {
                var amp = url[p..queryEnd].IndexOf('&');
                var paramEnd = amp < 0 ? queryEnd : p + amp;
                var eq = url[p..paramEnd].IndexOf('=');
                if (eq > 0 && p + eq + 1 < paramEnd)
                {
                    var name = url.Slice(p, eq);
                    if (name.StartsWith("utm_", StringComparison.OrdinalIgnoreCase) || TrackingLookup.Contains(name))
                    {
                        output.Add(new PiiCandidate(PiiEntities.Url, p + eq + 1, paramEnd, UrlPriority + 1));
                    }
                }

                p = paramEnd + 1;
            }
        }

        end = Math.Max(end, start + 1);
        return true;
    }

    private static readonly SearchValues<char> UrlTerminators = SearchValues.Create(" \t\r\n\"<>\u00A0\u3000`|{}");

    // ---- numbers: phone, card, NHS ----------------------------------------------------------------------

    /// <summary>
    /// Reads a run of digit groups joined by short separators (space, dash, dot, brackets), up to
    /// <see cref="MaxGroups"/> groups, then tries every group sub-range against phone, card and NHS rules.
    /// </summary>
    /// <returns>The end of the run, where scanning resumes.</returns>
    private static int ScanNumberRun(ReadOnlySpan<char> text, int start, PiiKinds kinds, List<PiiCandidate> output)
    {
        Span<int> gs = stackalloc int[MaxGroups];
        Span<int> ge = stackalloc int[MaxGroups];
        var i = start;
        var plus = false;
        if (text[i] == '(')
        {
            i++;
        }

        if (i < text.Length && text[i] == '+')
        {
            plus = true;
            i++;
        }

        var groups = 0;
        while (groups < MaxGroups && i < text.Length && char.IsAsciiDigit(text[i]) && i - start < MaxRunChars)
        {
            gs[groups] = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]) && i - start < MaxRunChars + 8)
            {
                i++;
            }

            ge[groups] = i;
            groups++;

            // Separator: one to three of space, dash, dot, brackets, e.g. " ", "-", ") ", " (", " - ".
            var s = i;
            while (s < text.Length && s - i < 3 && text[s] is ' ' or '-' or '.' or '(' or ')' or '\u00A0')
            {
                s++;
            }

            if (s == i || s >= text.Length || !char.IsAsciiDigit(text[s]) || !ValidSeparator(text[i..s]))
            {
                break;
            }

            i = s;
        }

        if (groups == 0)
        {
            return start + 1;
        }

        // The digits after "DE89 " belong to an IBAN whose check failed: no part of it is a phone or a card.
        if (start >= 5 && text[start - 1] == ' ' && char.IsAsciiLetterUpper(text[start - 5]) && char.IsAsciiLetterUpper(text[start - 4])
            && char.IsAsciiDigit(text[start - 3]) && char.IsAsciiDigit(text[start - 2]) && (start == 5 || !IsWordChar(text[start - 6])))
        {
            return ge[groups - 1];
        }

        // The main loop resumes after the run, so addresses starting at a later group are tried here.
        if ((kinds & PiiKinds.Ip) != 0)
        {
            for (var a = 1; a < groups; a++)
            {
                if (text[gs[a] - 1] is ' ' or '(' or '\u00A0')
                {
                    TryIpv4(text, gs[a], output);
                    TryIpv6(text, gs[a], output);
                }
            }
        }

        for (var a = 0; a < groups; a++)
        {
            // Later groups can start an entity only after a space: "12-07700…" is one token.
            int spanStart;
            var prefixPlus = false;
            if (a == 0)
            {
                spanStart = start;
                prefixPlus = plus;
            }
            else
            {
                var sep = text[ge[a - 1]..gs[a]];
                if (!sep.Contains(' '))
                {
                    continue;
                }

                spanStart = sep[^1] == '(' ? gs[a] - 1 : gs[a];
            }

            for (var b = groups - 1; b >= a; b--)
            {
                var end = ge[b];
                if (b < groups - 1 ? !text[ge[b]..gs[b + 1]].StartsWith(' ') && !text[ge[b]..gs[b + 1]].StartsWith(") ") : !RightOk(text, end))
                {
                    continue;
                }

                if (b < groups - 1 && text[ge[b]] == ')')
                {
                    end++;
                }

                Evaluate(text, spanStart, end, gs[a..(b + 1)], ge[a..(b + 1)], prefixPlus, kinds, output);
            }
        }

        return ge[groups - 1];
    }

    private static bool ValidSeparator(ReadOnlySpan<char> sep) => sep switch
    {
        " " or "-" or "." or "\u00A0" or " - " or ") " or ")" or " (" or "(" or ")-" or "-(" => true,
        _ => false,
    };

    private static void Evaluate(ReadOnlySpan<char> text, int start, int end, ReadOnlySpan<int> gs, ReadOnlySpan<int> ge, bool plus, PiiKinds kinds, List<PiiCandidate> output)
    {
        Span<char> digits = stackalloc char[MaxRunChars + 8];
        var n = 0;
        var trunkInBrackets = false;
        for (var g = 0; g < gs.Length; g++)
        {
            var group = text[gs[g]..ge[g]];
            if (n + group.Length > digits.Length)
            {
                return;
            }

            // "+44 (0)20 …": the bracketed trunk zero is not dialled from abroad.
            if (plus && g > 0 && group is "0" && gs[g] > 0 && text[gs[g] - 1] == '(')
            {
                trunkInBrackets = true;
                continue;
            }

            group.CopyTo(digits[n..]);
            n += group.Length;
        }

        var d = digits[..n];
        var separators = SeparatorKind(text, gs, ge);
        var bracketed = text[start] == '(' || separators == '?';

        if ((kinds & PiiKinds.Card) != 0 && !plus && !bracketed && IsCard(d, gs, ge, separators))
        {
            output.Add(new PiiCandidate(PiiEntities.Card, start, end, CardPriority));
        }

        if ((kinds & PiiKinds.Nhs) != 0 && !plus && !bracketed && IsNhs(d, gs, ge, separators))
        {
            output.Add(new PiiCandidate(PiiEntities.Nhs, start, end, NhsPriority));
        }

        var nanpFormat = text[start] == '(' || separators is '-' or '.' || (gs.Length == 3 && text[ge[1]] == '-');
        if ((kinds & PiiKinds.Phone) != 0 && IsPhone(d, plus, trunkInBrackets, gs, ge, nanpFormat))
        {
            output.Add(new PiiCandidate(PiiEntities.Phone, start, end, PhonePriority));
        }
    }

    /// <summary>The one separator used between every group, '\0' for a single group, '?' when mixed or bracketed.</summary>
    private static char SeparatorKind(ReadOnlySpan<char> text, ReadOnlySpan<int> gs, ReadOnlySpan<int> ge)
    {
        if (gs.Length == 1)
        {
            return '\0';
        }

        var first = text[ge[0]..gs[1]];
        if (first.Length != 1)
        {
            return '?';
        }

        for (var g = 1; g < gs.Length - 1; g++)
        {
            var sep = text[ge[g]..gs[g + 1]];
            if (sep.Length != 1 || sep[0] != first[0])
            {
                return '?';
            }
        }

        return first[0];
    }

    private static bool IsCard(ReadOnlySpan<char> d, ReadOnlySpan<int> gs, ReadOnlySpan<int> ge, char separator)
    {
        if (d.Length is < 13 or > 19 || d[0] is < '2' or > '6' || separator is not ('\0' or ' ' or '-'))
        {
            return false;
        }

        if (gs.Length > 1)
        {
            var fours = true;
            for (var g = 0; g < gs.Length - 1; g++)
            {
                fours &= ge[g] - gs[g] == 4;
            }

            // Printed groupings: 4-4-4-4, 4-4-4-4-3, Amex 4-6-5, Diners 4-6-4.
            var last = ge[^1] - gs[^1];
            var amex = gs.Length == 3 && ge[0] - gs[0] == 4 && ge[1] - gs[1] == 6 && last is 4 or 5;
            var standard = fours && ((gs.Length == 4 && last == 4) || (gs.Length == 5 && last == 3));
            if (!standard && !amex)
            {
                return false;
            }
        }

        return PiiChecksums.Luhn(d);
    }

    private static bool IsNhs(ReadOnlySpan<char> d, ReadOnlySpan<int> gs, ReadOnlySpan<int> ge, char separator)
    {
        if (d.Length != 10)
        {
            return false;
        }

        if (gs.Length == 1)
        {
            // Unformatted ten digits opening with 0 are a UK phone number far more often, with 1 a Unix time.
            if (d[0] is '0' or '1')
            {
                return false;
            }
        }
        else if (gs.Length != 3 || ge[0] - gs[0] != 3 || ge[1] - gs[1] != 3 || separator is not (' ' or '-'))
        {
            return false;
        }

        return PiiChecksums.NhsMod11(d);
    }

    private static bool IsPhone(ReadOnlySpan<char> d, bool plus, bool trunkInBrackets, ReadOnlySpan<int> gs, ReadOnlySpan<int> ge, bool nanpFormat)
    {
        if (plus)
        {
            return IsInternational(d);
        }

        if (trunkInBrackets)
        {
            return false;
        }

        if (d.Length >= 10 && d.StartsWith("00") && d[2] != '0')
        {
            return IsInternational(d[2..]);
        }

        if (d[0] == '0')
        {
            // UK national: 0 + 10 digits (01, 02, 03, 05, 07, 08, 09), or 0 + 9 for a few 01 areas and 0800.
            return d.Length switch
            {
                11 => d[1] is '1' or '2' or '3' or '5' or '7' or '8' or '9',
                10 => d[1] == '1' || d.StartsWith("0800"),
                _ => false,
            };
        }

        // North American numbers written without +1 only in their own grouping, (212) 555-0100 or 212-555-0100:
        // three-three-four with spaces alone is as likely an NHS number with a bad check digit.
        return nanpFormat && gs.Length == 3 && ge[0] - gs[0] == 3 && ge[1] - gs[1] == 3 && ge[2] - gs[2] == 4
            && d[0] is >= '2' and <= '9' && d[3] is >= '2' and <= '9';
    }

    private static bool IsInternational(ReadOnlySpan<char> d)
    {
        if (d.Length < 8 || d.Length > 15 || d[0] == '0')
        {
            return false;
        }

        if (d.StartsWith("44"))
        {
            var nsn = d[2..];
            if (nsn.Length > 0 && nsn[0] == '0')
            {
                nsn = nsn[1..];
            }

            return nsn.Length is 9 or 10 && nsn[0] is '1' or '2' or '3' or '5' or '7' or '8' or '9';
        }

        return d.Length >= 9;
    }

    // ---- IP addresses -------------------------------------------------------------------------------------

    private static void TryIpv4(ReadOnlySpan<char> text, int start, List<PiiCandidate> output)
    {
        var end = ParseIpv4(text, start);

        // A port (:8080) or prefix length (/24) may follow; another dotted number may not.
        if (end > 0 && (RightOk(text, end) || (text[end] is ':' or '/' && !(end + 1 < text.Length && text[end + 1] == '.'))))
        {
            output.Add(new PiiCandidate(PiiEntities.Ip, start, end, IpPriority));
        }
    }

    /// <summary>Four dotted decimal octets without leading zeros; returns the end or -1.</summary>
    private static int ParseIpv4(ReadOnlySpan<char> text, int start)
    {
        var i = start;
        for (var octet = 0; octet < 4; octet++)
        {
            if (octet > 0)
            {
                if (i >= text.Length || text[i] != '.')
                {
                    return -1;
                }

                i++;
            }

            var s = i;
            var value = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]) && i - s < 3)
            {
                value = (value * 10) + (text[i] - '0');
                i++;
            }

            if (i == s || value > 255 || (i - s > 1 && text[s] == '0') || (i < text.Length && char.IsAsciiDigit(text[i])))
            {
                return -1;
            }
        }

        return i;
    }

    private static void TryIpv6(ReadOnlySpan<char> text, int start, List<PiiCandidate> output)
    {
        if (start > 0 && text[start - 1] == ':')
        {
            return;
        }

        var i = start;
        while (i < text.Length && i - start < 46 && (char.IsAsciiHexDigit(text[i]) || text[i] == ':'))
        {
            i++;
        }

        var end = i;
        var candidate = text[start..end];
        if (candidate.Count(':') < 2)
        {
            return;
        }

        // An embedded IPv4 tail (::ffff:192.0.2.1).
        var lastColon = candidate.LastIndexOf(':');
        var v4Tail = false;
        if (end < text.Length && text[end] == '.' && lastColon >= 0)
        {
            var v4End = ParseIpv4(text, start + lastColon + 1);
            if (v4End > 0)
            {
                end = v4End;
                v4Tail = true;
                candidate = text[start..(start + lastColon + 1)];
            }
        }

        if (!v4Tail && candidate.EndsWith(':') && !candidate.EndsWith("::"))
        {
            return;
        }

        if (!RightOk(text, end) && !(end < text.Length && text[end] is '/' or '%'))
        {
            return;
        }

        var compressed = candidate.IndexOf("::", StringComparison.Ordinal);
        if (compressed >= 0 && candidate[(compressed + 1)..].Contains("::", StringComparison.Ordinal))
        {
            return;
        }

        var groups = 0;
        var longGroup = false;
        var hexLetters = false;
        foreach (var range in candidate.Split(':'))
        {
            var group = candidate[range];
            if (group.Length == 0)
            {
                continue;
            }

            if (group.Length > 4)
            {
                return;
            }

            groups++;
            longGroup |= group.Length >= 3;
            hexLetters |= group.ContainsAnyExceptInRange('0', '9');
        }

        var total = groups + (v4Tail ? 2 : 0);
        if (compressed < 0)
        {
            if (total != 8)
            {
                return;
            }
        }
        else if (total > 7 || (!v4Tail && !(text[start..end] is "::1") && (groups < 2 || !(longGroup || hexLetters))))
        {
            return;
        }

        output.Add(new PiiCandidate(PiiEntities.Ip, start, end, IpPriority));
    }

    // ---- IBAN, NINO, postcodes --------------------------------------------------------------------------

    private static void TryIban(ReadOnlySpan<char> text, int start, List<PiiCandidate> output)
    {
        if (start + 4 > text.Length || !char.IsAsciiLetter(text[start + 1]) || !char.IsAsciiDigit(text[start + 2]) || !char.IsAsciiDigit(text[start + 3]))
        {
            return;
        }

        Span<char> country = [char.ToUpperInvariant(text[start]), char.ToUpperInvariant(text[start + 1])];
        if (!IbanLookup.TryGetValue(country, out var length))
        {
            return;
        }

        Span<char> iban = stackalloc char[34];
        var n = 0;
        var i = start;
        while (n < length && i < text.Length)
        {
            var c = text[i];
            if (char.IsAsciiLetterOrDigit(c))
            {
                iban[n++] = char.ToUpperInvariant(c);
                i++;
            }
            else if (c == ' ' && n % 4 == 0 && n > 0 && i + 1 < text.Length && char.IsAsciiLetterOrDigit(text[i + 1]))
            {
                i++;
            }
            else
            {
                return;
            }
        }

        if (n == length && (i >= text.Length || !IsWordChar(text[i])) && PiiChecksums.IbanMod97(iban[..n]))
        {
            output.Add(new PiiCandidate(PiiEntities.Iban, start, i, IbanPriority));
        }
    }

    private static void TryNino(ReadOnlySpan<char> text, int start, List<PiiCandidate> output)
    {
        if (start + 8 > text.Length || !char.IsAsciiLetterUpper(text[start]) || !char.IsAsciiLetterUpper(text[start + 1]))
        {
            return;
        }

        if (!PiiChecksums.NinoPrefix(text[start], text[start + 1]))
        {
            return;
        }

        // Digits in pairs, each pair optionally after one space: AB123456C, AB 12 34 56 C, AB 123456 C.
        var i = start + 2;
        var spaced = false;
        for (var pair = 0; pair < 3; pair++)
        {
            if (i < text.Length && text[i] == ' ')
            {
                spaced = true;
                i++;
            }

            if (i + 2 > text.Length || !char.IsAsciiDigit(text[i]) || !char.IsAsciiDigit(text[i + 1]))
            {
                return;
            }

            i += 2;
        }

        var end = i;
        var suffixAt = i < text.Length && text[i] == ' ' && spaced ? i + 1 : i;
        if (suffixAt < text.Length && text[suffixAt] is >= 'A' and <= 'D' && (suffixAt + 1 >= text.Length || !IsWordChar(text[suffixAt + 1])))
        {
            end = suffixAt + 1;
        }
        else if (!spaced || !RightOk(text, end))
        {
            // Without the suffix letter only the spaced form (AB 12 34 56) is distinctive enough.
            return;
        }

        output.Add(new PiiCandidate(PiiEntities.Nino, start, end, NinoPriority));
    }

    private static void TryPostcode(ReadOnlySpan<char> text, int start, bool districts, List<PiiCandidate> output)
    {
        // Outward code: area (1–2 letters), district digit, then an optional digit or letter.
        var i = start;
        while (i < text.Length && i - start < 2 && char.IsAsciiLetter(text[i]))
        {
            i++;
        }

        var areaEnd = i;
        if (areaEnd == start || i >= text.Length || !char.IsAsciiDigit(text[i]))
        {
            return;
        }

        Span<char> area = stackalloc char[2];
        var areaLength = text[start..areaEnd].ToUpperInvariant(area);
        if (!AreaLookup.Contains(area[..areaLength]))
        {
            return;
        }

        i++;
        var outwardShort = i;
        var outwardLong = i < text.Length && char.IsAsciiLetterOrDigit(text[i]) ? i + 1 : -1;

        var full = FullPostcodeEnd(text, start, outwardLong, outwardShort);
        if (full > 0)
        {
            output.Add(new PiiCandidate(PiiEntities.Postcode, start, full, PostcodePriority));
            return;
        }

        if (!districts)
        {
            return;
        }

        // Outward code alone: upper case, a two-letter area (or a lettered district like W1T), not a known look-alike.
        foreach (var outwardEnd in (ReadOnlySpan<int>)[outwardLong, outwardShort])
        {
            if (outwardEnd < 0 || (outwardEnd < text.Length && (IsWordChar(text[outwardEnd]) || text[outwardEnd] is '-' or '/' or '\'' or '’' or '.' && outwardEnd + 1 < text.Length && IsWordChar(text[outwardEnd + 1]))))
            {
                continue;
            }

            // "DE89 3704…" is the head of a longer code, not a district.
            if (outwardEnd + 1 < text.Length && text[outwardEnd] == ' ' && char.IsAsciiDigit(text[outwardEnd + 1]))
            {
                return;
            }

            var outward = text[start..outwardEnd];
            if (outward.ContainsAnyInRange('a', 'z'))
            {
                return;
            }

            var letteredDistrict = char.IsAsciiLetter(outward[^1]);
            if ((areaLength == 2 || letteredDistrict) && !StopLookup.Contains(outward))
            {
                output.Add(new PiiCandidate(PiiEntities.Postcode, start, outwardEnd, PostcodePriority - 1));
            }

            return;
        }
    }

    /// <summary>The end of a full postcode (outward, optional space, inward) at <paramref name="start"/>, or -1.</summary>
    private static int FullPostcodeEnd(ReadOnlySpan<char> text, int start)
    {
        var i = start;
        while (i < text.Length && i - start < 2 && char.IsAsciiLetter(text[i]))
        {
            i++;
        }

        if (i == start || i >= text.Length || !char.IsAsciiDigit(text[i]) || (start > 0 && IsWordChar(text[start - 1])))
        {
            return -1;
        }

        Span<char> area = stackalloc char[2];
        var areaLength = text[start..i].ToUpperInvariant(area);
        if (!AreaLookup.Contains(area[..areaLength]))
        {
            return -1;
        }

        i++;
        return FullPostcodeEnd(text, start, i < text.Length && char.IsAsciiLetterOrDigit(text[i]) ? i + 1 : -1, i);
    }

    // Longest outward first; the inward code is a digit and two letters after an optional space.
    private static int FullPostcodeEnd(ReadOnlySpan<char> text, int start, int outwardLong, int outwardShort)
    {
        foreach (var outwardEnd in (ReadOnlySpan<int>)[outwardLong, outwardShort])
        {
            if (outwardEnd < 0)
            {
                continue;
            }

            var j = outwardEnd;
            if (j < text.Length && text[j] == ' ')
            {
                j++;
            }

            if (j + 3 <= text.Length && char.IsAsciiDigit(text[j]) && InwardLetters.Contains(char.ToUpperInvariant(text[j + 1]))
                && InwardLetters.Contains(char.ToUpperInvariant(text[j + 2])) && (j + 3 == text.Length || !IsWordChar(text[j + 3]))
                && SameCase(text[start..(j + 3)]))
            {
                return j + 3;
            }
        }

        return -1;
    }

    private static bool SameCase(ReadOnlySpan<char> s) => !s.ContainsAnyInRange('a', 'z') || !s.ContainsAnyInRange('A', 'Z');
}
