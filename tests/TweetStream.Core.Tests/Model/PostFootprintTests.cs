using System.Diagnostics;

namespace TweetStream.Tests.Model;

/// <summary>
/// Every post is copied by each transform and wrapped in a source item, so their sizes are a large part of what the
/// path allocates per post (docs/performance.md).
/// </summary>
public sealed class PostFootprintTests
{
    private static readonly DateTimeOffset InParis = new(2026, 11, 26, 11, 0, 0, TimeSpan.FromHours(1));

    [Fact]
    public void Instants_keep_their_moment_and_come_back_in_UTC()
    {
        var post = new Post { Id = "x:1", Source = "x", CreatedAt = InParis, ReceivedAt = InParis.AddSeconds(2) };

        Assert.Equal(InParis, post.CreatedAt);
        Assert.Equal(TimeSpan.Zero, post.CreatedAt.Offset);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 10, 0, 2, TimeSpan.Zero), post.ReceivedAt);
        Assert.Null(post.DeletedAt);
        Assert.False(post.IsTombstone);
        Assert.Equal(default, new Post { Id = "x:2", Source = "x", CreatedAt = InParis }.ReceivedAt);
    }

    [Fact]
    public void Posts_at_the_same_instants_are_equal_whatever_the_offsets_they_were_given()
    {
        var paris = new Post { Id = "x:1", Source = "x", CreatedAt = InParis };
        var utc = new Post { Id = "x:1", Source = "x", CreatedAt = InParis.ToUniversalTime() };

        Assert.Equal(paris, utc);
        Assert.Equal(paris.GetHashCode(), utc.GetHashCode());
        Assert.NotEqual(paris, utc with { CreatedAt = InParis.AddTicks(1) });
    }

    [Fact]
    public void A_tombstone_keeps_its_deletion_time_through_copies_even_at_the_earliest_instant()
    {
        var tombstone = Post.Tombstone("x:1", "x", InParis);
        var earliest = Post.Tombstone("x:2", "x", DateTimeOffset.MinValue);

        Assert.True(tombstone.IsTombstone);
        Assert.Equal(InParis, tombstone.DeletedAt);
        Assert.Equal(InParis, (tombstone with { Text = string.Empty }).DeletedAt);
        Assert.True(earliest.IsTombstone);
        Assert.Equal(DateTimeOffset.MinValue, earliest.DeletedAt);
        Assert.False((tombstone with { DeletedAt = null }).IsTombstone);
    }

    [Fact]
    public void A_copy_of_a_post_is_nine_references_and_three_instants()
    {
        var post = new Post { Id = "x:1", Source = "x", CreatedAt = InParis, Text = "a" };
        _ = post with { Text = "b" };

        var before = GC.GetAllocatedBytesForCurrentThread();
        var copy = post with { Text = "b" };
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("b", copy.Text);
        // Object header and method table, nine references, three 8-byte instants (it was 144 B with DateTimeOffsets).
        Assert.Equal((2 * IntPtr.Size) + (9 * IntPtr.Size) + (3 * sizeof(long)), allocated);
    }

    [Fact]
    public void A_source_item_without_a_trace_carries_no_room_for_one()
    {
        var post = new Post { Id = "x:1", Source = "x", CreatedAt = InParis };
        _ = SourceItem.ForPost(post, 10);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var item = SourceItem.ForPost(post, 10);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(default, item.TraceContext);
        Assert.InRange(allocated, 1, 96); // 144 B with the context inline
        var context = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, "k=v", isRemote: true);
        Assert.Equal(context, item.WithTraceContext(context).TraceContext);
    }
}
