using System.Globalization;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TweetStream.Sources.X;

namespace TweetStream.Sources.Replay;

/// <summary>
/// Reads recorded X API v2 stream lines from an NDJSON file (plain or gzip), optionally paced to real time,
/// looping and resuming from a persisted byte offset.
/// </summary>
/// <remarks>
/// Offsets are positions in the decompressed content. Every item's acknowledgement token is its line's end
/// offset; <see cref="ReplayCheckpoint"/> turns out-of-order acknowledgements into a resume offset.
/// Lines are cut from one large reusable buffer; nothing is allocated per line beyond the post itself
/// (and a copy of the bytes for malformed lines).
/// </remarks>
internal sealed class ReplaySource : ITweetSource, IAsyncDisposable, IDisposable
{
    /// <summary>Longest line accepted, without its line break; X posts are a few KiB at most.</summary>
    internal const int MaxLineBytes = 1024 * 1024;

    /// <summary>How much of an over-long line is kept as the dead letter's raw payload.</summary>
    internal const int OverlongPrefixBytes = 4096;

    /// <summary>Longest wait between two paced posts, whatever gap their timestamps show.</summary>
    internal static readonly TimeSpan MaxPaceGap = TimeSpan.FromSeconds(5);

    private const int ReadChunk = 256 * 1024;
    private const string SourceName = "replay";

    private readonly ReplayOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ReplayCheckpoint _checkpoint;

