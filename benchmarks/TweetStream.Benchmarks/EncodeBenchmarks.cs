using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace TweetStream.Benchmarks;

/// <summary>Encoding a batch of 500 posts as JSON Lines (the body of file, SQLite-adjacent and Pub/Sub sinks).</summary>
[MemoryDiagnoser]
public class EncodeBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 20);
    private Post[] _posts = [];

    [Params(500)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup() => _posts = [.. Enumerable.Range(0, BatchSize).Select(i => new Post
    {
        Id = "x:18612345678901" + i.ToString("00000", System.Globalization.CultureInfo.InvariantCulture),
        Source = "x",
        CreatedAt = new DateTimeOffset(2026, 11, 26, 8, 41, 17, TimeSpan.Zero).AddSeconds(i),
        ReceivedAt = new DateTimeOffset(2026, 11, 26, 8, 41, 24, TimeSpan.Zero).AddSeconds(i),
        Text = "Drizzle again on the walk from Borough Market to London Bridge, still the best coffee in [POSTCODE] #london #weather",
        Author = new PostAuthor("k1:q2bxNB2S0lV4iEoKAxbN8w", "k1:UnAO6CMoDQFd3F6QaHG8qg") { IsHashed = true },
        Language = "en",
        Hashtags = ["london", "weather"],
        Url = "https://x.com/i/web/status/1861234567890123456",
        MatchedRules = ["london"],
        PiiTypes = ["POSTCODE"],
    })];

    [Benchmark]
    public int EncodeBatch()
    {
        _buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
        foreach (var post in _posts)
        {
            PostJson.Write(writer, post);
            writer.Flush();
            writer.Reset();
            _buffer.Write("\n"u8);
        }

        return _buffer.WrittenCount;
    }
}
