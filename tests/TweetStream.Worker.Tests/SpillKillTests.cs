using System.Buffers.Binary;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Worker.Tests;

/// <summary>What SIGKILL costs a push source whose sink is down: the spill buffer's durability measured on the real worker.</summary>
public sealed partial class XEndToEndTests
{
    private const string Project = "tweetstream-test";
    private const int BufferCapacity = 100;
    private const int BatchSize = 50;

    [Fact]
    public async Task SIGKILL_while_posts_are_spilled_loses_none_of_the_spilled_only_what_was_in_memory()
    {
        await using var api = await XApiDouble.StartAsync();
        await using var pubsub = await PubSubTestServer.StartAsync();
        pubsub.CreateTopic(Project, "london-posts");
        pubsub.InjectFault("publish", Fault.Http(503, "UNAVAILABLE"), times: 1_000_000);
        using var dir = TestPaths.CreateTempDirectory();
        var environment = XEnvironment(api, source: "x");
        environment["TweetStream__Store"] = "none";
        environment["TweetStream__Sinks"] = "pubsub";
        environment["TweetStream__PubSub__ProjectId"] = Project;
        environment["TweetStream__PubSub__TopicId"] = "london-posts";
        environment["TweetStream__PubSub__EmulatorHost"] = pubsub.HostPort;
        environment["TweetStream__Pipeline__BufferCapacity"] = BufferCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["TweetStream__Pipeline__BatchSize"] = BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["TweetStream__Pipeline__MaxParallelBatches"] = "1";
        environment["TweetStream__Pipeline__MaxAttempts"] = "2";
        environment["TweetStream__Pipeline__RetryBaseDelay"] = "00:00:00.100";
        environment["TweetStream__Pipeline__CircuitBreakDuration"] = "00:00:01";
        var spill = Path.Combine(dir.Path, "data", "spill", "default");

        // What the memory can hold while the sink is paused: the buffer, the batch being written and the one being formed.
        const int inMemory = BufferCapacity + (2 * BatchSize);
        const int sent = 2_000;
        long spilledAtKill;
        await using (var first = ServedWorker.Start(dir.Path, environment))
        {
            await first.WaitForAsync(() => api.StreamRequests > 0, "a stream connection on the X double");
            var stream = await api.NextStreamAsync();
            for (var i = 0; i < sent; i++)
            {
                await stream.SendLineAsync(Post(1870000000000000000 + i, Authors[i % Authors.Length], $"Post {i} from the stream #london"));
            }

            await first.WaitForAsync(() => SpilledRecords(spill) >= sent - inMemory, $"at least {sent - inMemory} posts spilled to {spill}");
            spilledAtKill = SpilledRecords(spill);
            await first.StopAsync(); // SIGKILL: no drain, no dispose, no final fsync
        }

        pubsub.ClearFaults("publish");
        await using var second = ServedWorker.Start(dir.Path, environment);
        await second.WaitForAsync(() => PublishedIds(pubsub).Distinct().Count() >= spilledAtKill, $"the {spilledAtKill} spilled posts published after the restart");

        var published = PublishedIds(pubsub);
        var distinct = published.Distinct().ToHashSet();
        var lost = sent - distinct.Count;
        Assert.All(distinct, id => Assert.InRange(long.Parse(id[2..], System.Globalization.CultureInfo.InvariantCulture), 1870000000000000000, 1870000000000000000 + sent - 1));
        Assert.True(lost <= inMemory, $"lost {lost} of {sent}; only the {inMemory} the memory held may be lost");
        Assert.True(sent - spilledAtKill >= lost, $"lost {lost} though only {sent - spilledAtKill} were not on disk at the kill");
        Console.WriteLine($"SIGKILL with the sink down: {sent} sent, {spilledAtKill} on disk at the kill, {distinct.Count} published after the restart, lost {lost}, duplicates {published.Count - distinct.Count}");
    }

    /// <summary>Whole records in the spill segments (each is a little-endian length and that many bytes): nothing is decrypted.</summary>
    private static long SpilledRecords(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        long records = 0;
        foreach (var file in Directory.GetFiles(directory, "*.spill"))
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(file);
            }
            catch (IOException)
            {
                continue; // rolled or deleted under us; the next poll counts it
            }

            var position = 0;
            while (position + 4 <= bytes.Length && BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(position)) is var size && position + 4 + size <= bytes.Length)
            {
                position += 4 + size;
                records++;
            }
        }

        return records;
    }

    private static List<string> PublishedIds(PubSubTestServer pubsub) =>
        [.. pubsub.Published(Project, "london-posts").Select(m => m.Attributes["post_id"])];
}
