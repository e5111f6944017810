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
                span[0] = (char)('1' + rr.Next(9));
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
