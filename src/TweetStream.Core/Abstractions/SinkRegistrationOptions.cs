namespace TweetStream;

/// <summary>How the pipeline treats one registered sink: how many writes may overlap and who disposes it.</summary>
/// <remarks>
/// The defaults make the obvious sink correct: one <see cref="ISink.WriteAsync"/> call at a time, and the
/// pipeline flushes and disposes the sink when the run ends. A sink that is safe under concurrent calls
/// declares it with <see cref="MaxConcurrency"/>.
/// </remarks>
public sealed class SinkRegistrationOptions
{
    /// <summary>
    /// How many <see cref="ISink.WriteAsync"/> calls may run at once on this sink. Default 1 (calls are
    /// serialized, so the sink needs no locking). The pipeline's <c>MaxParallelBatches</c> still bounds the
    /// total, so <see cref="int.MaxValue"/> means "as many as the pipeline runs".
    /// </summary>
    public int MaxConcurrency { get; set; } = 1;

    /// <summary>
    /// Dispose the sink (<see cref="IAsyncDisposable"/> or <see cref="IDisposable"/>) after the pipeline stopped
    /// and flushed it. Default true; set false for an instance shared with other services (the SQLite store
    /// also serves the dashboard).
    /// </summary>
    public bool DisposeWithPipeline { get; set; } = true;
}
