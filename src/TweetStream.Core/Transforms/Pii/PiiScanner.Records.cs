using System.Buffers;
using System.Collections.Frozen;
using System.Text;

namespace TweetStream.Transforms.Pii;

/// <summary>
/// Recognisers for UK personal records: bank details, passports, driving licences, vehicle registrations, dates
/// of birth and street addresses. Most of these shapes are ordinary on their own (a date, eight digits, AB12 CDE),
/// so they fire only where a format validates (DVLA structure, registration age identifiers, sort-code ranges) and,
/// where it cannot, where the words around say what the value is. Context is read in a bounded window, so each
/// attempt stays bounded and the pass stays linear.
/// </summary>
internal static partial class PiiScanner
{
    private const int BankPriority = 65;
    private const int PassportPriority = 62;
    private const int DrivingLicencePriority = 58;
    private const int DobPriority = 52;
    private const int VehicleRegPriority = 45;
    private const int AddressPriority = 35;

    private const int ContextWindow = 40;
    private const int MaxContextWords = 6;
    private const int MaxWordLength = 16;

    private static readonly SearchValues<char> ContextWordChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz./'’");

    // Context phrases are matched on lower-cased words read backwards from the value, so each is stored last word first.
    private static readonly string[][] DobPhrases = [["dob"], ["d.o.b"], ["born"], ["birth", "of", "date"], ["date", "birth"], ["birthdate"], ["b'day"]];

    // Phrases that name a date of birth outright, so a few words may stand between ("DOB on his gym card 03/04/1989").
    private static readonly string[][] StrongDobPhrases = [["dob"], ["d.o.b"], ["birth", "of", "date"], ["date", "birth"], ["birthdate"]];

    private static readonly string[][] BornPhrase = [["born"]];

    // A birthday is a date of birth only with its year: "my birthday is 1 Jan 2000", not "birthday drinks 3 Sept".
    private static readonly string[][] BirthdayPhrases = [["birthday"], ["bday"], ["b'day"]];

    // Between a strong phrase and its date: words that put the date on an event instead ("d.o.b. checks at the bar on 14/02").
    private static readonly FrozenSet<string> DobGapStops = Set(
        "at", "until", "till", "from", "since", "by", "before", "after", "opened", "opens", "launch", "launching", "checks", "check",
        "required", "expires", "expiry", "issued", "valid", "appointment", "booked", "event", "party", "drinks");

    // "X was born": a person. "Our pub was born on 1 May 2009", "this sourdough starter was born" are not.
    private static readonly FrozenSet<string> BornSubjects = Set(
        "i", "we", "he", "she", "they", "you", "who", "me", "him", "her", "son", "daughter", "baby", "babies", "twin", "twins", "kid",
        "kids", "child", "children", "boy", "girl", "brother", "sister", "mum", "mom", "mother", "dad", "father", "gran", "grandad",
        "granddad", "grandma", "grandpa", "nan", "nana", "grandmother", "grandfather", "great-grandma", "nephew", "niece", "cousin",
        "aunt", "auntie", "uncle", "wife", "husband", "partner", "friend", "mate", "teen", "teenager", "man", "woman", "person");
    private static readonly string[][] SortCodePhrases = [["code", "sort"], ["sortcode"], ["s/c"], ["sc"], ["s.c"], ["sort"], ["sort-code"]];
    private static readonly string[][] AccountPhrases = [["acc"], ["acct"], ["account"], ["a/c"], ["accnt"], ["acc.no"], ["a/c.no"]];
    private static readonly string[][] PassportPhrases = [["passport"], ["ppt"]];

    // Words allowed between a context phrase and its value: "DOB is", "born on the", "account number:", "passport no.".
    private static readonly FrozenSet<string> DobFillers = Set("is", "was", "on", "the", "of", "my", "her", "his", "as", "it's", "its");
    private static readonly FrozenSet<string> NumberFillers = Set("no", "number", "num", "nr", "is", "my", "her", "his", "uk", "british", "details", "and", "code", "sort", "for", "me", "new", "now");
    private static readonly FrozenSet<string> PassportFillers = Set("no", "number", "num", "nr", "is", "my", "her", "his", "uk", "british", "gb", "irish", "new", "old", "was", "n", "nº", "numbers", "french", "german", "spanish", "italian", "us", "eu");

    // Anywhere near a separated sort code: the banking vocabulary that dates and scores never come with.
    private static readonly FrozenSet<string> BankWords = Set(
        "bank", "banking", "sort", "sortcode", "s/c", "sc", "acc", "acct", "account", "a/c", "bacs", "transfer", "barclays", "natwest",
        "lloyds", "hsbc", "santander", "monzo", "starling", "nationwide", "halifax", "revolut", "metro", "tsb", "co-op", "rbs");

    private static readonly FrozenSet<string> VehicleWords = Set(
        "reg", "registration", "plate", "plates", "numberplate", "numberplates", "car", "cars", "van", "vans", "vehicle", "vehicles",
        "lorry", "truck", "motorbike", "motorcycle", "moped", "scooter", "taxi", "cab", "minicab", "uber", "driver", "drivers", "driving", "drove",
        "parked", "parking", "dashcam", "dvla", "anpr", "mot", "towed", "clamped", "reversed", "hatchback", "suv", "estate", "tesla",
        "bmw", "audi", "ford", "vauxhall", "toyota", "mercedes", "merc", "range", "rover", "volvo", "kia", "nissan", "honda", "fiesta",
        "golf", "corsa", "prius", "transit", "hit-and-run", "speeding", "tailgating", "vrm",
        "ulez", "congestion", "rage", "beetle", "polo", "astra", "micra", "qashqai", "landrover", "motor", "motors", "4x4", "camper", "campervan");

    private static readonly FrozenDictionary<string, int> MonthNames = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["jan"] = 1, ["january"] = 1, ["feb"] = 2, ["february"] = 2, ["mar"] = 3, ["march"] = 3, ["apr"] = 4, ["april"] = 4,
        ["may"] = 5, ["jun"] = 6, ["june"] = 6, ["jul"] = 7, ["july"] = 7, ["aug"] = 8, ["august"] = 8, ["sep"] = 9,
        ["sept"] = 9, ["september"] = 9, ["oct"] = 10, ["october"] = 10, ["nov"] = 11, ["november"] = 11, ["dec"] = 12, ["december"] = 12,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenSet<string> StreetSuffixes = Set(
        "street", "st", "road", "rd", "lane", "ln", "avenue", "ave", "av", "close", "cl", "drive", "dr", "way", "place", "pl",
        "gardens", "gdns", "crescent", "cres", "terrace", "terr", "tce", "court", "ct", "grove", "gr", "square", "sq", "hill", "row",
        "mews", "walk", "parade", "pde", "rise", "green", "vale", "yard", "wharf", "embankment", "broadway", "boulevard", "approach",
        "passage", "villas", "park", "common", "end", "gate", "heights", "quay", "wynd", "crossing");

    // A street that names something bigger: "Baker Street station", "Portobello Road market".
    private static readonly FrozenSet<string> VenueWords = Set(
        "station", "stn", "tube", "underground", "overground", "dlr", "bus", "buses", "stop", "market", "theatre", "theater", "stadium",
        "studios", "studio", "hospital", "library", "museum", "gallery", "church", "school", "college", "hall", "arcade", "centre",
        "center", "junction", "roundabout", "stores", "store", "shops", "shop", "branch", "branches", "toilets", "entrance", "exit",
        "line", "sainsbury's", "tesco", "pret", "boots", "costa", "starbucks", "cinema", "pub", "festival", "fair", "concerts", "concert",
        "gigs", "gig", "events", "cafes", "cafés", "restaurants", "pubs", "bars", "shows", "tickets", "crossing", "crossings", "flats",
        "apartments", "development", "exhibit", "exhibition", "set", "filming");

    // What a number before a street means when it is not a house: "the 38 Essex Road", "platform 2 Station Road".
    private static readonly FrozenSet<string> NotHouseBefore = Set(
        "bus", "buses", "route", "routes", "no", "number", "platform", "gate", "flight", "page", "room", "level", "floor", "pier",
        "stand", "the", "take", "took", "catch", "caught", "get", "got", "line", "n", "night", "zone", "exit", "junction", "j", "a", "every", "only");

