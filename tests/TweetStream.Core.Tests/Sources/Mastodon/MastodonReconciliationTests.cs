using Microsoft.Extensions.Time.Testing;
using TweetStream.Tests.Sources.Support;
using TweetStream.Tests.Support;
using static TweetStream.Tests.Sources.Mastodon.MastodonTestSupport;

namespace TweetStream.Tests.Sources.Mastodon;

/// <summary>
/// Edits and deletions made while the stream was down, to statuses delivered before the gap, arrive after the
/// reconnect (or restart) because the source re-checks what it delivered.
/// </summary>
public sealed class MastodonReconciliationTests
{
    // The fixture statuses are created at 10:00; the clock starts half an hour later.
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 10, 30, 0, TimeSpan.Zero);

    // Each gap in these tests is one reconnect a second after the stream closed.
    private static readonly Action<MastodonHashtagSourceOptions> ReconnectAfterOneSecond =
        o => (o.ReconnectMinDelay, o.ReconnectMaxDelay) = (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

    [Fact]
    public async Task An_edit_and_a_delete_made_during_a_gap_arrive_after_the_reconnect_and_an_unchanged_status_adds_nothing()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await FakeMastodonServer.StartAsync();
        server.AddToTimeline(MastodonFrames.Status(501), MastodonFrames.Status(502), MastodonFrames.Status(503));
        server.Enqueue(new StreamScript([.. new[] { 501L, 502, 503 }.Select(i => MastodonFrames.Sse("update", MastodonFrames.Status(i)))], Close: true));

        // After the reconnect the stream sends 504: it is read after reconciliation, so anything the unchanged 503
        // produced would come before it.
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(504))], Close: false));
        var source = Create(server, ReconnectAfterOneSecond, time);
        await using var reader = Read(source);
        Assert.Equal(["501", "502", "503"], (await reader.TakeAsync(3)).Select(StatusId));

        // The gap: the reconnect waits for its delay on the fake clock, so these happen while nobody listens.
        server.EditStatus(501, "edited in the gap #london", Start.AddSeconds(1));
        server.DeleteStatus(502);
        time.Advance(TimeSpan.FromSeconds(1));

        var items = await reader.TakeAsync(3);

        Assert.True(items[0].Post!.IsTombstone);
        Assert.Equal("mastodon:" + server.Authority + ":502", items[0].Post!.Id);
        Assert.Equal("501", StatusId(items[1]));
        Assert.False(items[1].Post!.IsTombstone);
        Assert.Equal("edited in the gap #london", items[1].Post!.Text);
        Assert.Equal("504", StatusId(items[2]));
        Assert.Equal(["503", "502", "501"], server.StatusLookups);
        Assert.Equal(2, server.StreamConnections);
    }

    [Fact]
    public async Task A_gap_with_many_edits_and_deletes_loses_none_and_repeats_none()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await FakeMastodonServer.StartAsync();
        var ids = Enumerable.Range(1001, 60).Select(i => (long)i).ToList();
        server.AddToTimeline([.. ids.Select(i => MastodonFrames.Status(i))]);
        server.Enqueue(new StreamScript([.. ids.Select(i => MastodonFrames.Sse("update", MastodonFrames.Status(i)))], Close: true));
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(2000))], Close: false));
        var source = Create(server, ReconnectAfterOneSecond, time);
        await using var reader = Read(source);
        await reader.TakeAsync(ids.Count);

        // In the gap: every third status is edited, every fourth that is not edited is deleted, the rest stay.
        var edited = ids.Where(i => i % 3 == 0).ToHashSet();
        var deleted = ids.Where(i => i % 4 == 0 && !edited.Contains(i)).ToHashSet();
        foreach (var id in edited)
        {
            server.EditStatus(id, "edited " + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + " #london", Start.AddSeconds(1));
        }

        foreach (var id in deleted)
        {
            server.DeleteStatus(id);
        }

        time.Advance(TimeSpan.FromSeconds(1));

        // Everything up to the stream's next status: the reconciliation's output, then 2000.
        var after = new List<SourceItem>();
        do
        {
            after.Add(await reader.NextAsync());
        }
        while (StatusId(after[^1]) != "2000");

        var updates = after.Where(i => !i.Post!.IsTombstone && StatusId(i) != "2000").Select(i => long.Parse(StatusId(i), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var tombstones = after.Where(i => i.Post!.IsTombstone).Select(i => long.Parse(StatusId(i), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(20, edited.Count);
        Assert.Equal(10, deleted.Count);
        Assert.Equal(edited.Order(), updates.Order());
        Assert.Equal(deleted.Order(), tombstones.Order());
        Assert.All(after.Where(i => updates.Contains(long.Parse(StatusId(i), System.Globalization.CultureInfo.InvariantCulture)) && !i.Post!.IsTombstone), i => Assert.StartsWith("edited ", i.Post!.Text, StringComparison.Ordinal));
        Assert.Equal(60, server.StatusLookups.Count);
    }

    [Fact]
    public async Task Unchanged_statuses_are_checked_once_per_gap_and_produce_nothing()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await FakeMastodonServer.StartAsync();
        server.AddToTimeline(MastodonFrames.Status(801), MastodonFrames.Status(802));
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(801)), MastodonFrames.Sse("update", MastodonFrames.Status(802))], Close: true));
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(803))], Close: false));
        var source = Create(server, time: time);
        await using var reader = Read(source);

        var items = await reader.TakeAsync(3);

        Assert.Equal(["801", "802", "803"], items.Select(StatusId));
        Assert.Equal(["802", "801"], server.StatusLookups);
    }

    [Fact]
    public async Task Reconciliation_checks_at_most_the_configured_count_and_nothing_older_than_the_age_bound()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await FakeMastodonServer.StartAsync();
        var recent = Start.AddMinutes(-10);
        var old = Start.AddHours(-2);
        server.AddToTimeline(
            MastodonFrames.Status(601, createdAt: recent),
            MastodonFrames.Status(602, createdAt: recent),
            MastodonFrames.Status(603, createdAt: recent),
            MastodonFrames.Status(604, createdAt: recent),
            MastodonFrames.Status(605, createdAt: old));
        server.Enqueue(new StreamScript([.. Enumerable.Range(601, 5).Select(i => MastodonFrames.Sse("update", MastodonFrames.Status(i, createdAt: i == 605 ? old : recent)))], Close: true));
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(606))], Close: false));
        var source = Create(server, o =>
        {
            (o.ReconnectMinDelay, o.ReconnectMaxDelay) = (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            o.ReconcileMaxStatuses = 3;
            o.ReconcileMaxAge = TimeSpan.FromHours(1);
        }, time);
        await using var reader = Read(source);
        await reader.TakeAsync(5);

        // Every status is deleted in the gap, so each one checked turns into a tombstone.
        foreach (var id in Enumerable.Range(601, 5))
        {
            server.DeleteStatus(id);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        var items = await reader.TakeAsync(3);

        // Remembered: the last three delivered (603–605); 605 is two hours old, so 604 and 603 are checked.
        Assert.Equal(["604", "603"], server.StatusLookups);
        Assert.All(items.Take(2), i => Assert.True(i.Post!.IsTombstone));
        Assert.Equal(["604", "603", "606"], items.Select(StatusId));
    }

    [Fact]
    public async Task A_429_during_reconciliation_is_waited_out_on_the_clock_and_the_status_asked_again()
    {
        var time = new WatchedFakeTimeProvider(Start);
        await using var server = await FakeMastodonServer.StartAsync();
        server.AddToTimeline(MastodonFrames.Status(701));
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(701))], Close: true));
        server.Enqueue(new StreamScript([], Close: false));
        var source = Create(server, ReconnectAfterOneSecond, time);
        await using var reader = Read(source);
        Assert.Equal("701", StatusId(await reader.NextAsync()));

        server.EditStatus(701, "edited while rate limited #london", Start.AddSeconds(1));
        server.RateLimitedLookups = 1;
        server.RateLimitReset = Start.AddMinutes(2);
        var next = reader.NextAsync();
        time.Advance(TimeSpan.FromSeconds(1));

        // The event: the 429 was answered and the source waits for X-RateLimit-Reset (10:32, now 10:30:01) on the clock.
        await Patience.UntilAsync(
            () => server.StatusLookups.Count == 1 && time.TimerDueTimes.Contains(TimeSpan.FromSeconds(119)),
            "the wait for the rate-limit reset on the clock");
        Assert.False(next.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(119));
        var item = await next;

        Assert.Equal("701", StatusId(item));
        Assert.Equal("edited while rate limited #london", item.Post!.Text);
        Assert.Equal(["701", "701"], server.StatusLookups);
    }

    [Fact]
    public async Task When_the_remaining_budget_reaches_the_reserve_the_next_check_waits_for_the_reset()
    {
        var time = new WatchedFakeTimeProvider(Start);
        await using var server = await FakeMastodonServer.StartAsync();
        server.AddToTimeline(MastodonFrames.Status(751), MastodonFrames.Status(752));
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(751)), MastodonFrames.Sse("update", MastodonFrames.Status(752))], Close: true));
        server.Enqueue(new StreamScript([], Close: false));
        var source = Create(server, ReconnectAfterOneSecond, time);
        await using var reader = Read(source);
        await reader.TakeAsync(2);

        server.DeleteStatus(751);
        server.RateLimitRemaining = 6;
        server.RateLimitReset = Start.AddMinutes(3);
        var next = reader.NextAsync();
        time.Advance(TimeSpan.FromSeconds(1));

        // 752 is checked (unchanged) and its answer leaves 5 requests, the reserve: the check of 751 waits for the
        // reset at 10:33 (now 10:30:01) instead of spending them.
        await Patience.UntilAsync(
            () => server.StatusLookups.Count == 1 && time.TimerDueTimes.Contains(TimeSpan.FromSeconds(179)),
            "the wait for the rate-limit reset on the clock");
        Assert.False(next.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(179));
        var item = await next;

        Assert.True(item.Post!.IsTombstone);
        Assert.Equal("751", StatusId(item));
        Assert.Equal(["752", "751"], server.StatusLookups);
    }

    [Fact]
    public async Task After_a_restart_the_acknowledged_versions_from_the_state_file_are_reconciled()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var stateFile = dir.Combine("mastodon.json");
        var time = new FakeTimeProvider(Start);
        var editedAt = Start.AddSeconds(1);
        await using var server = await FakeMastodonServer.StartAsync();
        server.AddToTimeline(MastodonFrames.Status(901), MastodonFrames.Status(902), MastodonFrames.Status(903));
        server.Enqueue(new StreamScript(
        [
            .. new[] { 901L, 902, 903 }.Select(i => MastodonFrames.Sse("update", MastodonFrames.Status(i))),
            MastodonFrames.Sse("status.update", MastodonFrames.Status(901, "edited before the stop #london", editedAt: editedAt)),
        ], Close: false));
        server.EditStatus(901, "edited before the stop #london", editedAt);
        var first = Create(server, o => o.StateFile = stateFile, time);
        await using (var reader = Read(first))
        {
            var items = await reader.TakeAsync(4);
            Assert.Equal("edited before the stop #london", items[3].Post!.Text);

            // The edit is never acknowledged: the process stops with it in flight.
            foreach (var item in items.Take(3))
            {
                await item.Acknowledgement.AcknowledgeAsync(CancellationToken.None);
            }
        }

        // While the process is down 902 is deleted.
        server.DeleteStatus(902);
        server.Enqueue(new StreamScript([MastodonFrames.Sse("update", MastodonFrames.Status(904))], Close: false));
        var second = Create(server, o => o.StateFile = stateFile, time);
        await using (var reader = Read(second))
        {
            var items = await reader.TakeAsync(3);

            // The saved versions are the acknowledged ones: 901 as first delivered, so its unacknowledged edit comes again.
            Assert.True(items[0].Post!.IsTombstone);
            Assert.Equal("902", StatusId(items[0]));
            Assert.Equal("901", StatusId(items[1]));
            Assert.Equal("edited before the stop #london", items[1].Post!.Text);
            Assert.Equal("904", StatusId(items[2]));
            Assert.Equal(["903", "902", "901"], server.StatusLookups);
        }
    }
}
