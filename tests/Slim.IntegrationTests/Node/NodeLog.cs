using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Slim.IntegrationTests.Node;

/// <summary>
/// Collects what in-process nodes log so a test can wait for a line (an event with a timeout, never a sleep) and fail
/// on an unexpected error log.
/// </summary>
internal sealed class NodeLog : ILoggerFactory
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private readonly List<(Func<Entry, bool> Match, TaskCompletionSource<Entry> Done)> _waiters = [];
    private readonly object _gate = new();

    public IReadOnlyCollection<Entry> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    /// <summary>The first entry (already logged or still to come) matching <paramref name="match"/>.</summary>
    public Task<Entry> WaitForAsync(Func<Entry, bool> match)
    {
        lock (_gate)
        {
            var existing = _entries.FirstOrDefault(match);
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            var done = new TaskCompletionSource<Entry>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
            return done.Task;
        }
    }

    public Task<Entry> WaitForEventAsync(int eventId, string? containing = null) =>
        WaitForAsync(e => e.EventId.Id == eventId && (containing is null || e.Message.Contains(containing, StringComparison.Ordinal)));

    /// <summary>Fails when an error was logged whose event id is not in <paramref name="allowedEventIds"/>.</summary>
    public void AssertNoUnexpectedErrors(params int[] allowedEventIds)
    {
        var unexpected = _entries.Where(e => e.Level >= LogLevel.Error && !allowedEventIds.Contains(e.EventId.Id)).ToList();
        Assert.True(unexpected.Count == 0, "Unexpected error logs:\n" + string.Join("\n", unexpected));
    }

    public override string ToString() => string.Join(Environment.NewLine, _entries);

    private void Add(Entry entry)
    {
        lock (_gate)
        {
            _entries.Enqueue(entry);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(entry))
                {
                    _waiters[i].Done.TrySetResult(entry);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    internal sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception)
    {
        public override string ToString() => $"{Level} {Category}[{EventId.Id}] {Message} {Exception}";
    }

    private sealed class Logger(NodeLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(new Entry(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
