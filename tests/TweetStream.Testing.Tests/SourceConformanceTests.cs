using System.Runtime.CompilerServices;

namespace TweetStream.Testing.Tests;

public sealed class SourceConformanceTests
{
    [Fact]
    public async Task The_in_memory_source_passes_every_check()
    {
        await SourceConformance.VerifyAllAsync(() => new InMemorySource(TestPosts.Create(TestPosts.UniquePrefix(), 50)));
    }

    [Fact]
    public async Task A_source_that_ignores_cancellation_fails_the_cancellation_check()
    {
        var violation = await Assert.ThrowsAsync<ConformanceException>(() => SourceConformance.CancellationIsHonouredAsync(() => new EndlessDeafSource()));
        Assert.StartsWith("Cancellation is honoured", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_that_yields_an_item_without_a_post_or_error_fails()
    {
        var violation = await Assert.ThrowsAsync<ConformanceException>(() => SourceConformance.EveryItemIsAPostOrADeadLetterAsync(() => new IdlessSource()));
        Assert.Contains("without an id", violation.Message, StringComparison.Ordinal);
    }

    private sealed class EndlessDeafSource : ITweetSource
    {
        public string Name => "deaf";

        public async IAsyncEnumerable<SourceItem> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var i = 0; ; i++)
            {
                await Task.Yield();
                yield return SourceItem.ForPost(TestPosts.Create("deaf:" + i), 10);
            }
        }
    }

    private sealed class IdlessSource : ITweetSource
    {
        public string Name => "idless";

        public async IAsyncEnumerable<SourceItem> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return SourceItem.ForPost(TestPosts.Create("x") with { Id = string.Empty }, 10);
        }
    }
}
