using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;

namespace TweetStream.Sinks.JsonLines;

/// <summary>
/// The appends to one folder and their group commit: appends are serialized, and one flush to disk covers every
/// append that finished before it began.
/// </summary>
/// <remarks>
/// A flush to disk takes longer than the append it secures, and while it runs the other batches in flight append
/// behind it. Each batch used to flush on its own, under the append lock, so every batch waited for the flushes of
/// all the batches before it. Now a batch appends, takes a ticket and waits until a flush that began after its append
/// has finished: one flush secures all the batches that queued during the one before it. A batch still returns only
/// once its lines are on disk.
/// </remarks>
#pragma warning disable CA1001 // One per folder for the life of the process; its semaphore is never asked for a wait handle.
internal sealed class JsonLinesFolder(string directory, Action<string, SafeFileHandle> flushToDisk)
#pragma warning restore CA1001
{
    // Per folder, process-wide: two writers pointed at the same folder must not interleave their appends, and one
    // flush to disk serves every append made before it began, whichever writer made it.
    private static readonly ConcurrentDictionary<string, JsonLinesFolder> Folders = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _appending = new(1, 1);
    private readonly Lock _lock = new();

    // Guarded by _lock: the files appended to since the last flush began, the appends made, and the appends durable.
    private readonly HashSet<string> _unflushed = new(StringComparer.Ordinal);
    private long _appended;
    private long _durable;
    private Task? _flushing;

    /// <summary>The folder at <paramref name="directory"/> (a full path); the first caller's flush is the folder's.</summary>
    public static JsonLinesFolder For(string directory, Action<string, SafeFileHandle> flushToDisk) =>
        Folders.GetOrAdd(directory, static (d, flush) => new JsonLinesFolder(d, flush), flushToDisk);

    /// <summary>Appends each file's lines to it and returns the append's ticket for <see cref="DurableAsync"/>.</summary>
    public async ValueTask<long> AppendAsync(List<(string Path, ReadOnlyMemory<byte> Lines)> files, CancellationToken cancellationToken)
    {
        await _appending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(directory);
            foreach (var (path, lines) in files)
            {
                Append(path, lines.Span);
                lock (_lock)
                {
                    _unflushed.Add(path);
                }
            }

            lock (_lock)
            {
                return ++_appended;
            }
        }
        finally
        {
            _appending.Release();
        }
    }

    /// <summary>Completes once a flush that began after the append of <paramref name="ticket"/> has finished.</summary>
    /// <exception cref="IOException">The flush that was to cover the ticket failed; the caller's batch is retried.</exception>
    public async ValueTask DurableAsync(long ticket, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task flushing;
            lock (_lock)
            {
                if (_durable >= ticket)
                {
                    return;
                }

                // The flush running now may have begun before this ticket's append: wait for it, then look again.
                flushing = _flushing ??= Task.Run(Flush, CancellationToken.None);
            }

            await flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Append(string path, ReadOnlySpan<byte> lines)
    {
        // Shared for writing too: a flush opens the file while the next batch appends to it.
        using var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite);
        var end = RandomAccess.GetLength(handle);
        try
        {
            RandomAccess.Write(handle, lines, end);
        }
        catch (IOException)
        {
            // A disk that filled up mid-write leaves part of a line: cut it off, so the retried batch starts on a
            // line of its own. If even that fails, the reader skips the malformed line.
            try
            {
                RandomAccess.SetLength(handle, end);
            }
            catch (IOException)
            {
            }

            throw;
        }
    }

    private void Flush()
    {
        string[] paths;
        long through;
        lock (_lock)
        {
            paths = [.. _unflushed];
            _unflushed.Clear();
            through = _appended;
        }

        try
        {
            // The kernel flushes a file's pages whichever descriptor asks, so the appends' own handles need not stay open.
            foreach (var path in paths)
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                flushToDisk(path, handle);
            }

            lock (_lock)
            {
                _durable = Math.Max(_durable, through);
                _flushing = null;
            }
        }
        catch
        {
            lock (_lock)
            {
                _unflushed.UnionWith(paths);
                _flushing = null;
            }

            throw;
        }
    }
}
