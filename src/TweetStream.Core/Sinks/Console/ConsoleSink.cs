using System.Text;

// Not TweetStream.Sinks.Console: a namespace named Console would hide System.Console for every
// file under TweetStream.Sinks.
namespace TweetStream.Sinks;

/// <summary>Prints each post as one line, as JSON or as short text; for demos and debugging.</summary>
/// <remarks>
/// A batch is formatted first and written with one call under a lock, so concurrent batches never
/// interleave within a line. Text lines replace control characters: post text must not be able to
/// move the cursor or recolour a terminal.
/// </remarks>
internal sealed class ConsoleSink(ConsoleSinkOptions options, TextWriter? output = null) : ISink
{
    private readonly TextWriter _output = output ?? Console.Out;
    private readonly ConsoleSinkFormat _format = options.Format;
    private readonly Lock _lock = new();

    public string Name => "console";

    public ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (SinkGuards.MarkUnstorable(batch) == 0)
        {
            return ValueTask.CompletedTask;
        }

        var text = new StringBuilder(batch.Count * 160);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch.GetFailure(i) is not null)
            {
                continue;
            }

            var post = SinkGuards.WithoutDisplayName(batch[i]);
            if (_format == ConsoleSinkFormat.Json)
            {
                text.Append(Encoding.UTF8.GetString(PostJson.SerializeToUtf8Bytes(post)));
            }
            else
            {
                AppendText(text, post);
            }

            text.Append('\n');
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        lock (_lock)
        {
            _output.Write(text);
            _output.Flush();
        }

        return ValueTask.CompletedTask;
    }

    private static void AppendText(StringBuilder text, Post post)
    {
        text.Append(PostJson.FormatTimestamp(post.CreatedAt)).Append(' ');
        AppendSafe(text, post.Source);
        text.Append(' ');
        if (post.IsTombstone)
        {
            text.Append("- [deleted ");
            AppendSafe(text, post.Id);
            text.Append(']');
            return;
        }

        AppendSafe(text, post.Author.Handle.Length == 0 ? "-" : post.Author.Handle);
        text.Append(' ');
        AppendSafe(text, post.Text);
    }

    private static void AppendSafe(StringBuilder text, string value)
    {
        foreach (var c in value)
        {
            // Newlines would break the one-line-per-post promise; other controls (ESC) could drive the terminal.
            text.Append(char.IsControl(c) ? (c is '\n' or '\r' or '\t' ? ' ' : '\uFFFD') : c);
        }
    }
}
