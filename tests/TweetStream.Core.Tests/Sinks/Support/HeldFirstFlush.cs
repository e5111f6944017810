using Microsoft.Win32.SafeHandles;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sinks.Support;

/// <summary>
/// A flush to disk for the JSON Lines folders that records the file's length at each call and holds the first call
/// until <see cref="Release"/>: what group commit does with the appends that arrive meanwhile becomes observable.
/// </summary>
internal sealed class HeldFirstFlush : IDisposable
{
    private readonly ManualResetEventSlim _firstMayEnd = new();
    private readonly List<long> _lengths = [];

    public int Count
    {
        get
        {
            lock (_lengths)
            {
                return _lengths.Count;
            }
        }
    }

    /// <summary>The file's length at each flush, in call order.</summary>
    public IReadOnlyList<long> Lengths
    {
        get
        {
            lock (_lengths)
            {
                return [.. _lengths];
            }
        }
    }

    public void Flush(string path, SafeFileHandle handle)
    {
        int call;
        lock (_lengths)
        {
            _lengths.Add(RandomAccess.GetLength(handle));
            call = _lengths.Count;
        }

        if (call == 1)
        {
            Assert.True(_firstMayEnd.Wait(Patience.SafetyNet), "the test never released the first flush");
        }
    }

    public void Release() => _firstMayEnd.Set();

    /// <summary>
    /// Makes write 1, holds its flush, makes writes 2 to 4 behind it and releases it: checks that the three append while
    /// the first flush runs (one flush per write under the append lock could not let them), that none returns before a
    /// flush that began after its append, and that exactly one more flush, of the whole file, covers them all.
    /// </summary>
    public async Task WriteFourAcrossTheHeldFlushAsync(Func<int, Task> write, string path, string what)
    {
        var first = write(1);
        await Patience.UntilAsync(() => Count == 1);
        var queued = Enumerable.Range(2, 3).Select(write).ToArray();

        await Patience.UntilAsync(() => File.ReadAllLines(path).Length == 4);
        Assert.False(first.IsCompleted);
        Assert.All(queued, t => Assert.False(t.IsCompleted));

        Release();
        await Task.WhenAll([first, .. queued]).WithinSafetyNet(what);

        Assert.Equal(2, Count);
        Assert.Equal(new FileInfo(path).Length, Lengths[1]);
    }

    public void Dispose() => _firstMayEnd.Dispose();
}
