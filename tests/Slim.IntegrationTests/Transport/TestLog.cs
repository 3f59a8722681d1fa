using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Slim.IntegrationTests.Transport;

/// <summary>
/// Collects log entries so a test can fail on an unexpected error log from a server, and shows them in the test
/// output when the test fails.
/// </summary>
internal sealed class TestLog : ILoggerFactory
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyCollection<Entry> Entries => _entries;

    public IEnumerable<Entry> Errors => _entries.Where(e => e.Level >= LogLevel.Error);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    /// <summary>Fails when an error was logged whose event id is not in <paramref name="allowedEventIds"/>.</summary>
    public void AssertNoUnexpectedErrors(params int[] allowedEventIds)
    {
        var unexpected = Errors.Where(e => !allowedEventIds.Contains(e.EventId.Id)).ToList();
        Assert.True(unexpected.Count == 0, "Unexpected error logs:\n" + string.Join("\n", unexpected));
    }

    internal sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception)
    {
        public override string ToString() => $"{Level} {Category}[{EventId.Id}] {Message} {Exception}";
    }

    private sealed class Logger(TestLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner._entries.Enqueue(new Entry(category, logLevel, eventId, formatter(state, exception), exception));
        }
    }
}
