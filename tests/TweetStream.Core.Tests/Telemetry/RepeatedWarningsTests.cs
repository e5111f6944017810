using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Pipeline;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Telemetry;

public sealed class RepeatedWarningsTests
{
    [Fact]
    public void Repeated_dead_letters_become_one_line_per_reason_per_interval_with_the_count()
    {
        var time = new FakeTimeProvider();
        var logger = new CapturingLogger();
        var warnings = new RepeatedWarnings(logger, time, TimeSpan.FromSeconds(10));

        for (var batch = 0; batch < 1100; batch++)
        {
            warnings.DeadLettered(1, "source:replay", "malformed JSON");
        }

        warnings.DeadLettered(3, "sink:sqlite", "author not hashed");
        warnings.Shed("x");
        warnings.Shed("x");
        warnings.SinkRetry("pubsub", 500, "503 UNAVAILABLE");
        Assert.Empty(logger.Lines);

        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(4, logger.Lines.Count);
        Assert.Contains("Dead-lettered 1100 items at source:replay in the last 10 s: malformed JSON", logger.Lines);
        Assert.Contains("Dead-lettered 3 items at sink:sqlite in the last 10 s: author not hashed", logger.Lines);
        Assert.Contains("Push source x outran the buffer: shed 2 items in the last 10 s", logger.Lines);
        Assert.Contains("Sink pubsub did not commit 500 item writes in the last 10 s (retried): 503 UNAVAILABLE", logger.Lines);
        Assert.All(logger.Levels, l => Assert.Equal(LogLevel.Warning, l));

        // Quiet intervals write nothing; counting starts afresh after each line.
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(4, logger.Lines.Count);
        warnings.DeadLettered(2, "source:replay", "malformed JSON");
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("Dead-lettered 2 items at source:replay in the last 10 s: malformed JSON", logger.Lines[^1]);
    }

    [Fact]
    public void Stopping_writes_what_was_counted_since_the_last_interval()
    {
        var time = new FakeTimeProvider();
        var logger = new CapturingLogger();
        var warnings = new RepeatedWarnings(logger, time, TimeSpan.FromSeconds(10));
        warnings.DeadLettered(7, "source:replay", "line too long");
        time.Advance(TimeSpan.FromSeconds(4));

        warnings.Stop();

        Assert.Equal(["Dead-lettered 7 items at source:replay in the last 4 s: line too long"], logger.Lines);
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.Single(logger.Lines);
    }

    [Fact]
    public async Task A_long_run_with_many_malformed_lines_logs_one_dead_letter_line_not_one_per_batch()
    {
        var source = new InMemorySource();
        for (var i = 0; i < 2000; i++)
        {
            source.AddMalformed("malformed JSON", [(byte)'{'], i);
        }

        source.Complete();
        var logger = new CapturingLogger();
        var options = new PipelineOptions { BatchSize = 10, BatchMaxDelay = TimeSpan.Zero, RetryBaseDelay = TimeSpan.Zero, RetryMaxDelay = TimeSpan.Zero };
        var pipeline = new TweetPipeline("warned", source, [], [new CollectingSink()], new CollectingDeadLetterSink(), options, new FakeTimeProvider(), logger, PipelineHarness.Metrics());

        var stats = await pipeline.RunAsync(CancellationToken.None);

        Assert.Equal(2000, stats.DeadLettered);
        Assert.Equal(["Dead-lettered 2000 items at source:memory in the last 0 s: malformed JSON"], logger.Lines.Where(l => l.StartsWith("Dead-lettered", StringComparison.Ordinal)));
    }

    private sealed class CapturingLogger : ILogger
    {
        private readonly ConcurrentQueue<(LogLevel Level, string Line)> _entries = new();

        public List<string> Lines => [.. _entries.Select(e => e.Line)];

        public List<LogLevel> Levels => [.. _entries.Select(e => e.Level)];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
