using System.Text;
using BenchmarkDotNet.Attributes;
using TweetStream.Sources.X;

namespace TweetStream.Benchmarks;

/// <summary>Parsing one typical X v2 stream line (~600 bytes: data, entities, includes.users, matching_rules).</summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private static readonly DateTimeOffset Received = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private readonly byte[] _line = Encoding.UTF8.GetBytes(
        "{\"data\":{\"author_id\":\"1498765432109876543\",\"created_at\":\"2026-11-26T08:41:17.000Z\"," +
        "\"edit_history_tweet_ids\":[\"1861234567890123456\"],\"entities\":{\"hashtags\":[{\"start\":96,\"end\":103,\"tag\":\"london\"}," +
        "{\"start\":104,\"end\":112,\"tag\":\"weather\"}]},\"id\":\"1861234567890123456\",\"lang\":\"en\"," +
        "\"text\":\"Drizzle again on the walk from Borough Market to London Bridge, still the best coffee in SE1 \\u2615 #london #weather\"}," +
        "\"includes\":{\"users\":[{\"id\":\"1498765432109876543\",\"name\":\"Amelia Hughes\",\"username\":\"amelia_hughes_ldn\"}," +
        "{\"id\":\"1234567890\",\"name\":\"Borough Market\",\"username\":\"boroughmarket\"}]}," +
        "\"matching_rules\":[{\"id\":\"1860000000000000900\",\"tag\":\"london\"}]}\r\n");

    /// <summary>Bytes per line, for converting ns/op to MB/s.</summary>
    public int LineLength => _line.Length;

    [Benchmark]
    public Post? ParseStreamLine() => XStreamLineParser.Parse(_line, Received).Post;
}
