using System.Text;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Sources.X;

namespace TweetStream.Tests.Sources.X;

public sealed class XLineReaderTests
{
    /// <summary>Returns at most <paramref name="chunk"/> bytes per read, to split lines across reads.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
    }

    private static async Task<List<(XLineStatus, string)>> ReadAll(string input, int chunk, int max = 1024, int initial = 16)
    {
        using var reader = new XLineReader(new TrickleStream(Encoding.UTF8.GetBytes(input), chunk), max, new FakeTimeProvider(), initial);
        var result = new List<(XLineStatus, string)>();
        while (true)
        {
            var (status, line) = await reader.ReadAsync(CancellationToken.None);
            if (status == XLineStatus.End)
            {
                return result;
            }

            result.Add((status, Encoding.UTF8.GetString(line.Span)));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task Lines_split_across_reads_come_out_whole_without_their_crlf(int chunk)
    {
        var lines = await ReadAll("{\"a\":1}\r\n\r\n{\"b\":\"" + new string('x', 100) + "\"}\r\n", chunk);
        Assert.Equal([(XLineStatus.Line, "{\"a\":1}"), (XLineStatus.Line, ""), (XLineStatus.Line, "{\"b\":\"" + new string('x', 100) + "\"}")], lines);
    }

    [Fact]
    public async Task A_line_over_the_limit_is_reported_once_and_the_next_line_survives()
    {
        var lines = await ReadAll(new string('y', 5000) + "\r\n{\"ok\":1}\r\n", chunk: 700, max: 1024);
        Assert.Equal(2, lines.Count);
        Assert.Equal(XLineStatus.TooLong, lines[0].Item1);
        Assert.True(lines[0].Item2.Length <= 4096);
        Assert.Equal((XLineStatus.Line, "{\"ok\":1}"), lines[1]);
    }

    [Fact]
    public async Task A_line_exactly_at_the_limit_is_accepted()
    {
        var lines = await ReadAll(new string('z', 1024) + "\n", chunk: 100, max: 1024);
        Assert.Equal(XLineStatus.Line, Assert.Single(lines).Item1);
    }

    [Fact]
    public async Task Bytes_after_the_last_newline_are_a_truncated_line()
    {
        var lines = await ReadAll("{\"a\":1}\r\n{\"data\":{\"id\"", chunk: 5);
        Assert.Equal([(XLineStatus.Line, "{\"a\":1}"), (XLineStatus.Truncated, "{\"data\":{\"id\"")], lines);
    }
}
