using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Slim.Interop.Tests.Ours;

/// <summary>Keeps the last lines our in-process nodes logged (debug and up), for the diagnostics of a failed test.</summary>
internal sealed class RingLog : ILoggerFactory
{
    private const int Capacity = 2000;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly string _prefix;

    public RingLog(string prefix)
    {
        _prefix = prefix;
    }

    /// <summary>Lines logged at error level or above so far.</summary>
    public int Errors { get; private set; }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    public string Text() => string.Join(Environment.NewLine, _lines);

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(RingLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error)
            {
                owner.Errors++;
            }

            var time = DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
            owner.Add($"[{owner._prefix} {time} {logLevel} {category}[{eventId.Id}]] {formatter(state, exception)} {exception}");
        }
    }
}
