using Slim.Mls.Codec;

namespace Slim.Mls.Tree;

/// <summary>
/// The validity window of a KeyPackage's leaf node, in seconds since the Unix epoch (RFC 9420 section 7.2):
/// <c>struct { uint64 not_before; uint64 not_after; } Lifetime;</c>
/// </summary>
/// <param name="NotBefore">First valid second.</param>
/// <param name="NotAfter">Last valid second.</param>
public readonly record struct Lifetime(ulong NotBefore, ulong NotAfter) : ITlsEncodable, ITlsDecodable<Lifetime>
{
    /// <summary>The window <c>0 .. 2^64-1</c> (never expires).</summary>
    public static Lifetime Unlimited => new(0, ulong.MaxValue);

    /// <summary>A window from <paramref name="now"/> to <paramref name="now"/> + <paramref name="duration"/>.</summary>
    public static Lifetime Starting(DateTimeOffset now, TimeSpan duration)
    {
        var start = (ulong)Math.Max(0, now.ToUnixTimeSeconds());
        return new Lifetime(start, start + (ulong)Math.Max(0, (long)duration.TotalSeconds));
    }

    /// <summary>Total length of the window in seconds (saturating).</summary>
    public ulong Duration => NotAfter >= NotBefore ? NotAfter - NotBefore : 0;

    /// <summary>True when <paramref name="now"/> lies inside the window.</summary>
    public bool Contains(DateTimeOffset now)
    {
        var seconds = now.ToUnixTimeSeconds();
        return seconds >= 0 && (ulong)seconds >= NotBefore && (ulong)seconds <= NotAfter;
    }

    /// <inheritdoc />
    public static Lifetime ReadFrom(ref TlsReader reader)
    {
        var notBefore = reader.ReadUInt64();
        return new Lifetime(notBefore, reader.ReadUInt64());
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteUInt64(NotBefore);
        writer.WriteUInt64(NotAfter);
    }
}
