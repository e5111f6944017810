using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TweetStream.Transforms.Hashing;

/// <summary>Loads the hashing key from options, or from (or into) a key file.</summary>
internal sealed partial class HashingKeyProvider : IHashingKeyProvider
{
    private readonly Lazy<HashingKey> _key;

    public HashingKeyProvider(IOptions<HashHandlesOptions> options, ILogger<HashingKeyProvider> logger)
    {
        var o = options.Value;
        _key = new Lazy<HashingKey>(() => Load(o, logger));
    }

    public HashingKey Key => _key.Value;

    internal static HashingKey Load(HashHandlesOptions o, ILogger logger, string? baseDirectory = null)
    {
        if (!string.IsNullOrWhiteSpace(o.Key))
        {
            return new HashingKey(o.KeyId, Decode(o.Key, "TweetStream:Hashing:Key"));
        }

        var keyFile = string.IsNullOrWhiteSpace(o.KeyFile) && o.GenerateKeyFile ? HashHandlesOptions.DefaultKeyFile : o.KeyFile;
        if (string.IsNullOrWhiteSpace(keyFile))
        {
            throw new OptionsValidationException(nameof(HashHandlesOptions), typeof(HashHandlesOptions),
                ["No hashing key: set TweetStream:Hashing:Key (base64 of at least 32 random bytes) or TweetStream:Hashing:KeyFile."]);
        }

        var path = Path.GetFullPath(keyFile, baseDirectory ?? Directory.GetCurrentDirectory());
        if (File.Exists(path))
        {
            return new HashingKey(o.KeyId, Decode(File.ReadAllText(path), path));
        }

        var key = RandomNumberGenerator.GetBytes(32);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(path, fileOptions))
        {
            writer.Write(Convert.ToBase64String(key));
        }

        LogGeneratedKey(logger, path);
        return new HashingKey(o.KeyId, key);
    }

    private static byte[] Decode(string base64, string origin)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new OptionsValidationException(nameof(HashHandlesOptions), typeof(HashHandlesOptions),
                [$"The hashing key from {origin} is not valid base64."]);
        }

        if (key.Length < 32)
        {
            throw new OptionsValidationException(nameof(HashHandlesOptions), typeof(HashHandlesOptions),
                [$"The hashing key from {origin} has {key.Length} bytes; at least 32 are required."]);
        }

        return key;
    }

    [LoggerMessage(LogLevel.Warning, "No hashing key was configured: generated a random one and stored it in {Path}. Keep that file secret and out of source control; hashes change if it is lost.")]
    private static partial void LogGeneratedKey(ILogger logger, string path);
}
