using System.ComponentModel.DataAnnotations;

namespace TweetStream.Gcp;

/// <summary>What the DLP redaction transform does with a batch when Cloud DLP is out of quota, down or too slow.</summary>
public enum DlpFailurePolicy
{
    /// <summary>Redact that batch with the local redactor (<c>redact-pii</c>'s recognisers) and go on. The default.</summary>
    FallbackToLocal,

    /// <summary>Throw <see cref="TransientException"/> so the pipeline retries the batch later with its backoff.</summary>
    Hold,
}

/// <summary>How a finding reads in the redacted text.</summary>
public enum DlpReplacementStyle
{
    /// <summary>
    /// The local redactor's names: <c>[EMAIL]</c>, <c>[PHONE]</c>, <c>[CARD]</c>, <c>[IBAN]</c>, <c>[NINO]</c>, <c>[NHS]</c>,
    /// <c>[IP]</c>, <c>[POSTCODE]</c>, plus <c>[PERSON]</c>, <c>[ADDRESS]</c>, <c>[PASSPORT]</c>, <c>[DRIVING_LICENCE]</c> for
    /// types only DLP finds (a <c>replaceConfig</c> per name). The default: text, dashboards and
    /// <see cref="Post.PiiTypes"/> read the same whichever redactor ran, or when a batch fell back to local redaction.
    /// </summary>
    LocalNames,

    /// <summary>DLP's own <c>replaceWithInfoTypeConfig</c>: <c>[EMAIL_ADDRESS]</c>, <c>[PHONE_NUMBER]</c>, …</summary>
    InfoTypeNames,
}

/// <summary>Settings of the Cloud DLP redaction transform (<c>dlp-redact</c>, <c>AddDlpRedaction</c>).</summary>
/// <remarks>
/// <para>Each pipeline batch goes to <c>projects/{ProjectId}/locations/{Location}/content:deidentify</c> as one table
/// (one row per post, one <c>text</c> column), split only where a request would exceed <see cref="MaxRequestBytes"/> or
/// <see cref="MaxValuesPerRequest"/>. Requests are paced client-side to <see cref="RequestsPerMinute"/>.</para>
/// <para><see cref="Post.PiiTypes"/> comes from the redacted text itself: each finding becomes a replacement marker the
/// transform knows, so the per-row types are the markers a row gained. DLP's <c>overview</c> only sums findings per
/// infoType over the whole request, and a separate <c>content:inspect</c> would double requests and cost.</para>
/// <para>Mentions are hashed locally with the handle-hashing key before any text leaves the process
/// (<see cref="HashMentions"/>), so <c>@handles</c> never reach Google raw.</para>
/// <para>Credentials are Application Default Credentials scoped to <c>https://www.googleapis.com/auth/cloud-platform</c>
/// (the only scope DLP accepts); the caller needs <c>roles/dlp.user</c>.</para>
/// </remarks>
public sealed class DlpRedactionOptions
{
    /// <summary>The project that runs (and pays for) the DLP calls. Required.</summary>
    [Required]
    [RegularExpression("^[a-z][a-z0-9.:-]{1,61}[a-z0-9]$")]
    public string ProjectId { get; set; } = string.Empty;

    /// <summary>DLP location: <c>global</c> or a region such as <c>europe-west2</c>. Default <c>global</c>.</summary>
    [Required]
    [RegularExpression("^[a-z][a-z0-9-]{0,62}$")]
    public string Location { get; set; } = "global";

    /// <summary>
    /// Send requests to the regional endpoint <c>https://dlp.{Location}.rep.googleapis.com/</c> so content stays in the
    /// region (its quota is lower: about 100 requests/min). Default false: <c>https://dlp.googleapis.com/</c>.
    /// </summary>
    public bool UseRegionalEndpoint { get; set; }

    /// <summary>Overrides the API's base address (tests, private endpoints). Default none.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>Project charged for quota, sent as <c>x-goog-user-project</c>. Default none.</summary>
    public string? QuotaProjectId { get; set; }

