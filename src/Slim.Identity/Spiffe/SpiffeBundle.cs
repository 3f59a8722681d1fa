using System.Text.Json;
using Slim.Identity.Internal;
using Slim.Protocol;

namespace Slim.Identity.Spiffe;

/// <summary>
/// The JWT authorities of one trust domain: the keys that sign its JWT-SVIDs, read from a SPIFFE bundle (a JWKS
/// whose keys carry <c>use: "jwt-svid"</c> or <c>"x509-svid"</c>) or from a plain JWKS as the Workload API returns.
/// Keys marked for X.509-SVIDs are ignored; keys with no <c>use</c> are taken as JWT authorities.
/// </summary>
public sealed class SpiffeBundle
{
    private SpiffeBundle(string trustDomain, JwkSet keys, long? sequenceNumber, TimeSpan? refreshHint)
    {
        TrustDomain = trustDomain;
        Keys = keys;
        SequenceNumber = sequenceNumber;
        RefreshHint = refreshHint;
    }

    /// <summary>The trust domain name (e.g. <c>example.org</c>).</summary>
    public string TrustDomain { get; }

    /// <summary>The <c>kid</c>s of the JWT authorities.</summary>
    public IReadOnlyList<string> KeyIds => Keys.All.Select(k => k.KeyId).Where(k => !string.IsNullOrEmpty(k)).ToList();

    /// <summary>The number of usable JWT authorities.</summary>
    public int KeyCount => Keys.All.Count;

    /// <summary>The bundle's <c>spiffe_sequence</c>, if present.</summary>
    public long? SequenceNumber { get; }

    /// <summary>The bundle's <c>spiffe_refresh_hint</c>, if present.</summary>
    public TimeSpan? RefreshHint { get; }

    internal JwkSet Keys { get; }

    /// <summary>Reads the bundle of <paramref name="trustDomain"/> from its JSON.</summary>
    /// <param name="trustDomain">A trust domain name, or the trust domain's SPIFFE ID (<c>spiffe://example.org</c>).</param>
    /// <param name="json">The bundle (JWKS) document.</param>
    /// <exception cref="SlimIdentityException">
    /// <see cref="SlimErrorCode.IdentityConfigurationInvalid"/> for a bad trust domain,
    /// <see cref="SlimErrorCode.IdentityKeyInvalid"/> for a document that is not a key set.
    /// </exception>
    public static SpiffeBundle Parse(string trustDomain, ReadOnlySpan<byte> json)
    {
        var name = NormalizeTrustDomain(trustDomain)
            ?? throw new SlimIdentityException(SlimErrorCode.IdentityConfigurationInvalid, "Invalid SPIFFE trust domain name.");
        try
        {
            var keys = JwkSet.Parse(json, use => use is null or "jwt-svid", out var root);
            long? sequence = null;
            TimeSpan? hint = null;
            if (root is { } r)
            {
                if (r.TryGetProperty("spiffe_sequence", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var seq))
                {
                    sequence = seq;
                }

                if (r.TryGetProperty("spiffe_refresh_hint", out var h) && h.ValueKind == JsonValueKind.Number &&
                    h.TryGetInt64(out var seconds) && seconds >= 0 && seconds < int.MaxValue)
                {
                    hint = TimeSpan.FromSeconds(seconds);
                }
            }

            return new SpiffeBundle(name, keys, sequence, hint);
        }
        catch (FormatException ex)
        {
            throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, $"The bundle of {name} is invalid: {ex.Message}.", ex);
        }
    }

    /// <summary>Reads the bundle of <paramref name="trustDomain"/> from its JSON text.</summary>
    /// <exception cref="SlimIdentityException">See <see cref="Parse(string, ReadOnlySpan{byte})"/>.</exception>
    public static SpiffeBundle Parse(string trustDomain, string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(trustDomain, System.Text.Encoding.UTF8.GetBytes(json));
    }

    /// <summary>A trust domain name from a name or a trust domain SPIFFE ID; null when invalid.</summary>
    internal static string? NormalizeTrustDomain(string? trustDomain)
    {
        if (trustDomain is null)
        {
            return null;
        }

        var name = trustDomain.StartsWith(SpiffeId.Prefix, StringComparison.Ordinal)
            ? trustDomain[SpiffeId.Prefix.Length..].TrimEnd('/')
            : trustDomain;
        return SpiffeId.IsValidTrustDomain(name) ? name : null;
    }
}
