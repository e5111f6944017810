using System.Collections.Frozen;

namespace TweetStream.Gcp.Dlp;

/// <summary>The default UK-focused detector set and the mapping of DLP infoTypes to the local redactor's names.</summary>
internal static class DlpInfoTypes
{
    public const string UkPostcode = "UK_POSTCODE";

    /// <summary>
    /// Full UK postcodes (outward + inward code, GIR 0AA included). RE2 syntax (DLP's regex engine); outward codes alone
    /// are left alone, as the local redactor does by default.
    /// </summary>
    public const string UkPostcodePattern = @"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})\b";

    public static readonly string[] Default =
    [
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "CREDIT_CARD_NUMBER",
        "IBAN_CODE",
        "UK_NATIONAL_INSURANCE_NUMBER",
        "UK_NATIONAL_HEALTH_SERVICE_NUMBER",
        "UK_DRIVERS_LICENSE_NUMBER",
        "UK_PASSPORT",
        "IP_ADDRESS",
        "PERSON_NAME",
        "STREET_ADDRESS",
    ];

    /// <summary>DLP infoType → the name the local redactor (<c>PiiEntities</c>) uses, or a new one for DLP-only types.</summary>
    public static readonly FrozenDictionary<string, string> LocalNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["EMAIL_ADDRESS"] = "EMAIL",
        ["PHONE_NUMBER"] = "PHONE",
        ["CREDIT_CARD_NUMBER"] = "CARD",
        ["IBAN_CODE"] = "IBAN",
        ["UK_NATIONAL_INSURANCE_NUMBER"] = "NINO",
        ["UK_NATIONAL_HEALTH_SERVICE_NUMBER"] = "NHS",
        ["IP_ADDRESS"] = "IP",
        [UkPostcode] = "POSTCODE",
        ["UK_DRIVERS_LICENSE_NUMBER"] = "DRIVING_LICENCE",
        ["UK_PASSPORT"] = "PASSPORT",
        ["PERSON_NAME"] = "PERSON",
        ["STREET_ADDRESS"] = "ADDRESS",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The local name of <paramref name="infoType"/>; unknown (custom or newer) types keep their DLP name.</summary>
    public static string LocalName(string infoType) => LocalNames.TryGetValue(infoType, out var local) ? local : infoType;
}
