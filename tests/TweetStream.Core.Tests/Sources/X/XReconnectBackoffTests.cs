using TweetStream.Sources.X;

namespace TweetStream.Tests.Sources.X;

public sealed class XReconnectBackoffTests
{
    private static TimeSpan[] Ladder(XFailureClass failure, int count) =>
        [.. Enumerable.Range(1, count).Select(a => XReconnectBackoff.GetDelay(failure, a))];

    [Fact]
    public void Network_errors_reconnect_at_once_then_grow_by_250ms_up_to_16s()
    {
        var ladder = Ladder(XFailureClass.Network, 70);
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(750)], ladder[..4]);
        Assert.Equal(TimeSpan.FromSeconds(16), ladder[64]);
        Assert.Equal(TimeSpan.FromSeconds(16), ladder[69]);
        Assert.True(ladder[63] < TimeSpan.FromSeconds(16));
    }

    [Fact]
    public void Http_errors_double_from_5s_up_to_320s()
    {
        var ladder = Ladder(XFailureClass.Http, 10);
        Assert.Equal(
            [5, 10, 20, 40, 80, 160, 320, 320, 320, 320],
            ladder.Select(d => d.TotalSeconds));
    }

    [Fact]
    public void Rate_limits_double_from_60s_and_each_429_lengthens_the_wait()
    {
        var ladder = Ladder(XFailureClass.RateLimit, 6);
        Assert.Equal([60, 120, 240, 480, 900, 900], ladder.Select(d => d.TotalSeconds));
    }

    [Fact]
    public void Huge_attempt_numbers_do_not_overflow()
    {
        Assert.Equal(TimeSpan.FromSeconds(320), XReconnectBackoff.GetDelay(XFailureClass.Http, int.MaxValue));
        Assert.Equal(TimeSpan.FromSeconds(16), XReconnectBackoff.GetDelay(XFailureClass.Network, int.MaxValue));
    }

    [Fact]
    public void Attempts_start_at_one() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => XReconnectBackoff.GetDelay(XFailureClass.Http, 0));
}
