using System.Globalization;
using System.Text;

namespace TweetStream.Tests.Model;

public sealed class PostJsonTimestampTests
{
    public static TheoryData<DateTimeOffset> Instants => new()
    {
        new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero),
        new DateTimeOffset(2026, 12, 31, 23, 59, 59, 999, TimeSpan.Zero),
        new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero),
        new DateTimeOffset(9999, 12, 31, 23, 59, 59, 999, TimeSpan.Zero),
        new DateTimeOffset(2026, 3, 29, 1, 2, 3, 4, TimeSpan.FromHours(5.5)),
        new DateTimeOffset(2026, 6, 1, 0, 30, 0, 7, TimeSpan.FromHours(-8)),
        new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(9_999),
    };

    [Theory]
    [MemberData(nameof(Instants))]
    public void Hand_written_timestamps_match_the_schema_format(DateTimeOffset instant)
    {
        Span<byte> buffer = stackalloc byte[24];
        var written = PostJson.FormatTimestampUtf8(instant, buffer);
        var expected = instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        Assert.Equal(expected, Encoding.UTF8.GetString(buffer[..written]));
        Assert.Equal(expected, PostJson.FormatTimestamp(instant));
    }

    [Fact]
    public void Encoded_posts_carry_the_formatted_timestamps()
    {
        var created = new DateTimeOffset(2026, 11, 26, 8, 15, 30, 250, TimeSpan.FromHours(1));
        var post = new Post { Id = "x:1", Source = "x", CreatedAt = created, ReceivedAt = created.AddSeconds(2) };
        var json = Encoding.UTF8.GetString(PostJson.SerializeToUtf8Bytes(post));
        Assert.Contains("\"2026-11-26T07:15:30.250Z\"", json, StringComparison.Ordinal);
        Assert.Contains("\"2026-11-26T07:15:32.250Z\"", json, StringComparison.Ordinal);
        Assert.Equal(created, PostJson.Deserialize(Encoding.UTF8.GetBytes(json)).CreatedAt);
    }
}
