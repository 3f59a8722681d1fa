using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Slim.Session.Tests.Fakes;

/// <summary>Keeps every log entry, so a test can assert on warnings and fail on unexpected errors.</summary>
internal sealed class RecordingLoggerFactory : ILoggerFactory
{
    private readonly string _prefix;

    public RecordingLoggerFactory(string prefix = "", ConcurrentQueue<LogEntry>? entries = null)
    {
        _prefix = prefix;
        Entries = entries ?? new ConcurrentQueue<LogEntry>();
    }

    public ConcurrentQueue<LogEntry> Entries { get; }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    internal sealed record LogEntry(string App, LogLevel Level, int EventId, string Message, Exception? Exception)
    {
        public override string ToString() => $"[{App}] {Level} {EventId}: {Message}{(Exception is null ? "" : " " + Exception)}";
    }

    private sealed class Logger(RecordingLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue(new LogEntry(owner._prefix, logLevel, eventId.Id, formatter(state, exception), exception));
    }
}
