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

    public void Dispose() => _firstMayEnd.Dispose();
}
