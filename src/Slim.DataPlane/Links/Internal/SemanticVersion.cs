namespace Slim.DataPlane.Links.Internal;

/// <summary>
/// Checks a <c>slim_version</c> string against the Semantic Versioning 2.0.0 grammar, which official SLIM enforces
/// on link negotiation:
/// <c>MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]</c>, numbers without leading zeros, pre-release and build made of
/// dot-separated non-empty <c>[0-9A-Za-z-]</c> identifiers (numeric pre-release identifiers without leading zeros).
/// </summary>
internal static class SemanticVersion
{
    /// <summary>Largest accepted length; longer strings are refused without parsing.</summary>
    private const int MaxLength = 256;

    public static bool IsValid(string? version)
    {
        if (string.IsNullOrEmpty(version) || version.Length > MaxLength)
        {
            return false;
        }

        var span = version.AsSpan();
        var plus = span.IndexOf('+');
        var build = ReadOnlySpan<char>.Empty;
        if (plus >= 0)
        {
            build = span[(plus + 1)..];
            span = span[..plus];
            if (!IdentifiersValid(build, numericRule: false))
            {
                return false;
            }
        }

        var dash = span.IndexOf('-');
        if (dash >= 0)
        {
            if (!IdentifiersValid(span[(dash + 1)..], numericRule: true))
            {
                return false;
            }

            span = span[..dash];
        }

        for (var part = 0; part < 3; part++)
        {
            var dot = span.IndexOf('.');
            var number = part < 2 ? (dot < 0 ? ReadOnlySpan<char>.Empty : span[..dot]) : span;
            if (part < 2 && dot < 0)
            {
                return false;
            }

            if (!IsNumber(number))
            {
                return false;
            }

            span = part < 2 ? span[(dot + 1)..] : ReadOnlySpan<char>.Empty;
        }

        return true;
    }

    private static bool IdentifiersValid(ReadOnlySpan<char> identifiers, bool numericRule)
    {
        if (identifiers.IsEmpty)
        {
            return false;
        }

        foreach (var range in identifiers.Split('.'))
        {
            var identifier = identifiers[range];
            if (identifier.IsEmpty)
            {
                return false;
            }

            var allDigits = true;
            foreach (var c in identifier)
            {
                if (char.IsAsciiDigit(c))
                {
                    continue;
                }

                allDigits = false;
                if (!char.IsAsciiLetter(c) && c != '-')
                {
                    return false;
                }
            }

            if (numericRule && allDigits && identifier.Length > 1 && identifier[0] == '0')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNumber(ReadOnlySpan<char> number)
    {
        if (number.IsEmpty || number.Length > 20 || (number.Length > 1 && number[0] == '0'))
        {
            return false;
        }

        foreach (var c in number)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return ulong.TryParse(number, out _);
    }
}
