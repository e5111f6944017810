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

    public const string UkSortCode = "UK_SORT_CODE";
    public const string UkBankAccount = "UK_BANK_ACCOUNT_NUMBER";
    public const string UkVehicleRegistration = "UK_VEHICLE_REGISTRATION";

    /// <summary>
    /// Custom detectors for what DLP has no UK built-in for, in RE2 syntax. Like the local redactor they need their words
    /// (a sort code after "sort code", an account number after "acc"/"account", a mark after "reg"/"plate"), and group 1
    /// (<c>groupIndexes</c>) makes only the value the finding, so the replacement reads the same as a local one.
    /// </summary>
    public static readonly (string Name, string Pattern)[] UkBankAndVehicle =
    [
        (UkSortCode, @"(?i:\b(?:sort[ -]?code|sortcode|s/c)\b\W{0,3}(?:is\W{1,2})?)((?:0[1-9]|[1-9][0-9])(?:-[0-9]{2}-[0-9]{2}| [0-9]{2} [0-9]{2}|[0-9]{4}))\b"),
        (UkBankAccount, @"(?i:\b(?:acc|acct|account|a/c)\b\.?(?: (?:no|number)\b\.?)?\W{0,3}(?:is\W{1,2})?)([0-9]{8}|[0-9]{4} [0-9]{4})\b"),
        (UkVehicleRegistration, @"(?i:\b(?:reg|registration|number ?plate|plate)\b\W{0,3}(?:is\W{1,2})?)([A-HJ-PR-Y]{2}(?:0[2-9]|1[0-9]|2[0-6]|5[1-9]|6[0-9]|7[0-6]) ?[A-HJ-PR-Z]{3}|[A-HJ-NPR-TV-Y][1-9][0-9]{0,2} ?[A-HJ-PR-Y]{3}|[A-HJ-PR-Y]{3} ?[1-9][0-9]{0,2}[A-HJ-NPR-TV-Y])\b"),
    ];

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
        "DATE_OF_BIRTH",
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
        ["DATE_OF_BIRTH"] = "DOB",
        [UkSortCode] = "BANK",
        [UkBankAccount] = "BANK",
        [UkVehicleRegistration] = "VEHICLE_REG",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The local name of <paramref name="infoType"/>; unknown (custom or newer) types keep their DLP name.</summary>
    public static string LocalName(string infoType) => LocalNames.TryGetValue(infoType, out var local) ? local : infoType;
}
