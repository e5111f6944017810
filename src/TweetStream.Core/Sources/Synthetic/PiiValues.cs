using System.Globalization;
using System.Text;

namespace TweetStream.Sources.Synthetic;

/// <summary>Generates checksum-valid UK-style PII values in the formats people actually type, and validates them.</summary>
/// <remarks>
/// Phone numbers come from Ofcom's ranges reserved for drama (020 7946 0xxx, 07700 900xxx), so no generated
/// number rings anyone; cards, IBANs, NI and NHS numbers are random but pass their checksums.
/// </remarks>
internal static class PiiValues
{
    private static readonly string[] EmailDomains = ["gmail.com", "outlook.com", "btinternet.com", "yahoo.co.uk", "hotmail.co.uk", "example.co.uk", "icloud.com"];

    // First letters D, F, I, Q, U, V and second letters D, F, I, O, Q, U, V are never issued; nor these pairs.
    private const string NinoFirst = "ABCEGHJKLMNOPRSTWXYZ";
    private const string NinoSecond = "ABCEGHJKLMNPRSTWXYZ";
    private static readonly string[] NinoBannedPrefixes = ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"];

    private static readonly string[] Outward = ["SW1A", "EC1A", "W1A", "SE1", "E14", "N1", "NW3", "WC2N", "E1", "SW11", "SE10", "W2", "N16", "E8", "NW1", "WC1E", "EC2M", "SW9", "SE15", "W11"];
    private const string InwardLetters = "ABDEFGHJLNPQRSTUWXYZ";

