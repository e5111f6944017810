using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TweetStream.Sources.Common;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sources.Common;

public sealed class CompositeSourceTests
{
    [Fact]
    public async Task Interleaves_children_and_acknowledges_each_item_to_its_own_child()
    {
        var first = new InMemorySource();
        var second = new InMemorySource(SourceDelivery.Push);
        for (var i = 0; i < 50; i++)
        {
            first.Add(Posts.Make(i), 1000 + i);
            second.Add(Posts.Make(100 + i) with { Id = "bluesky:" + i, Source = "bluesky" }, 2000 + i);
        }

        first.Complete();
        second.Complete();
        var composite = new CompositeSource([first, second]);
        var sink = new CollectingSink();
        var pipeline = TweetStream.Tests.Support.PipelineHarness.Create(composite, [sink]);

        var stats = await pipeline.RunAsync(CancellationToken.None);

        Assert.Equal(SourceDelivery.Push, composite.Delivery);
        Assert.Equal("memory+memory", composite.Name);
        Assert.Equal(100, stats.Written);
        Assert.Equal(Enumerable.Range(1000, 50).Select(i => (long)i), first.Acks.Acked.Order());
        Assert.Equal(Enumerable.Range(2000, 50).Select(i => (long)i), second.Acks.Acked.Order());
        Assert.Equal(50, sink.Committed.Count(p => p.Source == "bluesky"));
        Assert.Equal(50, sink.Committed.Count(p => p.Source == "x"));
    }

    [Fact]
    public async Task Is_pull_when_every_child_is_pull_and_completes_when_all_children_complete()
    {
        var a = new InMemorySource();
        var b = new InMemorySource();
        a.Add(Posts.Make(1), 1);
        a.Complete();
        var composite = new CompositeSource([a, b]);
        Assert.Equal(SourceDelivery.Pull, composite.Delivery);

        using var stop = new CancellationTokenSource();
        await using var reader = new TweetStream.Tests.Sources.Support.ItemReader(composite.ReadAsync(stop.Token), stop);
        var item = await reader.NextAsync();
        Assert.Equal("x:1", item.Post!.Id);

        b.Add(Posts.Make(2), 2);
        b.Complete();
        Assert.Equal("x:2", (await reader.NextAsync()).Post!.Id);
    }

    [Fact]
    public async Task A_failing_child_stops_the_others_and_surfaces_its_error()
    {
        var healthy = new InMemorySource();
        var composite = new CompositeSource([healthy, new FailingSource()]);
        using var stop = new CancellationTokenSource();
        await using var reader = new TweetStream.Tests.Sources.Support.ItemReader(composite.ReadAsync(stop.Token), stop);
        var error = await reader.FailureAsync<InvalidOperationException>();
        Assert.Equal("credentials rejected", error.Message);
    }

    [Fact]
    public void Sources_added_to_one_pipeline_combine_into_a_composite()
    {
        var services = new ServiceCollection();
        var a = new InMemorySource();
        var b = new InMemorySource();
        services.AddTweetStream(p => p.AddSource(_ => a).AddSource(_ => b));
        using var provider = services.BuildServiceProvider();
        var components = provider.GetRequiredService<IOptionsMonitor<PipelineComponents>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName);

        var source = Assert.IsType<CompositeSource>(components.Source!(provider));
        Assert.Equal([a, b], source.Children);
    }

    [Fact]
    public void A_single_added_source_is_used_directly()
    {
        var services = new ServiceCollection();
        var a = new InMemorySource();
        services.AddTweetStream(p => p.AddSource(_ => a));
        using var provider = services.BuildServiceProvider();
        var components = provider.GetRequiredService<IOptionsMonitor<PipelineComponents>>().Get(TweetStreamServiceCollectionExtensions.DefaultPipelineName);
        Assert.Same(a, components.Source!(provider));
    }

    private sealed class FailingSource : ITweetSource
    {
        public string Name => "failing";

        public async IAsyncEnumerable<SourceItem> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("credentials rejected");
#pragma warning disable CS0162 // Unreachable: the iterator needs a yield.
            yield break;
#pragma warning restore CS0162
        }
    }
}
