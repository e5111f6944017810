using System.Globalization;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace TweetStream.Sinks.JsonLines;

/// <summary>
/// Appends posts as <see cref="PostJson"/> lines to <c>{prefix}-{yyyy-MM-dd}.jsonl</c>, the day being the
/// post's <see cref="Post.CreatedAt"/> in UTC, so each file is one day partition (like the BigQuery table).
/// </summary>
/// <remarks>
/// Tombstones are lines too (they carry <c>deleted_at</c>); readers honour them. Each batch is appended
/// and flushed to disk before the call returns; a failed write throws and the pipeline retries the batch,
/// so a line may appear twice after a failed flush (at-least-once: readers dedup by id). A failed append is
/// cut back off the file, so no partial line is left behind.
/// </remarks>
internal sealed class JsonLinesSink : ISink
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    private readonly string _directory;
    private readonly string _prefix;
    private readonly JsonLinesFolder _folder;

    public JsonLinesSink(JsonLinesSinkOptions options)
        : this(options, static (_, handle) => RandomAccess.FlushToDisk(handle))
    {
    }

    /// <param name="options">The folder and file prefix.</param>
    /// <param name="flushToDisk">Makes a file's (path, handle) appended bytes durable; tests count and fail the calls.
    /// The first sink of a folder decides it for the process.</param>
    internal JsonLinesSink(JsonLinesSinkOptions options, Action<string, SafeFileHandle> flushToDisk)
    {
        ArgumentNullException.ThrowIfNull(options);
        _directory = Path.GetFullPath(options.Directory);
        _prefix = options.FilePrefix;
        _folder = JsonLinesFolder.For(_directory, flushToDisk);
    }

    public string Name => "jsonl";

    private string PathFor(DateOnly day) =>
        Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"{_prefix}-{day:yyyy-MM-dd}.jsonl"));

    public async ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (SinkGuards.MarkUnstorable(batch) == 0)
        {
            return;
        }

        // Batches nearly always hold one day; a list keeps the common case allocation-light and ordered.
        // Buffers are pooled: a batch's lines are a quarter of a megabyte, which would otherwise land on the
        // large object heap once per batch.
        var days = new List<(DateOnly Day, PooledBufferWriter Buffer)>(1);
        try
        {
            Encode(batch, days);
            await AppendAsync(days, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var (_, buffer) in days)
            {
                buffer.Dispose();
            }
        }
    }

    private static void Encode(SinkBatch batch, List<(DateOnly Day, PooledBufferWriter Buffer)> days)
    {
        using (var writer = new Utf8JsonWriter(Stream.Null, WriterOptions))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch.GetFailure(i) is not null)
                {
                    continue;
                }

                var post = SinkGuards.WithoutDisplayName(batch[i]);
                var buffer = BufferFor(days, DateOnly.FromDateTime(post.CreatedAt.UtcDateTime));
                writer.Reset(buffer);
                PostJson.Write(writer, post);
                writer.Flush();
                buffer.Write("\n"u8);
            }
        }
    }

    private async Task AppendAsync(List<(DateOnly Day, PooledBufferWriter Buffer)> days, CancellationToken cancellationToken)
    {
        var files = new List<(string Path, ReadOnlyMemory<byte> Lines)>(days.Count);
        foreach (var (day, buffer) in days)
        {
            files.Add((PathFor(day), buffer.WrittenMemory));
        }

        var ticket = await _folder.AppendAsync(files, cancellationToken).ConfigureAwait(false);
        await _folder.DurableAsync(ticket, cancellationToken).ConfigureAwait(false);
    }

    private static PooledBufferWriter BufferFor(List<(DateOnly Day, PooledBufferWriter Buffer)> days, DateOnly day)
    {
        foreach (var (d, buffer) in days)
        {
            if (d == day)
            {
                return buffer;
            }
        }

        var created = new PooledBufferWriter(64 * 1024);
        days.Add((day, created));
        return created;
    }
}