    // Famous addresses that name a landmark or an institution, not where a person lives.
    private static readonly FrozenSet<string> LandmarkAddresses = Set(
        "10 downing street", "11 downing street", "221b baker street", "1 canada square", "20 fenchurch street", "1 london bridge",
        "30 st mary axe", "8 canada square", "25 canada square", "1 undershaft", "22 bishopsgate", "122 leadenhall street",
        "2 willow road", "575 wandsworth road", "18 stafford terrace", "48 doughty street", "20 maresfield gardens");

    private static readonly FrozenSet<string> FlatWords = Set("flat", "apartment", "apt", "unit", "maisonette", "room");

    private static readonly FrozenSet<string> HouseNameWords = Set(
        "cottage", "house", "lodge", "farm", "barn", "villa", "manor", "cottages", "farmhouse", "bungalow", "mill", "grange", "court",
        "mansions", "towers", "tower", "building", "buildings", "forge", "rectory", "vicarage", "stables", "granary", "croft", "oast");

    private static readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> MonthLookup = MonthNames.GetAlternateLookup<ReadOnlySpan<char>>();

    private static FrozenSet<string> Set(params string[] words) => words.ToFrozenSet(StringComparer.Ordinal);

    private static bool Contains(FrozenSet<string> set, ReadOnlySpan<char> lower) => set.GetAlternateLookup<ReadOnlySpan<char>>().Contains(lower);

    private const PiiKinds RecordKinds = PiiKinds.Bank | PiiKinds.Passport | PiiKinds.DrivingLicence | PiiKinds.VehicleReg | PiiKinds.Dob | PiiKinds.Address;

    private static void ScanRecordsAtDigit(ReadOnlySpan<char> text, int i, PiiKinds kinds, List<PiiCandidate> output)
    {
        if (!char.IsAsciiDigit(text[i]) || !NumberLeftOk(text, i))
        {
            return;
        }

        if ((kinds & PiiKinds.Bank) != 0)
        {
            TryBank(text, i, output);
        }

        if ((kinds & PiiKinds.Passport) != 0)
        {
            TryPassport(text, i, output);
        }

        if ((kinds & PiiKinds.Dob) != 0)
        {
            TryDob(text, i, output);
        }

        if ((kinds & PiiKinds.Address) != 0)
        {
            TryAddress(text, i, output);
        }
    }

    private static void ScanRecordsAtLetter(ReadOnlySpan<char> text, int i, PiiKinds kinds, List<PiiCandidate> output)
    {
        // Every word of a post with a digit in it lands here: cheap shape checks first, so ordinary words cost a few reads.
        var wordEnd = i + 1;
        while (wordEnd < text.Length && wordEnd - i < 12 && char.IsAsciiLetter(text[wordEnd]))
        {
            wordEnd++;
        }

        var upper = char.IsAsciiLetterUpper(text[i]);
        if (upper && (kinds & (PiiKinds.DrivingLicence | PiiKinds.VehicleReg | PiiKinds.Passport)) != 0 && DigitSoon(text, i))
        {
            if ((kinds & PiiKinds.DrivingLicence) != 0)
            {
                TryDrivingLicence(text, i, output);
            }

            if ((kinds & PiiKinds.VehicleReg) != 0)
            {
                TryVehicleReg(text, i, output);
            }

            if ((kinds & PiiKinds.Passport) != 0)
            {
                TryPassport(text, i, output);
            }
        }
        else if (!upper && (kinds & (PiiKinds.DrivingLicence | PiiKinds.VehicleReg)) != 0 && wordEnd - i is >= 2 and <= 5
            && wordEnd < text.Length && char.IsAsciiDigit(text[wordEnd]))
        {
            // Typed in lower case: "mx66cva", "clark060215jc9hv" (letters then digits straight away).
            if ((kinds & PiiKinds.DrivingLicence) != 0)
            {
                TryDrivingLicence(text, i, output);
            }

            if ((kinds & PiiKinds.VehicleReg) != 0)
            {
                TryVehicleReg(text, i, output);
            }
        }

        // "March 3rd", "Flat 3", "Apt. 3": a word of three or more letters, then a space (or dot and space) and a digit.
        var afterWord = wordEnd < text.Length && text[wordEnd] == '.' ? wordEnd + 1 : wordEnd;
        var digitNext = wordEnd - i >= 3 && afterWord + 1 < text.Length && text[afterWord] == ' ' && char.IsAsciiDigit(text[afterWord + 1]);
        if (digitNext && (kinds & PiiKinds.Dob) != 0)
        {
            TryDob(text, i, output);
        }

        // A house name ends in a house word and a comma: "Rose Cottage, Mill Lane".
        var houseName = upper && wordEnd + 1 < text.Length && text[wordEnd] == ' ' && char.IsAsciiLetterUpper(text[wordEnd + 1]) && CommaWithinTwoWords(text, wordEnd + 1);
        if ((digitNext || houseName) && (kinds & PiiKinds.Address) != 0)
        {
            TryAddress(text, i, output);
        }
    }

    /// <summary>Whether the word at <paramref name="i"/> or the one after it ends in a comma ("Rose Cottage,", "Old Rose Cottage,").</summary>
    private static bool CommaWithinTwoWords(ReadOnlySpan<char> text, int i)
    {
        for (var words = 0; words < 2; words++)
        {
            var start = i;
            while (i < text.Length && i - start <= MaxWordLength && (char.IsAsciiLetter(text[i]) || text[i] is '\'' or '’' or '-'))
            {
                i++;
            }

            if (i >= text.Length || i == start)
            {
                return false;
            }

            if (text[i] == ',')
            {
                return true;
            }

            if (text[i] != ' ')
            {
                return false;
            }

            i++;
        }

        return false;
    }

    /// <summary>A digit within the next few characters of this token (one space allowed): plates, licences and passports have one.</summary>
    private static bool DigitSoon(ReadOnlySpan<char> text, int i)
    {
        var end = Math.Min(text.Length, i + 7);
        for (var k = i + 1; k < end; k++)
        {
            var c = text[k];
            if (char.IsAsciiDigit(c))
            {
                return true;
            }

            if (!char.IsAsciiLetter(c) && !(c == ' ' && k > i + 1 && text[k - 1] != ' '))
            {
                return false;
            }
        }

        return false;
    }

    // ---- context --------------------------------------------------------------------------------------------------

    /// <summary>
    /// Reads up to <see cref="MaxContextWords"/> words backwards from <paramref name="start"/> (lower-cased, trailing dots
    /// dropped) and says whether one of <paramref name="phrases"/> ends there, with only <paramref name="fillers"/> between.
    /// </summary>
    private static bool PrecededBy(ReadOnlySpan<char> text, int start, string[][] phrases, FrozenSet<string> fillers)
    {
        Span<char> buffer = stackalloc char[MaxContextWords * MaxWordLength];
        Span<int> lengths = stackalloc int[MaxContextWords];
        var count = ReadWordsBack(text, start, buffer, lengths);
        return PhraseEnds(buffer, lengths, count, phrases, fillers);
    }

