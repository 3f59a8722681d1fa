using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace Slim.Identity.Tests.Support;

/// <summary>A test JWT authority of one trust domain: mints JWT-SVIDs and publishes its SPIFFE bundle.</summary>
internal sealed class SpiffeAuthority(string trustDomain, string keyId) : IDisposable
{
    private int _serial;

    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string TrustDomain { get; } = trustDomain;

    public string KeyId { get; } = keyId;

    public string Mint(string spiffeId, IEnumerable<string> audiences, DateTimeOffset now, TimeSpan lifetime, params (string Name, object? Value)[] extra)
    {
        var claims = new Dictionary<string, object?>
        {
            ["sub"] = spiffeId,
            ["aud"] = audiences.ToArray(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + lifetime).ToUnixTimeSeconds(),
            ["jti"] = $"svid-{Interlocked.Increment(ref _serial)}",
        };
        foreach (var (name, value) in extra)
        {
            if (value is null)
            {
                claims.Remove(name);
            }
            else
            {
                claims[name] = value;
            }
        }

        return JwtFactory.Es256(Key, claims, KeyId);
    }

    /// <summary>A SPIFFE bundle: this JWT authority plus an X.509 authority entry that JWT verification must ignore.</summary>
    public string BundleJson(long sequence = 1, params SpiffeAuthority[] moreJwtAuthorities)
    {
        var keys = new List<Dictionary<string, object>> { Jwk(this, "jwt-svid") };
        keys.AddRange(moreJwtAuthorities.Select(a => Jwk(a, "jwt-svid")));
        keys.Add(new Dictionary<string, object> { ["use"] = "x509-svid", ["kty"] = "EC", ["crv"] = "P-256", ["x5c"] = new[] { "AAAA" } });
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["keys"] = keys,
            ["spiffe_sequence"] = sequence,
            ["spiffe_refresh_hint"] = 300,
        });
    }

    public void Dispose() => Key.Dispose();

    private static Dictionary<string, object> Jwk(SpiffeAuthority authority, string use)
    {
        var p = authority.Key.ExportParameters(false);
        return new Dictionary<string, object>
        {
            ["use"] = use,
            ["kty"] = "EC",
            ["crv"] = "P-256",
            ["kid"] = authority.KeyId,
            ["x"] = Base64Url.EncodeToString(p.Q.X),
            ["y"] = Base64Url.EncodeToString(p.Q.Y),
        };
    }
}
