using System.Globalization;

namespace Slim.Node.Configuration.Internal;

/// <summary>
/// Duration strings as the official node writes them: one or more <c>&lt;integer&gt;&lt;unit&gt;</c> parts, units
/// <c>ns us ms s m h d w y</c> (a year is 365 days), e.g. <c>10s</c>, <c>500ms</c>, <c>1h30m</c>.
/// </summary>
internal static class DurationText
{
    // Longest units first so "ms" is not read as "m" followed by "s".
    private static readonly (string Unit, double Ticks)[] Units =
    [
        ("ns", 0.01),
        ("us", TimeSpan.TicksPerMicrosecond),
        ("ms", TimeSpan.TicksPerMillisecond),
        ("s", TimeSpan.TicksPerSecond),
        ("m", TimeSpan.TicksPerMinute),
        ("h", TimeSpan.TicksPerHour),
        ("d", TimeSpan.TicksPerDay),
        ("w", TimeSpan.TicksPerDay * 7),
        ("y", TimeSpan.TicksPerDay * 365),
    ];

    public static bool TryParse(string text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            error = "a duration cannot be empty";
            return false;
        }

        double ticks = 0;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && char.IsAsciiDigit(span[digits]))
            {
                digits++;
            }

            if (digits == 0)
            {
                error = $"'{text}' is not a duration: expected a whole number followed by a unit (ns, us, ms, s, m, h, d, w, y), e.g. 10s or 500ms";
                return false;
            }

            if (!long.TryParse(span[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                error = $"'{text}' is too large a duration";
                return false;
            }

            span = span[digits..];
            if (!span.IsEmpty && span[0] is '.' or ',')
            {
                error = $"'{text}': durations take whole numbers with a unit; write e.g. 1500ms instead of 1.5s";
                return false;
            }

            var unitLength = 0;
            while (unitLength < span.Length && char.IsAsciiLetter(span[unitLength]))
            {
                unitLength++;
            }

            var unit = span[..unitLength];
            var scale = 0.0;
            foreach (var (name, unitTicks) in Units)
            {
                if (unit.SequenceEqual(name))
                {
                    scale = unitTicks;
                    break;
                }
            }

            if (scale == 0)
            {
                error = unitLength == 0
                    ? $"'{text}' has a number without a unit: write e.g. {number}s or {number}ms"
                    : $"'{text}' has an unknown unit '{unit}': use ns, us, ms, s, m, h, d, w or y";
                return false;
            }

            ticks += number * scale;
            span = span[unitLength..];
        }

        if (ticks >= TimeSpan.MaxValue.Ticks)
        {
            error = $"'{text}' is too large a duration";
            return false;
        }

        value = TimeSpan.FromTicks((long)ticks);
        error = string.Empty;
        return true;
    }
}