    public ReplaySource(ReplayOptions options, TimeProvider time, ILogger<ReplaySource>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path);
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _checkpoint = new ReplayCheckpoint(options.CheckpointPath, _time, _logger);
    }

    public string Name => SourceName;

    /// <summary>The acknowledgement tracker (tests inspect it).</summary>
    internal ReplayCheckpoint Checkpoint => _checkpoint;

    public async IAsyncEnumerable<SourceItem> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var skip = _checkpoint.Load();
        var buffer = new byte[MaxLineBytes + ReadChunk];
        long passBase = 0;
        long lines = 0;
        DateTimeOffset? lastCreated = null;
        var pass = 0;
        var passStart = _time.GetUtcNow();
        var backfill = _options.RebaseTimestamps && _options.Backfill > TimeSpan.Zero;
        var backfillStart = passStart - _options.Backfill;
        DateTimeOffset? firstRecorded = null;

        while (true)
        {
            var stream = await OpenAsync(_options.Path!, cancellationToken).ConfigureAwait(false);
            long fileOffset; // offset in the decompressed content of buffer[0]
            long passEnd;
            await using (stream.ConfigureAwait(false))
            {
                fileOffset = await SkipAsync(stream, skip, buffer, cancellationToken).ConfigureAwait(false);
                int start = 0, end = 0, scan = 0;
                byte[]? overlongPrefix = null;
                var eof = false;
                while (true)
                {
                    var newline = scan < end ? buffer.AsSpan(scan, end - scan).IndexOf((byte)'\n') : -1;
                    int lineEnd;
                    if (newline >= 0)
                    {
                        lineEnd = scan + newline + 1;
                    }
                    else if (eof)
                    {
                        if (end == start && overlongPrefix is null)
                        {
                            break;
                        }

                        lineEnd = end; // a last line without a line break
                    }
                    else
                    {
                        if (overlongPrefix is not null)
                        {
                            // Still inside an over-long line: drop what was read, keep reading to its end.
                            fileOffset += end;
                            start = end = scan = 0;
                        }
                        else if (end - start > MaxLineBytes)
                        {
                            overlongPrefix = buffer.AsSpan(start, OverlongPrefixBytes).ToArray();
                            fileOffset += end;
                            start = end = scan = 0;
                        }
                        else if (start > 0)
                        {
                            buffer.AsSpan(start, end - start).CopyTo(buffer);
                            fileOffset += start;
                            end -= start;
                            start = 0;
                            scan = end;
                        }
                        else
                        {
                            scan = end;
                        }

                        var read = await stream.ReadAsync(buffer.AsMemory(end, Math.Min(ReadChunk, buffer.Length - end)), cancellationToken).ConfigureAwait(false);
                        if (read == 0)
                        {
                            eof = true;
                        }

                        end += read;
                        continue;
                    }

                    var endPosition = passBase + fileOffset + lineEnd;
                    SourceItem? item;
                    if (overlongPrefix is not null)
                    {
                        item = Malformed(XStreamReasons.LineTooLong, overlongPrefix, endPosition);
                        overlongPrefix = null;
                    }
                    else
                    {
                        item = Decode(buffer.AsSpan(start, lineEnd - start), endPosition);
                    }

                    start = scan = lineEnd;
                    lines++;
                    if (item is null)
                    {
                        continue;
                    }

                    if (backfill && item.Post is { IsTombstone: false } recorded)
                    {
                        // The backfill pass: no pacing; the recording's shape laid over the window that ends now.
                        firstRecorded ??= recorded.CreatedAt;
                        var now = _time.GetUtcNow();
                        var at = backfillStart + (recorded.CreatedAt - firstRecorded.Value);
                        at = at > now ? now : at;
                        // Received now, created in the past: a backdated receipt read as hours of backlog (lag, /readyz).
                        item = SourceItem.ForPost(recorded with { CreatedAt = at, ReceivedAt = now }, item.EncodedSize, item.Acknowledgement);
                    }
                    else
                    {
                        if (_options.Pace && item.Post is { } post)
                        {
                            await PaceAsync(lastCreated, post.CreatedAt, cancellationToken).ConfigureAwait(false);
                            lastCreated = post.CreatedAt;
                        }

                        if (_options.RebaseTimestamps && item.Post is { IsTombstone: false } replayed)
                        {
                            var now = _time.GetUtcNow();
                            item = SourceItem.ForPost(replayed with { CreatedAt = now, ReceivedAt = now }, item.EncodedSize, item.Acknowledgement);
                        }
                    }

                    if (pass > 0 && _options.RebaseTimestamps && item.Post is { } again)
                    {
                        // A rebased loop is new traffic: fresh ids, or the store would move the last pass's rows to now.
                        item = SourceItem.ForPost(again with { Id = PassId(again.Id, pass, passStart) }, item.EncodedSize, item.Acknowledgement);
                    }

                    yield return item;
                }

                passEnd = passBase + fileOffset + end;
            }

            // An empty file would loop without ever yielding.
            if (!_options.Loop || (skip == 0 && passEnd == passBase))
            {
                _checkpoint.Complete(passEnd);
                yield break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            Log.Looping(_logger, lines);
            passBase = passEnd;
            _checkpoint.StartPass(passBase);
            skip = 0;
            lastCreated = null;
            pass++;
            passStart = _time.GetUtcNow();
            backfill = false;
        }
    }

    // The pass number keeps quick passes apart; the start time keeps a restarted demo's passes apart from the last run's.
    internal static string PassId(string id, int pass, DateTimeOffset passStart) =>
        string.Create(CultureInfo.InvariantCulture, $"{id}-r{pass}.{passStart.ToUnixTimeSeconds()}");

    public void Dispose() => _checkpoint.Dispose();

    public ValueTask DisposeAsync()
    {
        _checkpoint.Dispose();
        return ValueTask.CompletedTask;
    }

    private SourceItem? Decode(ReadOnlySpan<byte> line, long endPosition)
    {
        var content = line;
        if (content.EndsWith("\n"u8))
        {
            content = content[..^1];
        }

        if (content.EndsWith("\r"u8))
        {
            content = content[..^1];
        }

        if (content.Length > MaxLineBytes)
        {
            return Malformed(XStreamReasons.LineTooLong, content[..OverlongPrefixBytes].ToArray(), endPosition);
        }

        var result = XStreamLineParser.Parse(content, _time.GetUtcNow(), SourceName);
        switch (result.Kind)
        {
            case XStreamLineKind.Post:
            case XStreamLineKind.Delete:
                _checkpoint.Register(endPosition);
                return SourceItem.ForPost(result.Post!, content.Length, new Acknowledgement(_checkpoint, endPosition));
            case XStreamLineKind.Malformed:
                return Malformed(result.Reason!, content.ToArray(), endPosition);
            default:
                // Keep-alives, recorded stream errors and message types without posts: consumed here.
                _checkpoint.Consumed(endPosition);
                return null;
        }
    }

    private SourceItem Malformed(string reason, byte[] raw, long endPosition)
    {
        _checkpoint.Register(endPosition);
        return SourceItem.Malformed(reason, raw, new Acknowledgement(_checkpoint, endPosition));
    }

    private async ValueTask PaceAsync(DateTimeOffset? last, DateTimeOffset current, CancellationToken cancellationToken)
    {
        if (last is null)
        {
            return;
        }

        var gap = (current - last.Value) / _options.Speed;
        if (gap <= TimeSpan.Zero)
        {
            return;
        }

        await Task.Delay(gap < MaxPaceGap ? gap : MaxPaceGap, _time, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<Stream> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0, // the reader's own buffer is large; a second copy would only cost
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
        try
        {
            var magic = new byte[2];
            var n = await file.ReadAtLeastAsync(magic, 2, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            file.Position = 0;
            var gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || (n == 2 && magic[0] == 0x1F && magic[1] == 0x8B);
            return gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false) : file;
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // Returns the offset reached: the checkpoint, or the end of the content when it is shorter.
    private static async ValueTask<long> SkipAsync(Stream stream, long skip, byte[] buffer, CancellationToken cancellationToken)
    {
        if (skip == 0)
        {
            return 0;
        }

        if (stream.CanSeek)
        {
            var target = Math.Min(skip, stream.Length);
            stream.Position = target;
            return target;
        }

        // gzip cannot seek: decompress and discard.
        long skipped = 0;
        while (skipped < skip)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, skip - skipped)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            skipped += read;
        }

        return skipped;
    }
}
