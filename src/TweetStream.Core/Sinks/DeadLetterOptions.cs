using System.ComponentModel.DataAnnotations;

namespace TweetStream;

/// <summary>Settings of the JSON Lines dead-letter sink.</summary>
public sealed class DeadLetterOptions
{
    /// <summary>Folder of the dead-letter files, one per UTC day (<c>deadletters-YYYY-MM-DD.jsonl</c>). Default <c>data/deadletters</c>.</summary>
    [Required]
    public string Directory { get; set; } = Path.Combine("data", "deadletters");

    /// <summary>
    /// Encrypt payloads (AES-256-GCM with a key derived from the hashing key) so the raw handles they may
    /// hold are not readable from the file. Default true. Turning it off writes raw input in clear:
    /// only for local debugging of synthetic data.
    /// </summary>
    public bool ProtectPayloads { get; set; } = true;
}