    private static readonly string[] BankCodes = ["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "WEST", "MONZ", "SRLG"];

    public static string Email(SyntheticRandom r, string first, string last)
    {
        var local = r.Next(4) switch
        {
            0 => first + "." + last,
            1 => first[0] + last + r.Next(10, 99).ToString(CultureInfo.InvariantCulture),
            2 => first + "_" + last[0],
            _ => last + "." + first + r.Next(1970, 2005).ToString(CultureInfo.InvariantCulture),
        };
        return local.ToLowerInvariant() + "@" + r.Pick(EmailDomains);
    }

    public static string Phone(SyntheticRandom r)
    {
        var london = r.Next(2) == 0;
        var tail = r.Next(1000).ToString("000", CultureInfo.InvariantCulture);
        if (london)
        {
            var local = "7946 0" + tail; // 020 7946 0xxx
            return r.Next(6) switch
            {
                0 => "+44 20 " + local,
                1 => "020 " + local,
                2 => "(020) 7946-0" + tail,
                3 => "+44 (0)20 " + local,
                4 => "02079460" + tail,
                _ => "+44.20.7946.0" + tail,
            };
        }

        var mobile = "900" + tail; // 07700 900xxx
        return r.Next(6) switch
        {
            0 => "07700 " + mobile,
            1 => "+44 7700 " + mobile,
            2 => "+44.7700." + mobile,
            3 => "07700" + mobile,
            4 => "+447700" + mobile,
            _ => "07700-" + mobile,
        };
    }

    public static string Card(SyntheticRandom r)
    {
        var kind = r.Next(3);
        var prefix = kind switch
        {
            0 => "4",
            1 => "5" + (char)('1' + r.Next(5)),
            _ => r.Next(2) == 0 ? "34" : "37",
        };
        var length = kind == 2 ? 15 : 16;
        var sb = new StringBuilder(prefix);
        while (sb.Length < length - 1)
        {
            sb.Append(r.Digit());
        }

        sb.Append(LuhnCheckDigit(sb.ToString()));
        var digits = sb.ToString();
        var separator = r.Next(3) switch { 0 => " ", 1 => "-", _ => string.Empty };
        if (separator.Length == 0)
        {
            return digits;
        }

        return kind == 2
            ? string.Join(separator, digits[..4], digits[4..10], digits[10..])
            : string.Join(separator, digits[..4], digits[4..8], digits[8..12], digits[12..]);
    }

    public static string Nino(SyntheticRandom r)
    {
        string prefix;
        do
        {
            prefix = string.Concat(NinoFirst[r.Next(NinoFirst.Length)], NinoSecond[r.Next(NinoSecond.Length)]);
        }
        while (Array.IndexOf(NinoBannedPrefixes, prefix) >= 0);

        var digits = string.Create(6, r, static (span, rr) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = rr.Digit();
            }
        });
        var suffix = (char)('A' + r.Next(4));
        return r.Next(3) switch
        {
            0 => prefix + digits + suffix,
            1 => $"{prefix} {digits[..2]} {digits[2..4]} {digits[4..]} {suffix}",
            _ => $"{prefix} {digits} {suffix}",
        };
    }

    public static string Nhs(SyntheticRandom r)
    {
        while (true)
        {
            var nine = string.Create(9, r, static (span, rr) =>
            {
                // NHS England issues 400 000 000–499 999 999 and 600 000 000–799 999 999.
                span[0] = "467"[rr.Next(3)];
                for (var i = 1; i < span.Length; i++)
                {
                    span[i] = rr.Digit();
                }
            });
            var check = NhsCheckDigit(nine);
            if (check < 0)
            {
                continue; // remainder 10: no valid number with these digits
            }

            var all = nine + (char)('0' + check);
            return r.Next(3) switch
            {
                0 => $"{all[..3]} {all[3..6]} {all[6..]}",
                1 => all,
                _ => $"{all[..3]}-{all[3..6]}-{all[6..]}",
            };
        }
    }

    public static string Iban(SyntheticRandom r)
    {
        var sb = new StringBuilder(r.Pick(BankCodes));
        for (var i = 0; i < 14; i++)
        {
            sb.Append(r.Digit());
        }

        var bban = sb.ToString();
        var check = 98 - Mod97(bban + "GB00");
        var iban = "GB" + check.ToString("00", CultureInfo.InvariantCulture) + bban;
        if (r.Next(2) == 0)
        {
            return iban;
        }

        var grouped = new StringBuilder();
        for (var i = 0; i < iban.Length; i += 4)
        {
            if (i > 0)
            {
                grouped.Append(' ');
            }

            grouped.Append(iban.AsSpan(i, Math.Min(4, iban.Length - i)));
        }

        return grouped.ToString();
    }

    public static string Postcode(SyntheticRandom r) =>
        r.Pick(Outward) + " " + r.Digit() + InwardLetters[r.Next(InwardLetters.Length)] + InwardLetters[r.Next(InwardLetters.Length)];

    public static string IPv4(SyntheticRandom r) => r.Next(3) switch
    {
        0 => $"192.168.{r.Next(256)}.{r.Next(1, 255)}",
        1 => $"10.{r.Next(256)}.{r.Next(256)}.{r.Next(1, 255)}",
        _ => $"{r.Next(1, 224)}.{r.Next(256)}.{r.Next(256)}.{r.Next(1, 255)}",
    };

    public static string IPv6(SyntheticRandom r)
    {
        string Hextet() => r.Next(0x10000).ToString("x", CultureInfo.InvariantCulture);
        return r.Next(2) == 0
            ? $"2001:db8:{Hextet()}:{Hextet()}::{Hextet()}"
            : $"2001:db8:{Hextet()}:{Hextet()}:{Hextet()}:{Hextet()}:{Hextet()}:{Hextet()}";
    }

    // Sort codes by bank: Barclays 20, Lloyds 30, HSBC 40, NatWest 60, TSB 77, Santander 09, Monzo 04, RBS 83.
    private static readonly string[] SortCodeBanks = ["20", "30", "40", "60", "77", "09", "04", "83", "11", "16", "52", "72"];

    private static readonly string[] StreetNames =
    [
        "Elmore", "Harcourt", "Baker", "Coldharbour", "Amhurst", "Rye", "Mile End", "Chatsworth", "Stroud Green", "Tollington",
        "Redchurch", "Wilton", "Cecilia", "Navarino", "Brecknock", "Ferntower", "Gayton", "Rectory", "Evering", "Sutherland",
        "St John's", "Queen's", "Mortimer", "Arbery", "Wightman", "Rushmore", "Ashwin", "Dunollie", "Lavender", "Priory",
    ];

    private static readonly string[] StreetWords = ["Street", "Road", "Lane", "Avenue", "Close", "Grove", "Gardens", "Crescent", "Mews", "Place", "Terrace", "Way", "Rd", "St"];

    private static readonly string[] MonthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    // Letters a registration may carry: never I or Q; Z only in the random part of current marks.
    private const string RegLetters = "ABCDEFGHJKLMNOPRSTUVWXY";
    private const string RegionLetters = "ABCDEFGHKLMNOPRSVWY";
    private const string OldAgeLetters = "ABCDEFGHJKLMNPRSTVWXY";

    public static string SortCode(SyntheticRandom r)
    {
        var code = r.Pick(SortCodeBanks) + r.Digit() + r.Digit() + r.Digit() + r.Digit();
        return r.Next(4) == 0 ? code : $"{code[..2]}-{code[2..4]}-{code[4..]}";
    }

    public static string AccountNumber(SyntheticRandom r)
    {
        var digits = string.Create(8, r, static (span, rr) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = rr.Digit();
            }
        });
        return r.Next(5) == 0 ? digits[..4] + " " + digits[4..] : digits;
    }

    /// <summary>Nine digits, as UK passports are numbered.</summary>
    public static string Passport(SyntheticRandom r)
    {
        var sb = new StringBuilder(9).Append((char)('1' + r.Next(9)));
        while (sb.Length < 9)
        {
            sb.Append(r.Digit());
        }

        return sb.ToString();
    }

    /// <summary>
    /// A DVLA licence number: surname (five, 9-padded), decade, month (+50 for women), day, year digit, two initials (9 when
    /// there is no middle one), a digit, two check letters; sometimes printed 5-6-5.
    /// </summary>
    public static string DrivingLicence(SyntheticRandom r, string first, string last)
    {
        var surname = new string([.. last.ToUpperInvariant().Where(char.IsAsciiLetter)]);
        surname = surname.Length >= 5 ? surname[..5] : surname.PadRight(5, '9');
        var year = r.Next(1950, 2007);
        var month = r.Next(1, 13);
        var day = r.Next(1, DaysIn(month) + 1);
        var female = r.Next(2) == 0;
        var middle = r.Next(3) == 0 ? '9' : RegLetters[r.Next(RegLetters.Length)];
        var value = string.Create(CultureInfo.InvariantCulture,
            $"{surname}{year / 10 % 10}{month + (female ? 50 : 0):00}{day:00}{year % 10}{char.ToUpperInvariant(first[0])}{middle}9{RegLetters[r.Next(RegLetters.Length)]}{RegLetters[r.Next(RegLetters.Length)]}");
        return r.Next(4) == 0 ? $"{value[..5]} {value[5..11]} {value[11..]}" : value;
    }

    /// <summary>Checks the DVLA structure, written apart from the redactor's check so the two cannot share a mistake.</summary>
    public static bool IsDrivingLicenceValid(string value)
    {
        var v = value.Replace(" ", string.Empty, StringComparison.Ordinal);
        if (v.Length != 16)
        {
            return false;
        }

        var surname = v[..5];
        var firstNine = surname.IndexOf('9', StringComparison.Ordinal);
        var letters = firstNine < 0 ? surname : surname[..firstNine];
        if (letters.Length == 0 || !letters.All(char.IsAsciiLetterUpper) || (firstNine >= 0 && surname[firstNine..].Any(c => c != '9')))
        {
            return false;
        }

        if (!v[5..11].All(char.IsAsciiDigit))
        {
            return false;
        }

        var month = int.Parse(v[6..8], CultureInfo.InvariantCulture) % 50;
        var day = int.Parse(v[8..10], CultureInfo.InvariantCulture);
        return int.Parse(v[6..8], CultureInfo.InvariantCulture) is (>= 1 and <= 12) or (>= 51 and <= 62) && day >= 1 && day <= DaysIn(month)
            && char.IsAsciiLetterUpper(v[11]) && (char.IsAsciiLetterUpper(v[12]) || v[12] == '9') && char.IsAsciiDigit(v[13])
            && char.IsAsciiLetterUpper(v[14]) && char.IsAsciiLetterUpper(v[15]);
    }

    private static int DaysIn(int month) => month == 2 ? 28 : month is 4 or 6 or 9 or 11 ? 30 : 31;

    /// <summary>Mostly current marks (AB12 CDE, age 02–26 or 51–75), some prefix (A123 BCD) and suffix (ABC 123D) ones.</summary>
    public static string VehicleReg(SyntheticRandom r)
    {
        char L(string from) => from[r.Next(from.Length)];
        switch (r.Next(6))
        {
            case 0:
                return $"{L(OldAgeLetters)}{r.Next(1, 1000)} {L(RegLetters)}{L(RegLetters)}{L(RegLetters)}";
            case 1:
                return $"{L(RegLetters)}{L(RegLetters)}{L(RegLetters)} {r.Next(1, 1000)}{L(OldAgeLetters)}";
            default:
                var age = r.Next(2) == 0 ? r.Next(2, 27) : r.Next(51, 76);
                var space = r.Next(5) == 0 ? string.Empty : " ";
                return string.Create(CultureInfo.InvariantCulture, $"{L(RegionLetters)}{L(RegLetters)}{age:00}{space}{L(RegLetters)}{L(RegLetters)}{L(RegLetters + "Z")}");
        }
    }

    /// <summary>A birth date as people write it: 14/03/1987, 14.03.1987, 1987-03-14, 14 March 1987, 14th March 1987.</summary>
    public static string DateOfBirth(SyntheticRandom r)
    {
        var year = r.Next(1940, 2011);
        var month = r.Next(1, 13);
        var day = r.Next(1, DaysIn(month) + 1);
        var ordinal = day is 1 or 21 or 31 ? "st" : day is 2 or 22 ? "nd" : day is 3 or 23 ? "rd" : "th";
        return r.Next(5) switch
        {
            0 => string.Create(CultureInfo.InvariantCulture, $"{day:00}/{month:00}/{year}"),
            1 => string.Create(CultureInfo.InvariantCulture, $"{day:00}.{month:00}.{year}"),
            2 => string.Create(CultureInfo.InvariantCulture, $"{year}-{month:00}-{day:00}"),
            3 => string.Create(CultureInfo.InvariantCulture, $"{day} {MonthNames[month - 1]} {year}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{day}{ordinal} {MonthNames[month - 1]} {year}"),
        };
    }

    /// <summary>A house number and street, sometimes with a flat before and a postcode after.</summary>
    public static string Address(SyntheticRandom r)
    {
        var number = r.Next(1, 240).ToString(CultureInfo.InvariantCulture) + (r.Next(8) == 0 ? "a" : string.Empty);
        var street = $"{number} {r.Pick(StreetNames)} {r.Pick(StreetWords)}";
        var flat = r.Next(4) == 0 ? $"Flat {r.Next(1, 30)}, " : string.Empty;
        return r.Next(3) switch
        {
            0 => flat + street + ", " + Postcode(r),
            1 => flat + street + ", London " + Postcode(r),
            _ => flat + street,
        };
    }

    // Deliberately independent of Transforms/Pii/PiiChecksums: the ground truth must not share a bug with the
    // redactor it scores.
    public static char LuhnCheckDigit(string payload)
    {
        var sum = 0;
        var doubleIt = true;
        for (var i = payload.Length - 1; i >= 0; i--)
        {
            var d = payload[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return (char)('0' + ((10 - (sum % 10)) % 10));
    }

    public static bool IsLuhnValid(string digits)
    {
        var onlyDigits = new string([.. digits.Where(char.IsAsciiDigit)]);
        return onlyDigits.Length >= 2 && LuhnCheckDigit(onlyDigits[..^1]) == onlyDigits[^1];
    }

    /// <summary>The NHS mod-11 check digit of nine digits, or -1 when none exists.</summary>
    public static int NhsCheckDigit(string nine)
    {
        var sum = 0;
        for (var i = 0; i < 9; i++)
        {
            sum += (nine[i] - '0') * (10 - i);
        }

        var check = 11 - (sum % 11);
        return check == 11 ? 0 : check == 10 ? -1 : check;
    }

    public static bool IsNhsValid(string value)
    {
        var digits = new string([.. value.Where(char.IsAsciiDigit)]);
        return digits.Length == 10 && NhsCheckDigit(digits[..9]) == digits[9] - '0';
    }

    public static bool IsIbanValid(string value)
    {
        var compact = value.Replace(" ", string.Empty, StringComparison.Ordinal);
        return compact.Length > 4 && Mod97(compact[4..] + compact[..4]) == 1;
    }

    public static bool IsNinoPrefixValid(string value) =>
        value.Length >= 2 && NinoFirst.Contains(value[0], StringComparison.Ordinal) && NinoSecond.Contains(value[1], StringComparison.Ordinal) &&
        Array.IndexOf(NinoBannedPrefixes, value[..2]) < 0;

    private static int Mod97(string alphanumeric)
    {
        var remainder = 0;
        foreach (var c in alphanumeric)
        {
            var v = char.IsAsciiDigit(c) ? c - '0' : char.ToUpperInvariant(c) - 'A' + 10;
            remainder = v >= 10 ? ((remainder * 100) + v) % 97 : ((remainder * 10) + v) % 97;
        }

        return remainder;
    }
}
