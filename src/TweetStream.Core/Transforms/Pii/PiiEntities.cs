using System.Collections.Frozen;

namespace TweetStream.Transforms.Pii;

/// <summary>The entity type names: what <c>[TYPE]</c> says, what <see cref="Post.PiiTypes"/> lists, what labels use.</summary>
internal static class PiiEntities
{
    public const string Email = "EMAIL";
    public const string Phone = "PHONE";
    public const string Card = "CARD";
    public const string Iban = "IBAN";
    public const string Nino = "NINO";
    public const string Nhs = "NHS";
    public const string Ip = "IP";
    public const string Postcode = "POSTCODE";
    public const string Url = "URL";
    public const string Mention = "MENTION";
    public const string Bank = "BANK";
    public const string Passport = "PASSPORT";
    public const string DrivingLicence = "DRIVING_LICENCE";
    public const string VehicleReg = "VEHICLE_REG";
    public const string Dob = "DOB";
    public const string Address = "ADDRESS";

    public static readonly string[] All = [Email, Phone, Card, Iban, Nino, Nhs, Ip, Postcode, Url, Mention, Bank, Passport, DrivingLicence, VehicleReg, Dob, Address];

    public static readonly FrozenSet<string> Known = All.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public static PiiKinds ToKinds(IEnumerable<string>? names)
    {
        if (names is null)
        {
            return PiiKinds.All;
        }

        var kinds = PiiKinds.None;
        foreach (var name in names)
        {
            kinds |= name.ToUpperInvariant() switch
            {
                Email => PiiKinds.Email,
                Phone => PiiKinds.Phone,
                Card => PiiKinds.Card,
                Iban => PiiKinds.Iban,
                Nino => PiiKinds.Nino,
                Nhs => PiiKinds.Nhs,
                Ip => PiiKinds.Ip,
                Postcode => PiiKinds.Postcode,
                Url => PiiKinds.Url,
                Mention => PiiKinds.Mention,
                Bank => PiiKinds.Bank,
                Passport => PiiKinds.Passport,
                DrivingLicence => PiiKinds.DrivingLicence,
                VehicleReg => PiiKinds.VehicleReg,
                Dob => PiiKinds.Dob,
                Address => PiiKinds.Address,
                _ => PiiKinds.None,
            };
        }

        return kinds;
    }
}

[Flags]
internal enum PiiKinds
{
    None = 0,
    Email = 1,
    Phone = 2,
    Card = 4,
    Iban = 8,
    Nino = 16,
    Nhs = 32,
    Ip = 64,
    Postcode = 128,
    Url = 256,
    Mention = 512,
    Bank = 1024,
    Passport = 2048,
    DrivingLicence = 4096,
    VehicleReg = 8192,
    Dob = 16384,
    Address = 32768,
    All = 65535,

    /// <summary>Options switch: redact the user-info part of URLs.</summary>
    UrlCredentials = 1 << 20,

    /// <summary>Options switch: redact the values of tracking and secret query parameters.</summary>
    UrlTrackingTokens = 1 << 21,

    /// <summary>Options switch: also redact outward codes standing alone (SE15, NW3, W1T).</summary>
    PostcodeDistricts = 1 << 22,
}

/// <summary>A recognised entity: its type name and UTF-16 range in the original text, end exclusive.</summary>
internal readonly record struct PiiSpan(string Type, int Start, int End)
{
    public int Length => End - Start;
}
