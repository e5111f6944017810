using TweetStream.Sinks;

namespace TweetStream.Tests.Sinks;

public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Growing_past_the_first_array_keeps_every_byte_in_order()
    {
        using var writer = new PooledBufferWriter(256);
        var expected = new List<byte>();
        for (var i = 0; i < 5000; i++)
        {
            var chunk = new[] { (byte)i, (byte)(i >> 8), (byte)'\n' };
            if (i % 2 == 0)
            {
                writer.Write(chunk);
            }
            else
            {
                chunk.CopyTo(writer.GetSpan(chunk.Length));
                writer.Advance(chunk.Length);
            }

            expected.AddRange(chunk);
        }

        Assert.Equal(expected.Count, writer.WrittenCount);
        Assert.Equal(expected, writer.WrittenSpan.ToArray());
        Assert.Equal(expected, writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void Clear_forgets_what_was_written()
    {
        using var writer = new PooledBufferWriter();
        writer.Write("abc"u8);
        writer.Clear();
        writer.Write("d"u8);
        Assert.Equal("d"u8.ToArray(), writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Advancing_past_the_span_handed_out_is_refused()
    {
        using var writer = new PooledBufferWriter(256);
        var length = writer.GetSpan(10).Length;
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(length + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(-1));
    }
}
