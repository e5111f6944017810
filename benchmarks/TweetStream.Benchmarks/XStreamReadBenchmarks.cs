using System.Text;
using BenchmarkDotNet.Attributes;
using TweetStream.Sources.X;

namespace TweetStream.Benchmarks;

/// <summary>The X source's hot path without the socket: split 10,000 stream lines (with keep-alives) and parse them.</summary>
[MemoryDiagnoser]
public class XStreamReadBenchmarks
{
    private const int Lines = 10_000;
    private byte[] _data = [];

    [GlobalSetup]
    public void Setup()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < Lines; i++)
        {
            sb.Append("{\"data\":{\"author_id\":\"22449949").Append(i % 100)
              .Append("\",\"created_at\":\"2026-11-20T09:15:02.000Z\",\"id\":\"18600000000").Append(i)
              .Append("\",\"lang\":\"en\",\"text\":\"Morning fog over Tower Bridge #london #fog call 020 7946 0958\",\"entities\":{\"hashtags\":[{\"start\":30,\"end\":37,\"tag\":\"london\"},{\"start\":38,\"end\":42,\"tag\":\"fog\"}]},\"edit_history_tweet_ids\":[\"18600000000").Append(i)
              .Append("\"]},\"includes\":{\"users\":[{\"id\":\"22449949").Append(i % 100)
              .Append("\",\"name\":\"Jo Walker\",\"username\":\"jowalker_ldn\"}]},\"matching_rules\":[{\"id\":\"1860000000000000900\",\"tag\":\"tweetstream:london\"}]}\r\n");
            if (i % 100 == 0)
            {
                sb.Append("\r\n");
            }
        }

        _data = Encoding.UTF8.GetBytes(sb.ToString());
    }

    [Benchmark(OperationsPerInvoke = Lines)]
    public async Task<int> SplitAndParse()
    {
        using var reader = new XLineReader(new MemoryStream(_data, writable: false), 1024 * 1024, TimeProvider.System);
        var posts = 0;
        var now = TimeProvider.System.GetUtcNow();
        while (true)
        {
            var (status, line) = await reader.ReadAsync(CancellationToken.None);
            if (status == XLineStatus.End)
            {
                return posts;
            }

            if (XStreamLineParser.Parse(line.Span, now).Kind == XStreamLineKind.Post)
            {
                posts++;
            }
        }
    }
}
