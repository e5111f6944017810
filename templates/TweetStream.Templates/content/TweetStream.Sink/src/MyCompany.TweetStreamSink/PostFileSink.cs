using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TweetStream;

namespace MyCompany.TweetStreamSink;

/// <summary>Keeps one JSON file per post in a folder: a rewrite is an upsert, a tombstone leaves a deletion mark.</summary>
public sealed class PostFileSink(string directory) : ISink
{
    public string Name => "post-files";

    public ValueTask StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        return ValueTask.CompletedTask;
    }

    public async ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var post = batch[i];
            var path = PathFor(post.Id);
            if (File.Exists(path + ".deleted"))
            {
                continue; // deleted for good: a late redelivery must not bring it back
            }

            if (post.IsTombstone)
            {
                await File.WriteAllTextAsync(path + ".deleted", post.DeletedAt!.Value.ToString("O"), cancellationToken);
                File.Delete(path);
                continue;
            }

            // Write aside, then rename: a reader never sees half a file.
            var json = JsonSerializer.Serialize(new StoredPost(post.Id, post.Text, post.Author.Handle, post.CreatedAt));
            await File.WriteAllTextAsync(path + ".tmp", json, cancellationToken);
            File.Move(path + ".tmp", path, overwrite: true);
        }
    }

    /// <summary>The file of a post: its id made safe for a file name.</summary>
    public string PathFor(string id) => Path.Combine(directory, Uri.EscapeDataString(id) + ".json");

    /// <summary>What each file holds.</summary>
    public sealed record StoredPost(string Id, string Text, string AuthorHash, DateTimeOffset CreatedAt);
}

/// <summary>Registers <see cref="PostFileSink"/>.</summary>
public static class PostFileSinkExtensions
{
    /// <summary>Adds the sink: <c>pipeline.AddPostFileSink("data/post-files")</c>. It declares no parallelism, so calls come one at a time.</summary>
    public static ITweetStreamBuilder AddPostFileSink(this ITweetStreamBuilder builder, string directory) =>
        builder.AddSink(_ => new PostFileSink(directory));
}