    /// <summary><see cref="PrecededBy"/> over words already read, so one read serves several phrase lists.</summary>
    private static bool PhraseEnds(Span<char> buffer, Span<int> lengths, int count, string[][] phrases, FrozenSet<string> fillers)
    {
        for (var w = 0; w < count; w++)
        {
            if (PhraseAt(buffer, lengths, count, w, phrases))
            {
                return true;
            }

            if (!Contains(fillers, Word(buffer, lengths, w)))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Whether one of <paramref name="phrases"/> (stored last word first) starts at word <paramref name="w"/>.</summary>
    private static bool PhraseAt(Span<char> buffer, Span<int> lengths, int count, int w, string[][] phrases)
    {
        foreach (var phrase in phrases)
        {
            if (w + phrase.Length > count)
            {
                continue;
            }

            var match = true;
            for (var k = 0; k < phrase.Length && match; k++)
            {
                match = Word(buffer, lengths, w + k).SequenceEqual(phrase[k]);
            }

            if (match)
            {
                return true;
            }
        }

        return false;
    }

    private static ReadOnlySpan<char> Word(Span<char> buffer, Span<int> lengths, int w) => buffer.Slice(w * MaxWordLength, lengths[w]);

    /// <summary>Lower-cased words before <paramref name="start"/>, nearest first, within <see cref="ContextWindow"/> characters.</summary>
    private static int ReadWordsBack(ReadOnlySpan<char> text, int start, Span<char> buffer, Span<int> lengths)
    {
        var limit = Math.Max(0, start - ContextWindow);
        var p = start;
        var count = 0;
        while (count < lengths.Length && p > limit)
        {
            // Punctuation between words (": ", " - ", " (", "#") is not a word.
            while (p > limit && !ContextWordChars.Contains(text[p - 1]) && !char.IsAsciiDigit(text[p - 1]))
            {
                p--;
            }

            var end = p;
            while (p > limit && ContextWordChars.Contains(text[p - 1]))
            {
                p--;
            }

            if (p == end)
            {
                break; // a digit or the window edge
            }

            var word = text[p..end];
            while (word.Length > 0 && word[^1] is '.' or '\'' or '’')
            {
                word = word[..^1];
            }

            while (word.Length > 0 && word[0] is '.' or '\'' or '’' or '/')
            {
                word = word[1..];
            }

            if (word.Length == 0 || word.Length > MaxWordLength)
            {
                break;
            }

            lengths[count] = LowerInvariant(word, buffer.Slice(count * MaxWordLength, MaxWordLength));
            count++;
        }

        return count;
    }

    private static bool NearBefore(ReadOnlySpan<char> text, int start, FrozenSet<string> words, int window) => Near(text, start, start, words, after: false, window);

    /// <summary>Whether a word of <paramref name="words"/> stands within <see cref="ContextWindow"/> characters before (or after).</summary>
    private static bool Near(ReadOnlySpan<char> text, int start, int end, FrozenSet<string> words, bool after, int window = ContextWindow)
    {
        var lookup = words.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> lower = stackalloc char[MaxWordLength];
        var from = Math.Max(0, start - window);
        var to = after ? Math.Min(text.Length, end + window) : end;
        foreach (var (a, b) in (ReadOnlySpan<(int, int)>)[(from, start), (end, to)])
        {
            var i = a;
            while (i < b)
            {
                if (!char.IsAsciiLetter(text[i]))
                {
                    i++;
                    continue;
                }

                var s = i;
                while (i < b && (char.IsAsciiLetter(text[i]) || text[i] is '/' or '-' or '\'' || (text[i] == '’')))
                {
                    i++;
                }

                var word = text[s..i];
                while (word.Length > 0 && word[^1] is '-' or '/' or '\'' or '’')
                {
                    word = word[..^1];
                }

                // A word cut by the window edge is not evidence.
                if ((s == from && s > 0 && char.IsAsciiLetter(text[s - 1])) || (i == to && to < text.Length && char.IsAsciiLetter(text[to])))
                {
                    continue;
                }

                if (word.Length is > 0 and <= MaxWordLength && lookup.Contains(lower[..LowerInvariant(word, lower)]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static int Digits(ReadOnlySpan<char> text, int start, int max)
    {
        var i = start;
        while (i < text.Length && i - start < max + 1 && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        return i - start;
    }

    private static int Number(ReadOnlySpan<char> text, int start, int length)
    {
        var v = 0;
        for (var k = 0; k < length; k++)
        {
            v = (v * 10) + (text[start + k] - '0');
        }

        return v;
    }

    private static bool EndsToken(ReadOnlySpan<char> text, int end) =>
        end >= text.Length || !(IsWordChar(text[end]) || (text[end] is '.' or ',' or '-' or '/' or ':' && end + 1 < text.Length && char.IsAsciiDigit(text[end + 1])));

    // ---- bank details ---------------------------------------------------------------------------------------------

    /// <summary>
    /// A sort code (<c>20-00-00</c>, <c>20 00 00</c>, or six digits after "sort code") and the account number that often
    /// follows it; or an account number (eight digits) after "acc", "account", "a/c". Each is its own BANK span.
    /// </summary>
    private static void TryBank(ReadOnlySpan<char> text, int start, List<PiiCandidate> output)
    {
        var sortEnd = SortCodeEnd(text, start, out var separated);
        if (sortEnd > 0)
        {
            var sortContext = PrecededBy(text, start, SortCodePhrases, NumberFillers) || PrecededBy(text, start, AccountPhrases, NumberFillers);
            var account = FollowingAccount(text, sortEnd, out var accountStart);
            // "12 34 56" is also the middle of a spaced NI number or a list of scores: spaces need the words or the account.
            var dashed = separated && text[start + 2] == '-';
            // Six digits then eight ("608371 22013594") is the pair written the way a banking app copies it.
            var pair = account > 0 && accountStart == sortEnd + 1 && !separated;
            if (sortContext || (separated && account > 0) || pair || (dashed && !NamedOtherwise(text, start) && Near(text, start, sortEnd, BankWords, after: true)))
            {
                output.Add(new PiiCandidate(PiiEntities.Bank, start, sortEnd, BankPriority));
                if (account > 0)
                {
                    output.Add(new PiiCandidate(PiiEntities.Bank, accountStart, account, BankPriority));
                }
            }

            return;
        }

        var end = AccountEnd(text, start);
        if (end > 0 && !CountedAfter(text, end) && (PrecededBy(text, start, AccountPhrases, NumberFillers)
            || (Near(text, start, start, AccountWords, after: false) && !Near(text, start, start, NotAccountWords, after: false))))
        {
            output.Add(new PiiCandidate(PiiEntities.Bank, start, end, BankPriority));
        }
    }

    // "12345678 views", "12345678 followers": a count, whatever the account.
    private static readonly FrozenSet<string> CountWords = Set(
        "views", "followers", "likes", "subscribers", "streams", "plays", "steps", "points", "times", "people", "users", "posts", "hits",
        "downloads", "impressions", "retweets");

    private static bool CountedAfter(ReadOnlySpan<char> text, int end)
    {
        if (end + 1 >= text.Length || text[end] != ' ')
        {
            return false;
        }

        var s = end + 1;
        var i = s;
        while (i < text.Length && i - s < MaxWordLength && char.IsAsciiLetter(text[i]))
        {
            i++;
        }

        Span<char> lower = stackalloc char[MaxWordLength];
        return i > s && i - s < MaxWordLength && Contains(CountWords, LowerWord(text, s, i, lower));
    }

    // Eight digits a little after "account" ("account number… it was 61904427"), unless another number is named nearer.
    private static readonly FrozenSet<string> AccountWords = Set("account", "acc", "acct", "a/c", "accnt");

    private static readonly FrozenSet<string> NotAccountWords = Set(
        "order", "ref", "reference", "tracking", "booking", "invoice", "phone", "mobile", "customer", "membership", "member", "case",
        "ticket", "policy", "parcel", "username", "user", "id", "pin", "followers", "points", "loyalty", "password");

    // "code 20-45-77", "ref 12-34-56", "on 12-03-24": the word just before says the number is something else.
    private static readonly FrozenSet<string> NotBankBefore = Set(
        "code", "pin", "ref", "reference", "order", "ticket", "booking", "invoice", "case", "tracking", "score", "scores", "on", "at",
        "from", "until", "till", "dated", "date", "won", "lost", "drew", "product", "item", "isbn");

    private static bool NamedOtherwise(ReadOnlySpan<char> text, int start)
    {
        Span<char> buffer = stackalloc char[MaxWordLength];
        Span<int> lengths = stackalloc int[1];
        return ReadWordsBack(text, start, buffer, lengths) == 1 && Contains(NotBankBefore, buffer[..lengths[0]]);
    }

    /// <summary>The end of a sort code at <paramref name="start"/>, or -1. Sort codes never open with 00 (unallocated).</summary>
    private static int SortCodeEnd(ReadOnlySpan<char> text, int start, out bool separated)
    {
        separated = false;
        if (start + 6 > text.Length)
        {
            return -1;
        }

        int end;
        if (Digits(text, start, 6) == 6)
        {
            end = start + 6;
        }
        else if (start + 8 <= text.Length && Digits(text, start, 2) == 2 && text[start + 2] is '-' or ' ' or '.' && text[start + 5] == text[start + 2]
            && Digits(text, start + 3, 2) == 2 && Digits(text, start + 6, 2) == 2)
        {
            end = start + 8;
            separated = true;
        }
        else
        {
            return -1;
        }

        if (text[start] == '0' && text[start + 1] == '0')
        {
            return -1;
        }

        // "20-00-00 12345678" continues with a space and digits: that is the account, not more of the code.
        if (end < text.Length && !(text[end] == ' ' && end + 1 < text.Length && char.IsAsciiDigit(text[end + 1])) && !EndsToken(text, end))
        {
            return -1;
        }

        return end;
    }

    /// <summary>Eight digits, or four and four with a space; returns the end or -1.</summary>
    private static int AccountEnd(ReadOnlySpan<char> text, int start)
    {
        if (!AtWordStart(text, start))
        {
            return -1;
        }

        var n = Digits(text, start, 8);
        var end = -1;
        if (n == 8)
        {
            end = start + 8;
        }
        else if (n == 4 && start + 9 <= text.Length && text[start + 4] == ' ' && Digits(text, start + 5, 4) == 4)
        {
            end = start + 9;
        }

        return end > 0 && EndsToken(text, end) ? end : -1;
    }

    /// <summary>An account number shortly after a sort code: "20-00-00 12345678", "20-00-00, acc no. 12345678", "20-00-00 / 12345678".</summary>
    private static int FollowingAccount(ReadOnlySpan<char> text, int sortEnd, out int accountStart)
    {
        accountStart = -1;
        Span<char> lower = stackalloc char[MaxWordLength];
        var i = sortEnd;
        var limit = Math.Min(text.Length, sortEnd + 24);
        while (i < limit && !char.IsAsciiDigit(text[i]))
        {
            var c = text[i];
            if (char.IsAsciiLetter(c))
            {
                var s = i;
                while (i < limit && (char.IsAsciiLetter(text[i]) || text[i] is '/' or '.'))
                {
                    i++;
                }

                var word = text[s..i].TrimEnd('.');
                if (word.Length > MaxWordLength)
                {
                    return -1;
                }

                var w = lower[..LowerInvariant(word, lower)];
                var lookup = NumberFillers.GetAlternateLookup<ReadOnlySpan<char>>();
                if (!lookup.Contains(w) && !w.SequenceEqual("acc") && !w.SequenceEqual("account") && !w.SequenceEqual("a/c") && !w.SequenceEqual("acct"))
                {
                    return -1;
                }

                continue;
            }

            if (c is not (' ' or ',' or ':' or '/' or '-' or '|' or ';' or '(' or '&'))
            {
                return -1;
            }

            i++;
        }

        if (i >= limit)
        {
            return -1;
        }

        var end = AccountEnd(text, i);
        if (end > 0)
        {
            accountStart = i;
        }

        return end;
    }

    // ---- passports --------------------------------------------------------------------------------------------------

    /// <summary>
    /// Nine digits (the UK format) or one or two capitals and six to eight digits (most other countries), directly after
    /// "passport" ("passport no.", "passport number is").
    /// </summary>
    private static void TryPassport(ReadOnlySpan<char> text, int start, List<PiiCandidate> output)
    {
        var i = start;
        while (i < text.Length && i - start < 2 && char.IsAsciiLetterUpper(text[i]))
        {
            i++;
        }

        var letters = i - start;
        var digits = Digits(text, i, 9);
        var end = i + digits;
        var ok = letters == 0 ? digits == 9 : digits is >= 6 and <= 8;
        if (!ok)
        {
            // Other countries mix letters in: 19AB28373 (France), PAA123456 (Spain), C01X00T47 (Germany).
            end = start;
            var digitCount = 0;
            while (end < text.Length && end - start < 10 && (char.IsAsciiDigit(text[end]) || char.IsAsciiLetterUpper(text[end])))
            {
                digitCount += char.IsAsciiDigit(text[end]) ? 1 : 0;
                end++;
            }

            ok = end - start is 8 or 9 && digitCount >= 5 && digitCount < end - start;
            if (!ok || !EndsToken(text, end) || !(PrecededBy(text, start, PassportPhrases, PassportFillers)
                || (FollowedByNationality(text, end) && !NearBefore(text, start, NotPassportWords, PassportWindow))))
            {
                return;
            }
        }

        if (!EndsToken(text, end))
        {
            return;
        }

        // "passport no. X", or a nine-digit number shortly after "passport" with nothing in between that names another
        // number ("passport application reference 531862947", "passport office order 120384756").
        if (PrecededBy(text, start, PassportPhrases, PassportFillers)
            || (letters == 0 && NearBefore(text, start, PassportWords, PassportWindow) && !NearBefore(text, start, NotPassportWords, PassportWindow))
            || (letters == 0 && FollowedByPassport(text, end))
            || (FollowedByNationality(text, end) && !NearBefore(text, start, NotPassportWords, PassportWindow)))
        {
            output.Add(new PiiCandidate(PiiEntities.Passport, start, end, PassportPriority));
        }
    }

    private static readonly FrozenSet<string> PassportWords = Set("passport", "passports", "ppt");

    // A passport is often named in one clause and its number given in the next ("passport outside X, number 547092318").
    private const int PassportWindow = 64;

    private static readonly FrozenSet<string> Nationalities = Set(
        "uk", "gb", "british", "irish", "ireland", "italian", "italy", "french", "france", "german", "germany", "spanish", "spain",
        "portuguese", "portugal", "polish", "poland", "dutch", "us", "usa", "american", "canadian", "australian", "indian", "nigerian",
        "greek", "swedish", "eu");

    /// <summary>"550083146 (UK)", "YB3027714 (Italian)": a number labelled with a nationality is a passport's.</summary>
    private static bool FollowedByNationality(ReadOnlySpan<char> text, int end)
    {
        if (end + 3 >= text.Length || text[end] != ' ' || text[end + 1] != '(')
        {
            return false;
        }

        var s = end + 2;
        var i = s;
        while (i < text.Length && i - s < MaxWordLength && char.IsAsciiLetter(text[i]))
        {
            i++;
        }

        Span<char> lower = stackalloc char[MaxWordLength];
        return i > s && i < text.Length && text[i] == ')' && i - s < MaxWordLength && Contains(Nationalities, LowerWord(text, s, i, lower));
    }

    /// <summary>"219487733 is my passport number", "219487733 (passport)": the words right after name the number.</summary>
    private static bool FollowedByPassport(ReadOnlySpan<char> text, int end)
    {
        Span<char> lower = stackalloc char[MaxWordLength];
        var i = end;
        for (var words = 0; words < 4 && i < text.Length; words++)
        {
            while (i < text.Length && text[i] is ' ' or '(' or ',' or ':' or '-')
            {
                i++;
            }

            var s = i;
            while (i < text.Length && i - s < MaxWordLength && (char.IsAsciiLetter(text[i]) || text[i] is '\'' or '’'))
            {
                i++;
            }

            if (i == s || i - s >= MaxWordLength)
            {
                return false;
            }

            var word = LowerWord(text, s, i, lower);
            if (Contains(PassportWords, word))
            {
                return true;
            }

            if (!Contains(PassportFillers, word) && word is not ("the" or "our" or "your" or "their" or "son's" or "daughter's"))
            {
                return false;
            }
        }

        return false;
    }

    private static readonly FrozenSet<string> NotPassportWords = Set(
        "reference", "ref", "application", "order", "booking", "tracking", "invoice", "code", "photo", "photos", "office", "fee", "views",
        "visitor", "ticket", "tickets", "case", "phone", "helpline", "parcel", "pin", "voucher", "confirmation", "appointment", "receipt",
        "payment", "transaction");

    // ---- driving licences -------------------------------------------------------------------------------------------

    /// <summary>
    /// The DVLA's 16 characters (<c>MORGA753116SM9IJ</c>, also written 5-6-5 with spaces): surname (five, padded
    /// with 9s), decade digit, birth month (plus 50 for women), day, year digit, two initials (9 for none), a digit
    /// and two check characters. The date and name structure is checked, so look-alike codes fail.
    /// </summary>
    private static void TryDrivingLicence(ReadOnlySpan<char> text, int start, List<PiiCandidate> output)
    {
        // Typed in lower case it is still the licence, but only where the words say so ("licence clark060215jc9hv").
        var lowerCase = char.IsAsciiLetterLower(text[start]);
        Span<char> c = stackalloc char[16];
        var i = start;
        var n = 0;
        var spaced = false;
        while (n < 16 && i < text.Length)
        {
            var ch = text[i];
            // Printed 5-6-5: a space after the surname and after the date, or none at all.
            if (ch == ' ' && (n == 5 || (n == 11 && spaced)))
            {
                spaced = true;
                i++;
                continue;
            }

            if (!char.IsAsciiDigit(ch) && !(lowerCase ? char.IsAsciiLetterLower(ch) : char.IsAsciiLetterUpper(ch)))
            {
                return;
            }

            c[n++] = char.ToUpperInvariant(ch);
            i++;
        }

        if (n < 16 || (i < text.Length && IsWordChar(text[i])))
        {
            return;
        }

        // A spaced form is all or nothing: "MORGA 753116 SM9IJ".
        if (spaced && !(text[start + 5] == ' ' && text[start + 12] == ' '))
        {
            return;
        }

        // The licence's own words right before outweigh a "code" or "ID" further back ("DVLA check code for my licence X").
        if (IsDrivingLicence(c) && ((!lowerCase && !Near(text, start, start, NotLicenceWords, after: false)) || PrecededBy(text, start, LicencePhrases, LicenceFillers)))
        {
            output.Add(new PiiCandidate(PiiEntities.DrivingLicence, start, i, DrivingLicencePriority));
        }
    }

    private static readonly string[][] LicencePhrases = [["licence"], ["license"], ["dl"], ["licence", "driving"], ["license", "driving"], ["licence", "driver's"], ["license", "driver's"]];

    private static readonly FrozenSet<string> LicenceFillers = Set("no", "number", "num", "nr", "is", "my", "her", "his", "uk", "full", "provisional", "photocard", "card");

    // Codes of the same length that merely happen to fit the structure say what they are just before.
    private static readonly FrozenSet<string> NotLicenceWords = Set(
        "serial", "sku", "part", "order", "code", "ref", "reference", "tracking", "id", "model", "batch", "lot", "docket", "commit",
        "invoice", "voucher", "coupon", "promo", "ticket", "booking", "barcode", "product", "item", "key", "password", "wifi", "hash");

    internal static bool IsDrivingLicence(ReadOnlySpan<char> c)
    {
        if (c.Length != 16 || !char.IsAsciiLetterUpper(c[0]))
        {
            return false;
        }

        // Surname: letters, then only 9s as padding.
        var padded = false;
        for (var k = 1; k < 5; k++)
        {
            if (c[k] == '9')
            {
                padded = true;
            }
            else if (padded || !char.IsAsciiLetterUpper(c[k]))
            {
                return false;
            }
        }

        for (var k = 5; k < 11; k++)
        {
            if (!char.IsAsciiDigit(c[k]))
            {
                return false;
            }
        }

        var month = ((c[6] - '0') * 10) + (c[7] - '0');
        if (month > 50)
        {
            month -= 50;
        }

        var day = ((c[8] - '0') * 10) + (c[9] - '0');
        if (month is < 1 or > 12 || day < 1 || day > DaysIn(month))
        {
            return false;
        }

        return char.IsAsciiLetterUpper(c[11]) && (char.IsAsciiLetterUpper(c[12]) || c[12] == '9') && char.IsAsciiDigit(c[13])
            && char.IsAsciiLetterOrDigit(c[14]) && char.IsAsciiLetterOrDigit(c[15]) && (char.IsAsciiLetter(c[14]) || char.IsAsciiLetter(c[15]));
    }

    private static int DaysIn(int month) => month switch
    {
        2 => 29,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };

    // ---- vehicle registrations --------------------------------------------------------------------------------------

    /// <summary>
    /// Current (<c>AB12 CDE</c>, age identifier 02–26 or 51–76), prefix (<c>A123 BCD</c>) and suffix (<c>ABC 123D</c>)
    /// marks in capitals, only where a vehicle word ("reg", "plate", "car", "van", "parked", …) stands nearby.
    /// </summary>
    private static void TryVehicleReg(ReadOnlySpan<char> text, int start, List<PiiCandidate> output)
    {
        if (char.IsAsciiLetterLower(text[start]))
        {
            // Lower case only in the current format, unspaced: "mx66cva".
            if (start + 7 > text.Length || (start + 7 < text.Length && IsWordChar(text[start + 7])))
            {
                return;
            }

            Span<char> upper = stackalloc char[7];
            for (var k = 0; k < 7; k++)
            {
                var ch = text[start + k];
                if (char.IsAsciiLetterUpper(ch))
                {
                    return;
                }

                upper[k] = char.ToUpperInvariant(ch);
            }

            if (CurrentRegEnd(upper, 0) == 7 && Near(text, start, start + 7, VehicleWords, after: true) && !RegNamedOtherwise(text, start))
            {
                output.Add(new PiiCandidate(PiiEntities.VehicleReg, start, start + 7, VehicleRegPriority));
            }

            return;
        }

        var end = CurrentRegEnd(text, start);
        if (end < 0)
        {
            end = PrefixRegEnd(text, start);
        }

        if (end < 0)
        {
            end = SuffixRegEnd(text, start);
        }

        if (end > 0 && (end >= text.Length || !IsWordChar(text[end])) && Near(text, start, end, VehicleWords, after: true) && !RegNamedOtherwise(text, start))
        {
            output.Add(new PiiCandidate(PiiEntities.VehicleReg, start, end, VehicleRegPriority));
        }
    }

    // "model code KB19 XTR", "part no. AB12 CDE": the word just before names a product code, not a plate.
    private static readonly FrozenSet<string> NotRegBefore = Set("model", "code", "part", "serial", "sku", "product", "item", "batch", "lot", "ref", "reference", "order");

    private static bool RegNamedOtherwise(ReadOnlySpan<char> text, int start)
    {
        Span<char> buffer = stackalloc char[MaxWordLength];
        Span<int> lengths = stackalloc int[1];
        return ReadWordsBack(text, start, buffer, lengths) == 1 && Contains(NotRegBefore, buffer[..lengths[0]]);
    }

    private static bool RegLetter(char c) => char.IsAsciiLetterUpper(c) && c is not ('I' or 'Q');

    private static int ThreeLetters(ReadOnlySpan<char> text, int i, bool allowZ)
    {
        if (i + 3 > text.Length)
        {
            return -1;
        }

        for (var k = 0; k < 3; k++)
        {
            if (!RegLetter(text[i + k]) || (!allowZ && text[i + k] == 'Z'))
            {
                return -1;
            }
        }

        return i + 3;
    }

    private static int SkipSpace(ReadOnlySpan<char> text, int i) => i < text.Length && text[i] == ' ' ? i + 1 : i;

    private static int CurrentRegEnd(ReadOnlySpan<char> text, int start)
    {
        // Memory tag: a region letter (no I, J, Q, T, U, X, Z) and a second letter (no I, Q, Z).
        if (start + 7 > text.Length || text[start] is 'I' or 'J' or 'Q' or 'T' or 'U' or 'X' or 'Z' || !char.IsAsciiLetterUpper(text[start])
            || !RegLetter(text[start + 1]) || text[start + 1] == 'Z' || Digits(text, start + 2, 2) != 2)
        {
            return -1;
        }

        // Age identifier: March (year - 2000) from 02, September (+50) from 51; nothing is issued past September 2026.
        var age = Number(text, start + 2, 2);
        if (age is not ((>= 2 and <= 26) or (>= 51 and <= 76)))
        {
            return -1;
        }

        return ThreeLetters(text, SkipSpace(text, start + 4), allowZ: true);
    }

    private static int PrefixRegEnd(ReadOnlySpan<char> text, int start)
    {
        // 1983–2001: an age letter (no I, O, Q, U, Z), 1–999, then a serial letter and a two-letter area code.
        if (start + 5 > text.Length || text[start] is 'I' or 'O' or 'Q' or 'U' or 'Z' || !char.IsAsciiLetterUpper(text[start]))
        {
            return -1;
        }

        var digits = Digits(text, start + 1, 3);
        if (digits is < 1 or > 3 || text[start + 1] == '0')
        {
            return -1;
        }

        return ThreeLetters(text, SkipSpace(text, start + 1 + digits), allowZ: false);
    }

    private static int SuffixRegEnd(ReadOnlySpan<char> text, int start)
    {
        // 1963–1983: three letters, 1–999, an age letter (no I, O, Q, U, Z).
        var i = ThreeLetters(text, start, allowZ: false);
        if (i < 0)
        {
            return -1;
        }

        i = SkipSpace(text, i);
        var digits = Digits(text, i, 3);
        if (digits is < 1 or > 3 || text[i] == '0' || i + digits >= text.Length)
        {
            return -1;
        }

        var age = text[i + digits];
        return char.IsAsciiLetterUpper(age) && age is not ('I' or 'O' or 'Q' or 'U' or 'Z') ? i + digits + 1 : -1;
    }

    // ---- dates of birth ---------------------------------------------------------------------------------------------

    /// <summary>A date (numeric, "3rd March 1990", "March 3, 1990") directly after "DOB", "date of birth", "born (on)".</summary>
    private static void TryDob(ReadOnlySpan<char> text, int start, List<PiiCandidate> output)
    {
        var end = DateEnd(text, start);
        if (end > 0 && IsDobContext(text, start, end))
        {
            output.Add(new PiiCandidate(PiiEntities.Dob, start, end, DobPriority));
        }
    }

    private static bool IsDobContext(ReadOnlySpan<char> text, int start, int end)
    {
        Span<char> buffer = stackalloc char[MaxContextWords * MaxWordLength];
        Span<int> lengths = stackalloc int[MaxContextWords];
        var count = ReadWordsBack(text, start, buffer, lengths);
        var year = DateHasYear(text, start, end);
        if (PhraseEnds(buffer, lengths, count, DobPhrases, DobFillers))
        {
            // "born" alone dates films and songs ("Born on the 4th of July") unless a year and a person come with it.
            return !PhraseEnds(buffer, lengths, count, BornPhrase, DobFillers) || PhraseEnds(buffer, lengths, count, StrongDobPhrases, DobFillers)
                || (year && BornByPerson(text, start, buffer, lengths, count));
        }

        return year && (PhraseEnds(buffer, lengths, count, BirthdayPhrases, DobFillers) || StrongPhraseWithGap(buffer, lengths, count));
    }

    /// <summary>A day, month and year: numeric dates always carry one; word dates end in it ("3 March 1985", "March 3, 85").</summary>
    private static bool DateHasYear(ReadOnlySpan<char> text, int start, int end)
    {
        var date = text[start..end];
        if (char.IsAsciiDigit(text[start]) && !date.ContainsAnyInRange('A', 'Z') && !date.ContainsAnyInRange('a', 'z'))
        {
            return true;
        }

        // "March 23" ends in its day; only a day-first date ends in a two-digit year ("3 March 85").
        var lastSpace = date.LastIndexOf(' ');
        var tail = date[(lastSpace + 1)..];
        return tail.Length == 4 ? !tail.ContainsAnyExceptInRange('0', '9') : tail.Length == 2 && char.IsAsciiDigit(text[start]) && !tail.ContainsAnyExceptInRange('0', '9');
    }

    /// <summary>Up to four other words between a strong phrase and a dated year: "DOB on his gym card 03/04/1989".</summary>
    private static bool StrongPhraseWithGap(Span<char> buffer, Span<int> lengths, int count)
    {
        for (var w = 0; w < count && w <= 4; w++)
        {
            if (PhraseAt(buffer, lengths, count, w, StrongDobPhrases))
            {
                return true;
            }

            if (Contains(DobGapStops, Word(buffer, lengths, w)))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>"Grandad was born", "I was born", "born 2 May 2009": not "our pub was born", "the idea was born".</summary>
    private static bool BornByPerson(ReadOnlySpan<char> text, int start, Span<char> buffer, Span<int> lengths, int count)
    {
        var w = 0;
        while (w < count && !Word(buffer, lengths, w).SequenceEqual("born"))
        {
            w++;
        }

        // The subject comes before "was"/"were"/"'s": nothing there (a caption, "born 2 May") is a person by default.
        if (w + 1 >= count || !(Word(buffer, lengths, w + 1) is "was" or "were" or "is"))
        {
            return true;
        }

        if (w + 2 >= count)
        {
            return true;
        }

        var subject = Word(buffer, lengths, w + 2);
        return Contains(BornSubjects, subject) || !IsLowerCommonNoun(text, start, subject);
    }

    // A capitalised subject is a name ("Ava was born"); a lower-case word not on the list is a thing.
    private static bool IsLowerCommonNoun(ReadOnlySpan<char> text, int start, ReadOnlySpan<char> lowerSubject)
    {
        var from = Math.Max(0, start - ContextWindow);
        var at = text[from..start].LastIndexOf(lowerSubject, StringComparison.OrdinalIgnoreCase);
        return at >= 0 && char.IsAsciiLetterLower(text[from + at]);
    }

    /// <summary>The end of a calendar date at <paramref name="start"/>, or -1.</summary>
    internal static int DateEnd(ReadOnlySpan<char> text, int start)
    {
        if (start >= text.Length)
        {
            return -1;
        }

        if (char.IsAsciiLetter(text[start]))
        {
            // Month first: "March 3rd, 1990", "Mar 3 1990".
            var month = MonthAt(text, start, out var afterMonth);
            if (month == 0 || afterMonth >= text.Length || text[afterMonth] != ' ')
            {
                return -1;
            }

            var dayEnd = DayEnd(text, afterMonth + 1, out var day);
            if (dayEnd < 0 || day > DaysIn(month))
            {
                return -1;
            }

            var yearEnd = YearAfter(text, dayEnd);
            var end = yearEnd > 0 ? yearEnd : dayEnd;
            return end < text.Length && IsWordChar(text[end]) ? -1 : end;
        }

        var n = Digits(text, start, 4);
        if (n == 4)
        {
            // ISO: 1990-03-12, 1990/03/12.
            var y = Number(text, start, 4);
            if (y is < 1900 or > 2026 || start + 10 > text.Length || text[start + 4] is not ('-' or '/' or '.') || text[start + 7] != text[start + 4]
                || Digits(text, start + 5, 2) != 2 || Digits(text, start + 8, 2) != 2)
            {
                return -1;
            }

            var m = Number(text, start + 5, 2);
            var d = Number(text, start + 8, 2);
            return m is >= 1 and <= 12 && d >= 1 && d <= DaysIn(m) && EndsToken(text, start + 10) ? start + 10 : -1;
        }

        if (n is 1 or 2 && start + n < text.Length && text[start + n] is '/' or '-' or '.')
        {
            // Numeric, day first as in the UK (month first accepted when the day cannot be a month): 12/03/1990, 3.12.88.
            var sep = text[start + n];
            var a = Number(text, start, n);
            var i = start + n + 1;
            var n2 = Digits(text, i, 2);
            if (n2 is not (1 or 2) || i + n2 >= text.Length || text[i + n2] != sep)
            {
                return -1;
            }

            var b = Number(text, i, n2);
            i += n2 + 1;
            var n3 = Digits(text, i, 4);
            if (n3 is not (2 or 4) || (n3 == 4 && Number(text, i, 4) is < 1900 or > 2026))
            {
                return -1;
            }

            var valid = (b is >= 1 and <= 12 && a >= 1 && a <= DaysIn(b)) || (a is >= 1 and <= 12 && b >= 1 && b <= DaysIn(a));
            return valid && EndsToken(text, i + n3) ? i + n3 : -1;
        }

        // Day first in words: "12 March 1990", "3rd of May 1988", "12th Mar".
        var dEnd = DayEnd(text, start, out var dd);
        if (dEnd < 0 || dEnd >= text.Length || text[dEnd] != ' ')
        {
            return -1;
        }

        var p = dEnd + 1;
        if (p + 3 <= text.Length && text.Slice(p, 3).Equals("of ", StringComparison.OrdinalIgnoreCase))
        {
            p += 3;
        }

        var mm = MonthAt(text, p, out var mEnd);
        if (mm == 0 || dd > DaysIn(mm))
        {
            return -1;
        }

        var yEnd = YearAfter(text, mEnd, twoDigits: true);
        var e = yEnd > 0 ? yEnd : mEnd;
        return e < text.Length && IsWordChar(text[e]) ? -1 : e;
    }

    /// <summary>A day of the month with an optional ordinal suffix ("3", "03", "3rd", "21st"); returns the end or -1.</summary>
    private static int DayEnd(ReadOnlySpan<char> text, int start, out int day)
    {
        day = 0;
        var n = Digits(text, start, 2);
        if (n is not (1 or 2))
        {
            return -1;
        }

        day = Number(text, start, n);
        if (day is < 1 or > 31)
        {
            return -1;
        }

        var i = start + n;
        if (i + 2 <= text.Length && char.IsAsciiLetter(text[i]))
        {
            var suffix = text.Slice(i, 2);
            if (!(suffix.Equals("st", StringComparison.OrdinalIgnoreCase) || suffix.Equals("nd", StringComparison.OrdinalIgnoreCase)
                || suffix.Equals("rd", StringComparison.OrdinalIgnoreCase) || suffix.Equals("th", StringComparison.OrdinalIgnoreCase)))
            {
                return -1;
            }

            i += 2;
        }

        return i < text.Length && IsWordChar(text[i]) ? -1 : i;
    }

    /// <summary>A month name or its abbreviation (optionally with a dot) at <paramref name="start"/>: its number, or 0.</summary>
    private static int MonthAt(ReadOnlySpan<char> text, int start, out int end)
    {
        end = start;
        var i = start;
        while (i < text.Length && i - start < 10 && char.IsAsciiLetter(text[i]))
        {
            i++;
        }

        if (i - start is < 3 or > 9 || (i < text.Length && IsWordChar(text[i])))
        {
            return 0;
        }

        Span<char> lower = stackalloc char[9];
        var length = LowerInvariant(text[start..i], lower);
        if (!MonthLookup.TryGetValue(lower[..length], out var month))
        {
            return 0;
        }

        end = i < text.Length && text[i] == '.' && i - start <= 4 ? i + 1 : i;
        return month;
    }

    /// <summary>", 1990" or " 1990" after a day or month: the end of the year, or -1 when none follows.</summary>
    private static int YearAfter(ReadOnlySpan<char> text, int i, bool twoDigits = false)
    {
        var comma = i < text.Length && text[i] == ',';
        if (comma)
        {
            i++;
        }

        if (i >= text.Length || text[i] != ' ')
        {
            return -1;
        }

        i++;
        var digits = Digits(text, i, 4);

        // "3 March 85": two digits right after the month (no comma) are a year too.
        if (twoDigits && digits == 2 && !comma && EndsToken(text, i + 2) && (i + 2 >= text.Length || text[i + 2] is not (':' or '.' or '%')))
        {
            return i + 2;
        }

        if (digits != 4 || Number(text, i, 4) is < 1900 or > 2026 || !EndsToken(text, i + 4))
        {
            return -1;
        }

        return i + 4;
    }

    // ---- street addresses -------------------------------------------------------------------------------------------

    /// <summary>
    /// A house number (21, 21a, 21-23) and a street of capitalised words ending in a street word (Road, St, Mews, …),
    /// optionally with a flat before ("Flat 3, ") and a postcode after (", NW1 6XE"). Streets that name a station,
    /// a market or a venue ("Baker Street station"), numbers that are bus routes or platforms, and famous landmark
    /// addresses are left alone.
    /// </summary>
    private static void TryAddress(ReadOnlySpan<char> text, int start, List<PiiCandidate> output)
    {
        if (char.IsAsciiDigit(text[start]))
        {
            var end = StreetAddressEnd(text, start);
            if (end > 0 && !NotHouseNumberContext(text, start) && !VenueAround(text, start))
            {
                output.Add(new PiiCandidate(PiiEntities.Address, start, end, AddressPriority));
            }

            return;
        }

        // "Flat 3, 21 Baker Street", "Apt 4B 12 Mill Lane", "Flat 2, Rose Court, 21 Baker Street".
        var w = start;
        while (w < text.Length && w - start < 12 && char.IsAsciiLetter(text[w]))
        {
            w++;
        }

        if (w - start is < 3 or > 11)
        {
            return;
        }

        Span<char> lower = stackalloc char[12];
        var word = lower[..LowerInvariant(text[start..w], lower)];
        if (Contains(FlatWords, word))
        {
            var i = w < text.Length && text[w] == '.' ? w + 1 : w;
            if (i >= text.Length || text[i] != ' ')
            {
                return;
            }

            i++;
            var n = Digits(text, i, 4);
            if (n is < 1 or > 4)
            {
                return;
            }

            i += n;
            if (i < text.Length && char.IsAsciiLetter(text[i]) && (i + 1 >= text.Length || !IsWordChar(text[i + 1])))
            {
                i++;
            }

            i = SkipAddressSeparator(text, i);
            if (i < 0)
            {
                return;
            }

            // An optional building name: "Rose Court, ".
            if (i < text.Length && char.IsAsciiLetterUpper(text[i]))
            {
                var nameEnd = CapitalisedWordsEnd(text, i, 4, out var nameLast);
                var next = nameEnd > 0 ? SkipAddressSeparator(text, nameEnd) : -1;
                if (next > 0 && next < text.Length && char.IsAsciiDigit(text[next]) && text[nameEnd] == ',')
                {
                    i = next;
                }
                else if (next > 0 && next < text.Length && text[nameEnd] == ',' && char.IsAsciiLetterUpper(text[next])
                    && Contains(HouseNameWords, LowerWord(text, nameLast, nameEnd, lower)))
                {
                    // "Flat 14, Nightingale House, Thomas More Street": a block's street needs no number.
                    var blockStreetEnd = StreetEnd(text, next);
                    if (blockStreetEnd > 0)
                    {
                        var blockEnd = TrailingPostcodeEnd(text, blockStreetEnd);
                        output.Add(new PiiCandidate(PiiEntities.Address, start, blockEnd > 0 ? blockEnd : blockStreetEnd, AddressPriority + 1));
                        return;
                    }
                }
            }

            if (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                var end = StreetAddressEnd(text, i);
                if (end > 0)
                {
                    output.Add(new PiiCandidate(PiiEntities.Address, start, end, AddressPriority + 1));
                }
            }

            return;
        }

        // A house name then a street: "Rose Cottage, Mill Lane, GU5 0AB". Without a number it needs the postcode.
        if (!char.IsAsciiLetterUpper(text[start]))
        {
            return;
        }

        var houseEnd = CapitalisedWordsEnd(text, start, 3, out var lastWord);
        if (houseEnd < 0 || lastWord < 0 || !Contains(HouseNameWords, LowerWord(text, lastWord, houseEnd, lower)) || lastWord == start
            || houseEnd >= text.Length || text[houseEnd] != ',')
        {
            return;
        }

        var streetStart = SkipAddressSeparator(text, houseEnd);
        if (streetStart < 0 || streetStart >= text.Length || !char.IsAsciiLetterUpper(text[streetStart]))
        {
            return;
        }

        var streetEnd = StreetEnd(text, streetStart);
        if (streetEnd < 0)
        {
            return;
        }

        var withPostcode = TrailingPostcodeEnd(text, streetEnd);
        if (withPostcode > 0)
        {
            output.Add(new PiiCandidate(PiiEntities.Address, start, withPostcode, AddressPriority));
        }
    }

    private static ReadOnlySpan<char> LowerWord(ReadOnlySpan<char> text, int start, int end, Span<char> buffer) =>
        end - start > buffer.Length ? [] : buffer[..LowerInvariant(text[start..end], buffer)];

    private static int SkipAddressSeparator(ReadOnlySpan<char> text, int i)
    {
        if (i < text.Length && text[i] == ',')
        {
            i++;
        }

        return i < text.Length && text[i] == ' ' ? i + 1 : -1;
    }

    /// <summary>
    /// "Kings Place concert hall, 90 York Way" (the venue, then its address) and "the Museum of the Home at 136 Kingsland
    /// Road" (an institution's name): the address is a venue's, not a home's. "the empty shop at 210 Walworth Road" stays.
    /// </summary>
    private static bool VenueAround(ReadOnlySpan<char> text, int start)
    {
        Span<char> buffer = stackalloc char[MaxContextWords * MaxWordLength];
        Span<int> lengths = stackalloc int[MaxContextWords];
        var count = Math.Min(5, ReadWordsBack(text, start, buffer, lengths));
        if (count > 0 && start >= 2 && text[start - 1] == ' ' && text[start - 2] == ',' && Contains(VenueWords, Word(buffer, lengths, 0)))
        {
            return true;
        }

        // The words were lower-cased; find each again to see whether it was written as part of a name.
        var from = Math.Max(0, start - ContextWindow);
        for (var w = 0; w < count; w++)
        {
            var word = Word(buffer, lengths, w);
            if (!Contains(InstitutionWords, word))
            {
                continue;
            }

            var at = text[from..start].LastIndexOf(word, StringComparison.OrdinalIgnoreCase);
            if (at >= 0 && char.IsAsciiLetterUpper(text[from + at]))
            {
                return true;
            }
        }

        return false;
    }

    private static readonly FrozenSet<string> InstitutionWords = Set(
        "museum", "gallery", "theatre", "theater", "library", "hospital", "church", "school", "college", "stadium", "cinema", "studios");

    /// <summary>"bus 38 Essex Road", "the 73 Oxford Street": the word before names what the number counts.</summary>
    private static bool NotHouseNumberContext(ReadOnlySpan<char> text, int start)
    {
        Span<char> buffer = stackalloc char[MaxWordLength];
        Span<int> lengths = stackalloc int[1];
        // Only a word right before counts: "spare room, 88 Harvist Road" and "no. 61 …" are a house after all.
        if (start < 2 || text[start - 1] != ' ' || !char.IsAsciiLetter(text[start - 2]))
        {
            return false;
        }

        return ReadWordsBack(text, start, buffer, lengths) == 1 && Contains(NotHouseBefore, buffer[..lengths[0]]);
    }

    /// <summary>House number, street, optional postcode; returns the end or -1.</summary>
    private static int StreetAddressEnd(ReadOnlySpan<char> text, int start)
    {
        var n = Digits(text, start, 4);
        if (n is < 1 or > 4 || text[start] == '0')
        {
            return -1;
        }

        var i = start + n;
        if (i < text.Length && char.IsAsciiLetter(text[i]) && (i + 1 >= text.Length || !IsWordChar(text[i + 1])))
        {
            i++;
        }
        else if (i + 1 < text.Length && text[i] is '-' or '–' && char.IsAsciiDigit(text[i + 1]))
        {
            var m = Digits(text, i + 1, 4);
            if (m > 4)
            {
                return -1;
            }

            i += 1 + m;
        }

        if (i >= text.Length || text[i] != ' ')
        {
            return -1;
        }

        var streetStart = i + 1;
        var end = StreetEnd(text, streetStart);
        if (end < 0)
        {
            // "9 Ravensdale Mansions, Haringey Park": the number is on the building, the street follows it.
            var nameEnd = CapitalisedWordsEnd(text, streetStart, 3, out var nameLast);
            Span<char> lowerName = stackalloc char[MaxWordLength];
            if (nameEnd < 0 || nameLast == streetStart || nameEnd + 2 >= text.Length || text[nameEnd] != ','
                || !Contains(HouseNameWords, LowerWord(text, nameLast, nameEnd, lowerName)))
            {
                return -1;
            }

            var next = SkipAddressSeparator(text, nameEnd);
            end = next > 0 && char.IsAsciiLetterUpper(text[next]) ? StreetEnd(text, next) : -1;
            if (end < 0)
            {
                return -1;
            }
        }

        Span<char> key = stackalloc char[48];
        if (end - start <= key.Length && Contains(LandmarkAddresses, key[..LowerInvariant(text[start..end], key)]))
        {
            return -1;
        }

        var withPostcode = TrailingPostcodeEnd(text, end);
        return withPostcode > 0 ? withPostcode : end;
    }

    /// <summary>Capitalised words ending in a street word, not continued by a venue word; returns the end or -1.</summary>
    private static int StreetEnd(ReadOnlySpan<char> text, int start)
    {
        Span<char> lower = stackalloc char[MaxWordLength];
        var i = start;
        var words = 0;
        var streetEnd = -1;
        var streetWords = 0;
        while (words < 5 && i < text.Length && char.IsAsciiLetterUpper(text[i]))
        {
            var s = i;
            while (i < text.Length && (char.IsAsciiLetter(text[i]) || (text[i] is '\'' or '’' or '-' && i + 1 < text.Length && char.IsAsciiLetter(text[i + 1]))))
            {
                i++;
            }

            var word = LowerWord(text, s, i, lower);
            words++;
            var dotted = i < text.Length && text[i] == '.' && word.Length <= 4;
            if (words > 1 && word.Length > 0 && Contains(StreetSuffixes, word))
            {
                streetEnd = dotted ? i + 1 : i;
                streetWords = words;
            }

            if (dotted)
            {
                i++;
            }

            if (i + 1 < text.Length && text[i] == ' ' && char.IsAsciiLetterUpper(text[i + 1]))
            {
                i++;
                continue;
            }

            // A lower-case street word after capitalised names: "21 Baker street".
            if (i + 1 < text.Length && text[i] == ' ' && char.IsAsciiLetterLower(text[i + 1]) && streetEnd < 0)
            {
                var ls = i + 1;
                var le = ls;
                while (le < text.Length && char.IsAsciiLetterLower(text[le]))
                {
                    le++;
                }

                var lw = LowerWord(text, ls, le, lower);
                if (lw.Length > 0 && Contains(StreetSuffixes, lw) && (le >= text.Length || !IsWordChar(text[le])))
                {
                    streetEnd = le;
                    streetWords = words + 1;
                    i = le;
                }
            }

            break;
        }

        if (streetEnd < 0 || streetWords < 2 || (streetEnd < text.Length && IsWordChar(text[streetEnd])))
        {
            return -1;
        }

        // The word after the street: "Baker Street station", "Portobello Road Market", "Oxford Street stores".
        var j = streetEnd;
        if (j < text.Length && text[j] == ' ')
        {
            j++;
            var s = j;
            while (j < text.Length && (char.IsAsciiLetter(text[j]) || text[j] is '\'' or '’'))
            {
                j++;
            }

            var next = LowerWord(text, s, j, lower);
            if (next.Length > 0 && Contains(VenueWords, next))
            {
                return -1;
            }
        }
        else if (j + 1 < text.Length && text[j] is '\'' or '’' && text[j + 1] is 's' or 'S')
        {
            return -1;
        }

        return streetEnd;
    }

    /// <summary>Capitalised words separated by single spaces; returns the end and the start of the last word.</summary>
    private static int CapitalisedWordsEnd(ReadOnlySpan<char> text, int start, int max, out int lastWord)
    {
        lastWord = -1;
        var i = start;
        var words = 0;
        while (words < max && i < text.Length && char.IsAsciiLetterUpper(text[i]))
        {
            lastWord = i;
            while (i < text.Length && (char.IsAsciiLetter(text[i]) || text[i] is '\'' or '’' or '-'))
            {
                i++;
            }

            words++;
            if (words < max && i + 1 < text.Length && text[i] == ' ' && char.IsAsciiLetterUpper(text[i + 1]))
            {
                i++;
                continue;
            }

            break;
        }

        return words == 0 ? -1 : i;
    }

    /// <summary>", NW1 6XE", " NW1 6XE" or ", London NW1 6XE" after a street: the end of the postcode, or -1.</summary>
    private static int TrailingPostcodeEnd(ReadOnlySpan<char> text, int i)
    {
        var p = i < text.Length && text[i] == ',' ? i + 1 : i;
        if (p >= text.Length || text[p] != ' ')
        {
            return -1;
        }

        p++;
        var end = FullPostcodeEnd(text, p);
        if (end > 0)
        {
            return end;
        }

        // A town in between: ", London, NW1 6XE", " London NW1 6XE", ", Kingston upon Thames KT1 1AA" is one too many.
        for (var words = 0; words < 2 && p < text.Length && char.IsAsciiLetterUpper(text[p]); words++)
        {
            while (p < text.Length && (char.IsAsciiLetter(text[p]) || text[p] is '\'' or '’' or '-'))
            {
                p++;
            }

            var q = p < text.Length && text[p] == ',' ? p + 1 : p;
            if (q >= text.Length || text[q] != ' ')
            {
                return -1;
            }

            end = FullPostcodeEnd(text, q + 1);
            if (end > 0)
            {
                return end;
            }

            if (q != p)
            {
                return -1; // a comma closes the town without a postcode after it
            }

            p = q + 1;
        }

        return -1;
    }

    /// <summary>
    /// <see cref="MemoryExtensions.ToLowerInvariant(ReadOnlySpan{char}, Span{char})"/>, vectorised for ASCII words: the
    /// invariant-mode casing goes a char at a time, and the scanner lower-cases a word at nearly every cue it checks.
    /// </summary>
    internal static int LowerInvariant(ReadOnlySpan<char> source, Span<char> destination) =>
        Ascii.ToLower(source, destination, out var written) == OperationStatus.Done ? written : source.ToLowerInvariant(destination);
}
