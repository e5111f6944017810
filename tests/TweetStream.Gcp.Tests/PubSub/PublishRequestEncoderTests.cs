using System.Text.Json;
using TweetStream.Gcp.PubSub;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Gcp.Tests.PubSub;

public sealed class PublishRequestEncoderTests
{
    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 1; seed <= 40; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Requests_never_exceed_a_limit_for_any_mix_of_message_sizes(int seed)
    {
        var random = new Random(seed);
        var maxMessages = random.Next(4) == 0 ? 1000 : random.Next(1, 1001);
        var maxBytes = random.Next(3) == 0 ? PublishRequestEncoder.HardMaxBytes : random.Next(1024, PublishRequestEncoder.HardMaxBytes + 1);
        var posts = RandomPosts(random, random.Next(1, 1500));
        using var encoder = new PublishRequestEncoder(maxMessages, maxBytes, random.Next(5) == 0 ? "key-" + seed : null);
        var oversized = new List<(int Index, int Bytes)>();

        var requests = encoder.Encode(posts, oversized);

        var decoded = new List<string>();
        foreach (var request in requests)
        {
            Assert.InRange(request.Indexes.Length, 1, Math.Min(maxMessages, PubSubTestServer.MaxPublishMessages));
            Assert.InRange(request.Body.Length, 1, PubSubTestServer.MaxPublishBytes);
            if (request.Indexes.Length > 1)
            {
                Assert.InRange(request.Body.Length, 1, maxBytes);
            }

            using var json = JsonDocument.Parse(request.Body);
            Assert.Null(DiscoverySchemas.PubSub.Validate("PublishRequest", json.RootElement));
            var messages = json.RootElement.GetProperty("messages");
            Assert.Equal(request.Indexes.Length, messages.GetArrayLength());
            Assert.Single(messages.EnumerateArray().Select(m => m.TryGetProperty("orderingKey", out var k) ? k.GetString() : null).Distinct());
            decoded.AddRange(messages.EnumerateArray().Select(m => PostJson.Deserialize(m.GetProperty("data").GetBytesFromBase64()).Id));
        }

        // Every post is in exactly one request, in order, unless no request could ever hold it.
        var expected = posts.Where((_, i) => !oversized.Exists(o => o.Index == i)).Select(p => p.Id);
        Assert.Equal(expected, decoded);
        Assert.All(oversized, o => Assert.True(o.Bytes + PublishRequestEncoder.EnvelopeBytes > PublishRequestEncoder.HardMaxBytes));

        // Greedy: a request was closed only because the next message would break a threshold.
        for (var r = 0; r + 1 < requests.Count; r++)
        {
            var next = requests[r + 1];
            var nextMessageBytes = MessageBytes(next, 0);
            Assert.True(
                requests[r].Indexes.Length == maxMessages || requests[r].Body.Length + 1 + nextMessageBytes > maxBytes,
                $"request {r} closed early");
        }
    }

    [Fact]
    public void A_post_too_large_for_any_request_is_reported_and_its_neighbours_still_sent()
    {
        var posts = new List<Post> { Posts.Make(1), Posts.Make(2) with { Text = new string('a', 7_600_000) }, Posts.Make(3) };
        using var encoder = new PublishRequestEncoder(1000, 10_000_000, null);
        var oversized = new List<(int Index, int Bytes)>();

        var requests = encoder.Encode(posts, oversized);

        Assert.Equal(1, Assert.Single(oversized).Index);
        Assert.Equal([0, 2], Assert.Single(requests).Indexes);
    }

    [Fact]
    public void Message_carries_the_post_as_documented_json_and_the_attributes()
    {
        var post = Posts.Make(7) with { Author = new PostAuthor("k1:id", "k1:handle") { IsHashed = true } };
        using var encoder = new PublishRequestEncoder(100, 1_000_000, "ordered");

        var request = Assert.Single(encoder.Encode([post], []));

        using var json = JsonDocument.Parse(request.Body);
        var message = json.RootElement.GetProperty("messages")[0];
        Assert.Equal(PostJson.SerializeToUtf8Bytes(post), message.GetProperty("data").GetBytesFromBase64());
        var attributes = message.GetProperty("attributes");
        Assert.Equal("x:7", attributes.GetProperty("post_id").GetString());
        Assert.Equal("x", attributes.GetProperty("source").GetString());
        Assert.Equal(PostJson.FormatTimestamp(post.CreatedAt), attributes.GetProperty("created_at").GetString());
        Assert.Equal("ordered", message.GetProperty("orderingKey").GetString());
        Assert.Equal(3, attributes.EnumerateObject().Count());
    }

    private static int MessageBytes(PublishRequestSlice request, int k)
    {
        using var json = JsonDocument.Parse(request.Body);
        return json.RootElement.GetProperty("messages")[k].GetRawText().Length;
    }

    private static List<Post> RandomPosts(Random random, int count)
    {
        var posts = new List<Post>(count);
        long total = 0;
        for (var i = 0; i < count && total < 40_000_000; i++)
        {
            var size = random.Next(100) switch
            {
                < 80 => random.Next(0, 300),
                < 97 => random.Next(300, 60_000),
                < 99 => random.Next(60_000, 3_000_000),
                _ => random.Next(3_000_000, 8_000_000),
            };
            total += size;
            var text = size == 0 ? string.Empty : new string((char)('a' + random.Next(26)), size);
            if (random.Next(10) == 0)
            {
                text += "é\"<\u2028"; // escaped in JSON: sizes must still be exact
            }

            posts.Add(Posts.Make(i) with { Text = text });
        }

        return posts;
    }
}
