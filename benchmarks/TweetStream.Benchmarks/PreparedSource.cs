using System.Runtime.CompilerServices;
using TweetStream.Gcp.Auth;

namespace TweetStream.Benchmarks;

/// <summary>
/// The first <c>count</c> of some pre-generated, already hashed posts, handed over as fast as the pipeline takes them
/// (a pull source: backpressure waits). The sink commands (publish, bigquery) drive the real sinks with it, so their
/// figures leave out making posts.
/// </summary>
internal sealed class PreparedSource(Post[] posts, int[] sizes, int count) : ITweetSource
{
    public string Name => "prepared";

    public async IAsyncEnumerable<SourceItem> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return SourceItem.ForPost(posts[i], sizes[i]);
        }

        await Task.CompletedTask;
    }
}

/// <summary>A fixed bearer token instead of Application Default Credentials, for the sink commands' local doubles.</summary>
internal sealed class FixedTokenSource : IGoogleAccessTokenSource
{
    public ValueTask<string?> GetAccessTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>("bench-token");
}