    /// <summary>
    /// Built-in DLP infoTypes to find. Default null: the UK-focused set <c>EMAIL_ADDRESS</c>, <c>PHONE_NUMBER</c>,
    /// <c>CREDIT_CARD_NUMBER</c>, <c>IBAN_CODE</c>, <c>UK_NATIONAL_INSURANCE_NUMBER</c>,
    /// <c>UK_NATIONAL_HEALTH_SERVICE_NUMBER</c>, <c>UK_DRIVERS_LICENSE_NUMBER</c>, <c>UK_PASSPORT</c>, <c>IP_ADDRESS</c>,
    /// <c>PERSON_NAME</c>, <c>STREET_ADDRESS</c>, <c>DATE_OF_BIRTH</c>. Always listed explicitly in requests: without a list DLP picks a
    /// default set that changes over time and costs more.
    /// </summary>
    public IList<string>? InfoTypes { get; set; }

    /// <summary>
    /// Add the custom regex infoType <c>UK_POSTCODE</c> (full postcodes such as <c>SE1 7PB</c>; DLP has no built-in
    /// one). Default true.
    /// </summary>
    public bool UkPostcodes { get; set; } = true;

    /// <summary>
    /// Add the custom regex infoTypes <c>UK_SORT_CODE</c>, <c>UK_BANK_ACCOUNT_NUMBER</c> (reported as <c>BANK</c>) and
    /// <c>UK_VEHICLE_REGISTRATION</c> (<c>VEHICLE_REG</c>), which DLP has no built-ins for, each only after its words
    /// ("sort code", "acc", "reg"), so <c>Redaction=dlp</c> covers what the local redactor does. Default true.
    /// </summary>
    public bool UkBankAndVehicleDetectors { get; set; } = true;

    /// <summary>
    /// Lowest likelihood that counts as a finding: <c>VERY_UNLIKELY</c>, <c>UNLIKELY</c>, <c>POSSIBLE</c>, <c>LIKELY</c>
    /// or <c>VERY_LIKELY</c>. Default <c>POSSIBLE</c> (DLP's own default).
    /// </summary>
    [Required]
    [RegularExpression("^(VERY_UNLIKELY|UNLIKELY|POSSIBLE|LIKELY|VERY_LIKELY)$")]
    public string MinLikelihood { get; set; } = "POSSIBLE";

    /// <summary>How findings read in the text. Default <see cref="DlpReplacementStyle.LocalNames"/>.</summary>
    public DlpReplacementStyle Replacement { get; set; } = DlpReplacementStyle.LocalNames;

    /// <summary>
    /// On quota exhaustion (429), server errors (5xx), timeouts and connection failures. Default
    /// <see cref="DlpFailurePolicy.FallbackToLocal"/>. Either way raw text is never passed on.
    /// </summary>
    public DlpFailurePolicy OnFailure { get; set; } = DlpFailurePolicy.FallbackToLocal;

    /// <summary>
    /// Replace <c>@mentions</c> by <c>@</c> and their keyed hash (the handle-hashing key) before the text is sent.
    /// Default true; it needs the hashing key (<c>TweetStream:Hashing</c>).
    /// </summary>
    public bool HashMentions { get; set; } = true;

    /// <summary>
    /// Most bytes of JSON per request. Default 450,000: headroom under DLP's 0.5 MB request limit (the transform counts
    /// the encoded body exactly).
    /// </summary>
    [Range(4096, 500_000)]
    public int MaxRequestBytes { get; set; } = 450_000;

    /// <summary>Most table values (posts) per request. Default 50,000 (DLP's limit).</summary>
    [Range(1, 50_000)]
    public int MaxValuesPerRequest { get; set; } = 50_000;

    /// <summary>
    /// Client-side pace: at most this many requests in any 60 s window. Default 500, under the 600/min per region
    /// quota of the global endpoint; use about 90 with <see cref="UseRegionalEndpoint"/>.
    /// </summary>
    [Range(1, 10_000)]
    public int RequestsPerMinute { get; set; } = 500;

    /// <summary>
    /// Attempts per request on 503/504 and connection failures (the only retries DLP's official config makes).
    /// Default 3; the official client allows 5.
    /// </summary>
    [Range(1, 5)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Deadline of one request including its retries. Default 30 s (the official client allows 300 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Check the configuration with a one-row request when the host starts (and before the first batch), failing
    /// start-up with DLP's message when it is rejected (unknown infoType, bad regex, wrong project, no permission).
    /// Default true.
    /// </summary>
    public bool ValidateAtStartup { get; set; } = true;

    /// <summary>Gzip request bodies of at least 1 KiB. Default true.</summary>
    public bool GzipRequests { get; set; } = true;
}
