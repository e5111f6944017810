using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TweetStream.Dashboard.Tests.Support;

/// <summary>Keeps every formatted log line, so tests can assert what never reaches a log.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue(formatter(state, exception) + (exception is null ? string.Empty : " " + exception));
    }
}

/// <summary>Captures what the dashboard prints to standard output.</summary>
internal sealed class CapturingConsole : IDashboardConsole
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public void WriteLine(string line) => Lines.Enqueue(line);
}
