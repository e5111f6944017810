using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TweetStream.Sinks.JsonLines;
using TweetStream.Transforms.Hashing;

namespace TweetStream.Sinks;

/// <summary>
/// Appends dead letters to a JSON Lines file per UTC day:
/// <c>{"at","stage","reason","source","post_id","payload_kind","payload_encoding","payload"}</c>.
/// </summary>
/// <remarks>
/// Payloads are protected by default: <c>payload_encoding</c> <c>aes256gcm</c> means
/// base64(nonce[12] ‖ tag[16] ‖ ciphertext) under HKDF-SHA256(hashing key, "tweetstream/deadletter/v1").
/// Raw payloads may carry raw handles; this keeps them replayable by whoever holds the key without
/// putting them in front of whoever reads the file. Without a hashing key a key file is generated
/// beside the dead letters.
/// </remarks>
internal sealed class JsonLinesDeadLetterSink : IDeadLetterSink, IDisposable
{
    internal const string Encrypted = "aes256gcm";
    private static readonly byte[] KeyInfo = "tweetstream/deadletter/v1"u8.ToArray();

    private readonly DeadLetterOptions _options;
    private readonly TimeProvider _time;
    private readonly Lazy<AesGcm?> _aes;
    private readonly string _directory;
    private readonly JsonLinesFolder _folder;

    public JsonLinesDeadLetterSink(DeadLetterOptions options, TimeProvider time, IHashingKeyProvider? keys)
        : this(options, time, keys, static (_, handle) => RandomAccess.FlushToDisk(handle))
    {
    }

    /// <summary>As the public constructor, with the flush to disk replaced (tests hold or fail it).</summary>
    internal JsonLinesDeadLetterSink(DeadLetterOptions options, TimeProvider time, IHashingKeyProvider? keys, Action<string, SafeFileHandle> flushToDisk)
    {
        _options = options;
        _time = time;
        _aes = new Lazy<AesGcm?>(() => options.ProtectPayloads ? new AesGcm(DeriveKey(keys, options.Directory), 16) : null);

        // Group commit, as the JSON Lines sink: most batches of a stream with a malformed line in every few hundred
        // dead-letter one or two lines, and each flushed them to disk on its own, about half of the worker's flushes.
        // Batches whose dead letters append while a flush runs now share the next one.
        _directory = Path.GetFullPath(options.Directory);
        _folder = JsonLinesFolder.For(_directory, flushToDisk);
    }

    public async ValueTask WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deadLetters);
        var buffer = new ArrayBufferWriter<byte>(1024 * deadLetters.Count);
        foreach (var d in deadLetters)
        {
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("at"u8, PostJson.FormatTimestamp(d.At));
                writer.WriteString("stage"u8, d.Stage);
                writer.WriteString("reason"u8, d.Reason);
                writer.WriteString("source"u8, d.Source);
                if (d.PostId is not null)
                {
                    writer.WriteString("post_id"u8, d.PostId);
                }

                writer.WriteString("payload_kind"u8, d.PayloadKind == DeadLetterPayloadKind.Raw ? "raw" : "post");
                if (_aes.Value is { } aes)
                {
                    writer.WriteString("payload_encoding"u8, Encrypted);
                    writer.WriteBase64String("payload"u8, Protect(aes, d.Payload.Span));
                }
                else
                {
                    writer.WriteString("payload_encoding"u8, "base64");
                    writer.WriteBase64String("payload"u8, d.Payload.Span);
                }

                writer.WriteEndObject();
            }

            buffer.Write("\n"u8);
        }

        var path = Path.Combine(_directory, FormattableString.Invariant($"deadletters-{_time.GetUtcNow():yyyy-MM-dd}.jsonl"));
        var ticket = await _folder.AppendAsync([(path, buffer.WrittenMemory)], cancellationToken).ConfigureAwait(false);
        await _folder.DurableAsync(ticket, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (_aes.IsValueCreated)
        {
            _aes.Value?.Dispose();
        }
    }

    /// <summary>Recovers a payload written by this sink; for replay tools and tests.</summary>
    internal static byte[] Unprotect(ReadOnlySpan<byte> key, ReadOnlySpan<byte> protectedPayload)
    {
        using var aes = new AesGcm(key, 16);
        var plain = new byte[protectedPayload.Length - 28];
        aes.Decrypt(protectedPayload[..12], protectedPayload[28..], protectedPayload[12..28], plain);
        return plain;
    }

    internal static byte[] DeriveKey(IHashingKeyProvider? keys, string directory)
    {
        byte[] secret;
        if (keys is not null)
        {
            secret = keys.Key.Key;
        }
        else
        {
            var path = Path.Combine(directory, "deadletters.key");
            if (File.Exists(path))
            {
                secret = Convert.FromBase64String(File.ReadAllText(path).Trim());
            }
            else
            {
                secret = RandomNumberGenerator.GetBytes(32);
                Directory.CreateDirectory(directory);
                File.WriteAllText(path, Convert.ToBase64String(secret), Encoding.ASCII);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }
        }

        return HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt: [], info: KeyInfo);
    }

    private static byte[] Protect(AesGcm aes, ReadOnlySpan<byte> plain)
    {
        var output = new byte[28 + plain.Length];
        RandomNumberGenerator.Fill(output.AsSpan(0, 12));
        aes.Encrypt(output.AsSpan(0, 12), plain, output.AsSpan(28), output.AsSpan(12, 16));
        return output;
    }
}
