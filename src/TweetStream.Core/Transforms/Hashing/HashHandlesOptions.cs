using System.ComponentModel.DataAnnotations;

namespace TweetStream;

/// <summary>Settings of <c>HashHandles</c>: the secret key that turns handles into stable pseudonyms.</summary>
/// <remarks>
/// Set <see cref="Key"/> (base64 of at least 32 random bytes) from a secret store or environment variable
/// (<c>TweetStream__Hashing__Key</c>), or <see cref="KeyFile"/> to keep a generated key beside the data.
/// Never commit a key: whoever has it can test guesses of handles against the hashes.
/// </remarks>
public sealed class HashHandlesOptions
{
    /// <summary>Base64 of the HMAC key, at least 32 bytes once decoded. Wins over <see cref="KeyFile"/>.</summary>
    public string? Key { get; set; }

    /// <summary>
    /// A file holding the key in base64. When it does not exist a random key is generated and stored
    /// there (owner-only permissions) with a warning. Default none.
    /// </summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// When neither <see cref="Key"/> nor <see cref="KeyFile"/> is set, generate a random key and keep it in
    /// <see cref="DefaultKeyFile"/> (relative to the working directory), with the same warning as a generated
    /// <see cref="KeyFile"/>. Default false: without a key the host refuses to start.
    /// </summary>
    public bool GenerateKeyFile { get; set; }

    /// <summary>Where <see cref="GenerateKeyFile"/> keeps the key: <c>data/hashing.key</c>.</summary>
    public const string DefaultKeyFile = "data/hashing.key";

    /// <summary>Prefix of every hash so keys can rotate: <c>k1:…</c>. Letters and digits only. Default <c>k1</c>.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9]{1,16}$")]
    public string KeyId { get; set; } = "k1";
}
