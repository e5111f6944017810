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
    public void Setup() => _posts = BenchmarkPosts.Typical(BatchSize);

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
