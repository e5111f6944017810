using System.Text.Json;
using TweetStream.Testing;
using Xunit;

namespace MyCompany.TweetStreamSink.Tests;

public sealed class PostFileSinkConformanceTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "post-files-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public Task PostFileSink_passes_the_TweetStream_sink_conformance_suite() =>
        SinkConformance.VerifyAllAsync(new SinkConformanceOptions
        {
            CreateSink = () => new PostFileSink(_directory),
            ReadStoredAsync = ReadStoredAsync,
            MaxConcurrency = 1, // as registered: AddPostFileSink declares no parallelism
        });

    private ValueTask<IReadOnlyList<StoredPost>> ReadStoredAsync(CancellationToken cancellationToken)
    {
        var stored = new List<StoredPost>();
        foreach (var file in Directory.EnumerateFiles(_directory, "*.json"))
        {
            var post = JsonSerializer.Deserialize<PostFileSink.StoredPost>(File.ReadAllText(file))!;
            stored.Add(new StoredPost(post.Id, post.Text));
        }

        foreach (var mark in Directory.EnumerateFiles(_directory, "*.json.deleted"))
        {
            stored.Add(new StoredPost(Uri.UnescapeDataString(Path.GetFileName(mark)[..^".json.deleted".Length]), string.Empty, Deleted: true));
        }

        return ValueTask.FromResult<IReadOnlyList<StoredPost>>(stored);
    }
}
