namespace TweetStream.Sources.Common;

/// <summary>Writes small state files so a crash leaves either the old or the new content, never a torn file.</summary>
internal static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var temp = full + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);

            // Flush to disk before the rename, or a power loss can leave the renamed file empty.
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, full, overwrite: true);
    }

    public static byte[]? TryRead(string path) => File.Exists(path) ? File.ReadAllBytes(path) : null;
}
