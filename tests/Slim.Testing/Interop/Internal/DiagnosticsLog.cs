using System.Text;
using System.Text.RegularExpressions;

namespace Slim.Testing.Interop.Internal;

/// <summary>A bounded, thread-safe log of the most recent lines of a process (stderr, protocol transcript).</summary>
internal sealed partial class DiagnosticsLog(int capacity)
{
    private readonly object _gate = new();
    private readonly Queue<string> _lines = new();
    private long _dropped;

    public void Add(string line)
    {
        var clean = AnsiEscape().Replace(line, string.Empty);
        lock (_gate)
        {
            _lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {clean}");
            if (_lines.Count > capacity)
            {
                _lines.Dequeue();
                _dropped++;
            }
        }
    }

    public string Tail(int maxLines)
    {
        lock (_gate)
        {
            var skip = Math.Max(0, _lines.Count - maxLines);
            var text = new StringBuilder();
            if (skip + _dropped > 0)
            {
                text.Append("  ... ").Append(skip + _dropped).AppendLine(" earlier lines omitted");
            }

            foreach (var line in _lines.Skip(skip))
            {
                text.Append("  ").AppendLine(line);
            }

            return text.ToString();
        }
    }

    [GeneratedRegex(@"\x1B\[[0-9;]*[A-Za-z]")]
    private static partial Regex AnsiEscape();
}
