using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;

namespace TweetStream.Dashboard;

/// <summary>Hashes dashboard passwords for <see cref="DashboardOptions.PasswordHash"/>.</summary>
/// <remarks>
/// Format: <c>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt, base64&gt;$&lt;derived key, base64&gt;</c> with PBKDF2-HMAC-SHA256,
/// a 16-byte random salt, a 32-byte key and <see cref="DefaultIterations"/> iterations. Hashes with fewer than
/// <see cref="MinimumIterations"/> iterations are refused. ASP.NET Core Identity <c>PasswordHasher</c> hashes are
/// accepted too, so an existing hash can be reused.
/// </remarks>
public static class DashboardPassword
{
    /// <summary>Iterations used by <see cref="Hash(string)"/>: 600,000 (OWASP's figure for PBKDF2-HMAC-SHA256).</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>Fewest iterations a configured hash may have: 100,000.</summary>
    public const int MinimumIterations = 100_000;

    private const string Prefix = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int KeyBytes = 32;

    // Unambiguous characters only, so a printed password survives being read aloud or retyped.
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    /// <summary>Returns a salted PBKDF2-SHA256 hash of <paramref name="password"/> for <see cref="DashboardOptions.PasswordHash"/>.</summary>
    /// <param name="password">The password; not empty.</param>
    /// <returns>The hash in the format described on <see cref="DashboardPassword"/>.</returns>
    public static string Hash(string password) => Hash(password, DefaultIterations);

    internal static string Hash(string password, int iterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinimumIterations);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, KeyBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(key)}");
    }

    internal static string Generate() => RandomNumberGenerator.GetString(Alphabet, 24);

    /// <summary>Parses a configured hash into a verifier, or explains why it cannot be used.</summary>
    internal static bool TryCreateVerifier(string hash, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Func<string, bool>? verify, out string? error)
    {
        verify = null;
        hash = hash.Trim();
        if (hash.StartsWith(Prefix + "$", StringComparison.Ordinal))
        {
            var parts = hash.Split('$');
            if (parts.Length != 4
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations)
                || !TryBase64(parts[2], out var salt) || salt.Length < 8
                || !TryBase64(parts[3], out var expected) || expected.Length < 16)
            {
                error = "PasswordHash is not of the form pbkdf2-sha256$<iterations>$<salt>$<key>.";
                return false;
            }

            if (iterations < MinimumIterations)
            {
                error = $"PasswordHash uses {iterations} iterations; at least {MinimumIterations} are required.";
                return false;
            }

            verify = password =>
            {
                var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
                return CryptographicOperations.FixedTimeEquals(actual, expected);
            };
            error = null;
            return true;
        }

        // ASP.NET Core Identity v3: base64 of 0x01, PRF, iteration count, salt length, salt, subkey.
        if (TryBase64(hash, out var identity) && identity.Length > 13 && identity[0] == 0x01)
        {
            var hasher = new PasswordHasher<DashboardUser>();
            verify = password => hasher.VerifyHashedPassword(DashboardUser.Instance, hash, password) != PasswordVerificationResult.Failed;
            error = null;
            return true;
        }

        error = "PasswordHash is neither a pbkdf2-sha256$… hash (see DashboardPassword.Hash) nor an ASP.NET Core Identity v3 hash.";
        return false;
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        var buffer = new byte[text.Length];
        if (Convert.TryFromBase64String(text, buffer, out var written))
        {
            bytes = buffer[..written];
            return true;
        }

        bytes = [];
        return false;
    }
}

/// <summary>The one dashboard user, for <see cref="PasswordHasher{TUser}"/> which wants a user type.</summary>
internal sealed class DashboardUser
{
    public static DashboardUser Instance { get; } = new();
}
