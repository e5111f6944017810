using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using TweetStream.Gcp.BigQuery;

namespace TweetStream.Benchmarks;

/// <summary>
/// Encoding a pipeline batch into BigQuery insertAll request bodies (insertId + row JSON, split within 500 rows / 5 MB),
/// and the same rows as NDJSON load-file lines. Figures are per row (OperationsPerInvoke = batch size): Mean gives rows/s,
/// Allocated bytes/row.
/// </summary>
[MemoryDiagnoser]
public class BigQueryInsertAllEncodingBenchmarks
{
    private const int BatchSize = 500;

    private Post[] _posts = [];
    private int[] _indexes = [];
    private InsertAllEncoder _encoder = null!;
    private readonly List<(int Index, int Bytes)> _oversized = [];
    private readonly ArrayBufferWriter<byte> _ndjson = new(1 << 20);
    private Utf8JsonWriter _lineWriter = null!;

    /// <summary>Average bytes of one row object in a request (for the cost estimate).</summary>
    public static double AverageRowBytes(Post[] posts)
    {
        using var encoder = new InsertAllEncoder(BatchSize, 5_000_000, skipInvalidRows: true);
        var requests = encoder.Encode(posts, [.. Enumerable.Range(0, posts.Length)], []);
        return requests.Sum(r => (double)r.Body.Length) / posts.Length;
    }

    [GlobalSetup]
    public void Setup()
    {
        _posts = BenchmarkPosts.Typical(BatchSize);
        _indexes = [.. Enumerable.Range(0, BatchSize)];
        _encoder = new InsertAllEncoder(500, 5_000_000, skipInvalidRows: true);
        _lineWriter = new Utf8JsonWriter(_ndjson, new JsonWriterOptions { SkipValidation = true });
        Console.WriteLine($"// average insertAll bytes per row: {AverageRowBytes(_posts):F1}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _encoder.Dispose();
        _lineWriter.Dispose();
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int EncodeInsertAll()
    {
        _oversized.Clear();
        return _encoder.Encode(_posts, _indexes, _oversized).Count;
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int EncodeNdjsonLines()
    {
        _ndjson.ResetWrittenCount();
        foreach (var post in _posts)
        {
            BigQueryPostSchema.WriteLine(_ndjson, _lineWriter, post);
        }

        return _ndjson.WrittenCount;
    }
}
