using System.Globalization;
using System.Text;

namespace Slim.Node.Hosting;

/// <summary>
/// The values of a node's data-plane metrics (meter <c>Slim.DataPlane</c>) at one moment: counters since start, the
/// current value of up-down counters and gauges. Keys are the instrument name followed by its tags,
/// e.g. <c>slim.dataplane.messages.dropped{reason=malformed}</c>.
/// </summary>
public sealed class NodeMetricsSnapshot
{
    internal NodeMetricsSnapshot(IReadOnlyDictionary<string, long> values)
    {
        Values = values;
    }

    /// <summary>Every series: <c>name{tag=value,...}</c> (tags in the order the instrument reports them) to its value.</summary>
    public IReadOnlyDictionary<string, long> Values { get; }

    /// <summary>
    /// The sum over every series of <paramref name="instrument"/>, or only over those carrying
    /// <paramref name="tag"/>=<paramref name="value"/> when a tag is given.
    /// </summary>
    public long Sum(string instrument, string? tag = null, string? value = null)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        var wanted = tag is null ? null : $"{tag}={value}";
        long total = 0;
        foreach (var (key, v) in Values)
        {
            if (!key.StartsWith(instrument, StringComparison.Ordinal) || (key.Length > instrument.Length && key[instrument.Length] != '{'))
            {
                continue;
            }

            if (wanted is null || HasTag(key.AsSpan(instrument.Length), wanted))
            {
                total += v;
            }
        }

        return total;
    }

    /// <summary>One series per line, sorted, skipping zeros: what the node logs.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (key, value) in Values.Where(v => v.Value != 0).OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}  {key} = {value}");
        }

        return text.Length == 0 ? " (no activity)" : text.ToString();
    }

    private static bool HasTag(ReadOnlySpan<char> tags, string wanted)
    {
        if (tags.Length < 2)
        {
            return false;
        }

        foreach (var range in tags[1..^1].Split(','))
        {
            if (tags[1..^1][range].SequenceEqual(wanted))
            {
                return true;
            }
        }

        return false;
    }
}
