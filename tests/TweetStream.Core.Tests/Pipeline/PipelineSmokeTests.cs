using TweetStream.Tests.Support;

namespace TweetStream.Tests.Pipeline;

public sealed class PipelineSmokeTests
{
    [Fact]
    public async Task Every_item_of_a_finite_source_is_written_and_acknowledged()
    {
        var source = new InMemorySource();
        for (var i = 0; i < 1234; i++)
        {
            source.Add(Posts.Make(i), i);
        }

        source.Complete();
        var sink = new CollectingSink();
        var pipeline = PipelineHarness.Create(source, [sink]);

        var stats = await pipeline.RunAsync(CancellationToken.None);

        Assert.Equal(1234, stats.Received);
        Assert.Equal(1234, stats.Written);
        Assert.Equal(1234, sink.Committed.Count);
        Assert.Equal(Enumerable.Range(0, 1234).Select(i => (long)i), source.Acks.Acked.Order());
    }
}
