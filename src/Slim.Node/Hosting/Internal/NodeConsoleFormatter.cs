using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Slim.Node.Hosting.Internal;

/// <summary>Options of <see cref="NodeConsoleFormatter"/> (from the configuration's <c>tracing</c> section).</summary>
internal sealed class NodeConsoleFormatterOptions : ConsoleFormatterOptions
{
    public bool ShowThreadNames { get; set; } = true;

    public bool ShowThreadIds { get; set; }

    /// <summary>Shown for threads without a name (pool threads).</summary>
    public string ThreadName { get; set; } = "slim";
}

/// <summary>
/// One line per event, in the spirit of the official node's log:
/// <c>2026-11-23T16:40:43.123456Z  INFO slim 12 Slim.DataPlane[3001]: Connection 1 opened: ...</c>, with the thread
/// name and id when the configuration asks for them, and the exception on the following lines.
/// </summary>
internal sealed class NodeConsoleFormatter : ConsoleFormatter
{
    public const string FormatterName = "slim";

    private readonly IOptionsMonitor<NodeConsoleFormatterOptions> _options;

    public NodeConsoleFormatter(IOptionsMonitor<NodeConsoleFormatterOptions> options)
        : base(FormatterName)
    {
        _options = options;
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        var options = _options.CurrentValue;
        textWriter.Write(DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
        textWriter.Write(' ');
        textWriter.Write(logEntry.LogLevel switch
        {
            LogLevel.Trace => "TRACE",
            LogLevel.Debug => "DEBUG",
            LogLevel.Information => " INFO",
            LogLevel.Warning => " WARN",
            LogLevel.Error => "ERROR",
            _ => " CRIT",
        });
        var thread = Thread.CurrentThread;
        if (options.ShowThreadNames)
        {
            textWriter.Write(' ');
            textWriter.Write(string.IsNullOrEmpty(thread.Name) || thread.IsThreadPoolThread ? options.ThreadName : thread.Name);
        }

        if (options.ShowThreadIds)
        {
            textWriter.Write(' ');
            textWriter.Write(thread.ManagedThreadId.ToString(CultureInfo.InvariantCulture));
        }

        textWriter.Write(' ');
        textWriter.Write(logEntry.Category);
        if (logEntry.EventId.Id != 0)
        {
            textWriter.Write('[');
            textWriter.Write(logEntry.EventId.Id.ToString(CultureInfo.InvariantCulture));
            textWriter.Write(']');
        }

        textWriter.Write(": ");
        textWriter.WriteLine(message);
        if (logEntry.Exception is { } exception)
        {
            textWriter.WriteLine(exception.ToString());
        }
    }
}
