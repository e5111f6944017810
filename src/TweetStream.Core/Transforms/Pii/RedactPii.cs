using System.Diagnostics.Metrics;
using TweetStream.Pipeline;
using TweetStream.Transforms.Hashing;

namespace TweetStream.Transforms.Pii;

/// <summary>
/// Replaces the PII in each post's text by <c>[TYPE]</c> (mentions by their keyed hash) and records the types
/// found in <see cref="Post.PiiTypes"/>; never the values.
/// </summary>
internal sealed class RedactPii : ITransform
{
    private readonly PiiRedactor _redactor;
    private readonly Counter<long>? _redacted;
    private readonly KeyValuePair<string, object?> _pipelineTag;

    public RedactPii(RedactPiiOptions options, IHashingKeyProvider? keys, PipelineMetrics? metrics = null, string pipeline = "default")
    {
        ArgumentNullException.ThrowIfNull(options);
        _redactor = new PiiRedactor(options, options.HashMentions ? keys?.Key : null);
        _redacted = metrics?.Redacted;
        _pipelineTag = new("pipeline", pipeline);
    }

    internal PiiRedactor Redactor => _redactor;

    public string Name => "redact-pii";

    public ValueTask ApplyAsync(TransformBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        for (var i = 0; i < batch.Count; i++)
        {
            var post = batch[i];
            if (post.IsTombstone || post.Text.Length == 0)
            {
                continue;
            }

            var result = _redactor.Redact(post.Text);
            if (result.Spans.Count == 0)
            {
                continue;
            }

            var types = result.Types;
            batch.Replace(i, post with { Text = result.Text, PiiTypes = Merge(post.PiiTypes, types) });
            if (_redacted is { Enabled: true })
            {
                foreach (var span in result.Spans)
                {
                    _redacted.Add(1, _pipelineTag, new("type", span.Type));
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    // Another redaction transform (DLP) may have run first: keep its findings.
    private static IReadOnlyList<string> Merge(IReadOnlyList<string> existing, IReadOnlyList<string> found)
    {
        if (existing.Count == 0)
        {
            return found;
        }

        var set = new SortedSet<string>(existing, StringComparer.Ordinal);
        set.UnionWith(found);
        return [.. set];
    }
}
