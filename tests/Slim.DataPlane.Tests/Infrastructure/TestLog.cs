using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Slim.DataPlane.Tests.Infrastructure;

/// <summary>One captured log entry.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

/// <summary>
/// A logger factory that keeps every entry, writes it to the test output, and lets a test assert on event ids.
/// Error-level entries are unexpected unless a test says otherwise (<see cref="AssertNoErrors"/>).
/// </summary>
internal sealed class TestLog : ILoggerFactory, ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private readonly ITestOutputHelper? _output;

    public TestLog(ITestOutputHelper? output = null) => _output = output;

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public int Count(int eventId) => _entries.Count(e => e.EventId.Id == eventId);

    public bool Has(int eventId) => _entries.Any(e => e.EventId.Id == eventId);

    public void AssertNoErrors()
    {
        var errors = _entries.Where(e => e.Level >= LogLevel.Error).ToList();
        Assert.True(errors.Count == 0, "Unexpected error logs: " + string.Join("; ", errors.Select(e => $"{e.EventId.Id} {e.Message} {e.Exception}")));
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(TestLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            owner._entries.Enqueue(new LogEntry(category, logLevel, eventId, message, exception));
            try
            {
                owner._output?.WriteLine($"[{logLevel}] {eventId.Id} {message}{(exception is null ? string.Empty : " " + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test already finished.
            }
        }
    }
}
