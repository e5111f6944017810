using System.ComponentModel.DataAnnotations;

namespace TweetStream;

/// <summary>Settings of the local PII redaction transform (<c>redact-pii</c>).</summary>
/// <remarks>
/// Entity type names: <c>EMAIL</c>, <c>PHONE</c> (international and UK national), <c>CARD</c> (Luhn),
/// <c>IBAN</c> (mod 97), <c>NINO</c> (UK National Insurance, prefix rules), <c>NHS</c> (mod 11),
/// <c>IP</c> (v4 and v6), <c>POSTCODE</c> (UK, full and outward-only), <c>URL</c> (credentials and
/// tracking tokens inside links), <c>MENTION</c> (<c>@handle</c>, hashed with the handle-hashing key), <c>BANK</c>
/// (UK sort codes and account numbers, each its own span), <c>PASSPORT</c> (after the word passport),
/// <c>DRIVING_LICENCE</c> (the DVLA's 16 characters, structure checked), <c>VEHICLE_REG</c> (current, prefix and suffix
/// marks near a vehicle word), <c>DOB</c> (a date after "DOB", "date of birth", "born") and <c>ADDRESS</c> (house
/// number or name and street, with flat and postcode; landmarks, stations and venues are left alone).
/// </remarks>
public sealed class RedactPiiOptions
{
    /// <summary>The entity types to redact (case-insensitive names listed in the remarks). Default null: all of them.</summary>
    public IReadOnlyList<string>? Entities { get; set; }

    /// <summary>
    /// The replacement of a match, a composite format whose <c>{0}</c> is the type name. Default <c>[{0}]</c>,
    /// giving <c>[EMAIL]</c>, <c>[PHONE]</c>, …
    /// </summary>
    [Required]
    public string ReplacementFormat { get; set; } = "[{0}]";

    /// <summary>Replace the user-info part of URLs (<c>https://user:password@host</c>) by the URL replacement. Default true.</summary>
    public bool RedactUrlCredentials { get; set; } = true;

    /// <summary>
    /// Replace the values of tracking and secret query parameters (<c>utm_*</c>, <c>fbclid</c>, <c>gclid</c>,
    /// <c>token</c>, <c>sig</c>, <c>email</c>, …) by the URL replacement. Default true.
    /// </summary>
    public bool RedactUrlTrackingTokens { get; set; } = true;

    /// <summary>
    /// Also replace outward codes standing alone (<c>SE15</c>, <c>NW3</c>, <c>W1T</c>), not only full postcodes
    /// (<c>SE15 3AB</c>). Default false: a district covers thousands of addresses and mostly names a place
    /// ("still raining in SE1"), so alone it identifies nobody; the generator's ground truth labels it the same way.
    /// Known look-alikes (CO2, HS2, UB40, …) and lower-case tokens are never taken for districts.
    /// </summary>
    public bool RedactPostcodeDistricts { get; set; }

    /// <summary>
    /// Replace <c>@mentions</c> by <c>@</c> and the keyed hash <c>HashHandles</c> gives authors (same key, so an
    /// author and a mention of the same person match). When false, mentions are replaced like other entities.
    /// Default true; it needs the hashing key (<c>TweetStream:Hashing</c>).
    /// </summary>
    public bool HashMentions { get; set; } = true;
}
