using System.Globalization;
using TweetStream;

// No locks: the pipeline calls WriteAsync one batch at a time unless a sink declares more.
public sealed class PostsCsvSink(string path) : ISink, IAsyncDisposable
{
    private readonly StreamWriter _file = File.AppendText(path);

    public string Name => "csv";

    public async ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        foreach (var post in batch)                  // author hashed, text redacted; throw → retried
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"{post.Id},{post.CreatedAt:O},{post.Author.Handle},{post.IsTombstone}");
            await _file.WriteLineAsync(line.AsMemory(), cancellationToken);
        }
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken) => await _file.FlushAsync(cancellationToken);

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
