using Slim.Identity.Jwt;

namespace Slim.Identity.Internal;

/// <summary>Keys fixed at construction (PEM or JWKS text).</summary>
internal sealed class StaticJwtKeySource(JwkSet keys, bool matchAnyKeyId, string description) : JwtKeySource
{
    internal override ValueTask<KeyLookup> FindAsync(string? keyId, CancellationToken cancellationToken) =>
        new(keys.Find(keyId, matchAnyKeyId, description));
}
