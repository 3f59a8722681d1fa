using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Slim.Testing;

/// <summary>
/// An <see cref="ILoggerFactory"/> that keeps every entry, so a test can look for the log of a dropped message, fail
/// on an unexpected error log, and show the log when it fails.
/// </summary>
public sealed class CollectingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private readonly LogLevel _minimum;

    /// <summary>Creates a factory keeping entries at <paramref name="minimum"/> and above.</summary>
    public CollectingLoggerFactory(LogLevel minimum = LogLevel.Debug)
    {
        _minimum = minimum;
    }

    /// <summary>Every entry so far, in order.</summary>
    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    /// <summary>Entries at <paramref name="level"/> or above.</summary>
    public IReadOnlyList<LogEntry> AtLeast(LogLevel level) => [.. _entries.Where(e => e.Level >= level)];

    /// <summary>Entries with this event id.</summary>
    public IReadOnlyList<LogEntry> WithEventId(int eventId) => [.. _entries.Where(e => e.EventId.Id == eventId)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    /// <summary>Fails when an error was logged whose event id is not in <paramref name="allowedEventIds"/>.</summary>
    public void AssertNoErrors(params int[] allowedEventIds)
    {
        var unexpected = _entries.Where(e => e.Level >= LogLevel.Error && !allowedEventIds.Contains(e.EventId.Id)).ToList();
        if (unexpected.Count > 0)
        {
            throw new InvalidOperationException("Unexpected error logs:\n" + string.Join("\n", unexpected));
        }
    }

    /// <summary>The whole log as text (for a failing test's output).</summary>
    public string Dump() => string.Join("\n", _entries);

    /// <summary>One log entry.</summary>
    public sealed record LogEntry(DateTimeOffset Time, string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception)
    {
        public override string ToString() =>
            $"{Time:HH:mm:ss.fff} {Level} {Category}[{EventId.Id}] {Message}{(Exception is null ? string.Empty : " " + Exception.Message)}";
    }

    private sealed class Logger(CollectingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner._entries.Enqueue(new LogEntry(DateTimeOffset.UtcNow, category, logLevel, eventId, formatter(state, exception), exception));
            }
        }
    }
}
