namespace TweetStream.Benchmarks.Soak;

/// <summary>Counts dead letters and drops them: a benchmark checks the count, not the letters.</summary>
internal sealed class CountingDeadLetterSink : IDeadLetterSink
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public ValueTask WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _count, deadLetters.Count);
        return ValueTask.CompletedTask;
    }
}
