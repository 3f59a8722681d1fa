using Slim.Protocol;

namespace Slim.Identity.Spiffe;

/// <summary>
/// A SPIFFE ID, <c>spiffe://&lt;trust-domain&gt;/&lt;path&gt;</c>, validated as the SPIFFE ID standard requires:
/// lowercase scheme and trust domain of <c>[a-z0-9.-_]</c>, path segments of <c>[a-zA-Z0-9.-_]</c> that are neither
/// empty nor <c>.</c>/<c>..</c>, no trailing <c>/</c>, no port, user info, query, fragment or percent-encoding, at
/// most 2048 bytes.
/// </summary>
public readonly record struct SpiffeId
{
    /// <summary>The URI scheme prefix.</summary>
    public const string Prefix = "spiffe://";

    /// <summary>Longest SPIFFE ID accepted (SPIFFE-ID 2.3).</summary>
    public const int MaxLength = 2048;

    /// <summary>Longest trust domain name accepted (the URI host limit).</summary>
    public const int MaxTrustDomainLength = 255;

    private SpiffeId(string trustDomain, string path)
    {
        TrustDomain = trustDomain;
        Path = path;
    }

    /// <summary>The trust domain name (e.g. <c>example.org</c>).</summary>
    public string TrustDomain { get; }

    /// <summary>The path, empty or starting with <c>/</c> (e.g. <c>/ns/prod/sa/app</c>).</summary>
    public string Path { get; }

    /// <summary>Parses a SPIFFE ID.</summary>
    /// <exception cref="SlimIdentityException">It is not a valid SPIFFE ID (<see cref="SlimErrorCode.IdentityConfigurationInvalid"/>).</exception>
    public static SpiffeId Parse(string text) =>
        TryParse(text, out var id, out var error)
            ? id
            : throw new SlimIdentityException(SlimErrorCode.IdentityConfigurationInvalid, $"Invalid SPIFFE ID: {error}.");

    /// <summary>Parses a SPIFFE ID; false with the reason when it is not valid. Never throws.</summary>
    public static bool TryParse(string? text, out SpiffeId id, out string? error)
    {
        id = default;
        if (string.IsNullOrEmpty(text))
        {
            error = "it is empty";
            return false;
        }

        if (text.Length > MaxLength)
        {
            error = "it is longer than 2048 bytes";
            return false;
        }

        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            error = "it does not start with spiffe://";
            return false;
        }

        var rest = text.AsSpan(Prefix.Length);
        var slash = rest.IndexOf('/');
        var trustDomain = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? [] : rest[slash..];
        if (!IsValidTrustDomain(trustDomain, out error))
        {
            return false;
        }

        if (!IsValidPath(path, out error))
        {
            return false;
        }

        id = new SpiffeId(trustDomain.ToString(), path.ToString());
        return true;
    }

    /// <summary>True when <paramref name="trustDomain"/> is a valid trust domain name.</summary>
    public static bool IsValidTrustDomain(string? trustDomain) => IsValidTrustDomain(trustDomain, out _);

    /// <summary>True when this ID belongs to <paramref name="trustDomain"/>.</summary>
    public bool IsMemberOf(string trustDomain) => string.Equals(TrustDomain, trustDomain, StringComparison.Ordinal);

    /// <summary>The ID in its URI form.</summary>
    public override string ToString() => TrustDomain is null ? string.Empty : Prefix + TrustDomain + Path;

    internal static bool IsValidTrustDomain(ReadOnlySpan<char> trustDomain, out string? error)
    {
        if (trustDomain.IsEmpty)
        {
            error = "the trust domain is empty";
            return false;
        }

        if (trustDomain.Length > MaxTrustDomainLength)
        {
            error = "the trust domain is longer than 255 characters";
            return false;
        }

        foreach (var c in trustDomain)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-' or '_'))
            {
                error = c is ':' or '@'
                    ? "the trust domain has a port or user info"
                    : "the trust domain has a character outside [a-z0-9.-_]";
                return false;
            }
        }

        error = null;
        return true;
    }

    private static bool IsValidPath(ReadOnlySpan<char> path, out string? error)
    {
        error = null;
        if (path.IsEmpty)
        {
            return true;
        }

        // path starts with '/'; walk its segments.
        var rest = path[1..];
        while (true)
        {
            var end = rest.IndexOf('/');
            var segment = end < 0 ? rest : rest[..end];
            if (segment.IsEmpty)
            {
                error = end < 0 ? "the path ends with /" : "the path has an empty segment";
                return false;
            }

            if (segment is "." or "..")
            {
                error = "the path has a . or .. segment";
                return false;
            }

            foreach (var c in segment)
            {
                if (!(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '-' or '_'))
                {
                    error = c is '?' or '#' or '%'
                        ? "the ID has a query, fragment or percent-encoding"
                        : "a path segment has a character outside [a-zA-Z0-9.-_]";
                    return false;
                }
            }

            if (end < 0)
            {
                return true;
            }

            rest = rest[(end + 1)..];
        }
    }
}
