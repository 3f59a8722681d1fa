using Microsoft.IdentityModel.Tokens;
using Slim.Identity.Internal;
using Slim.Protocol;

namespace Slim.Identity.Jwt;

/// <summary>
/// The issuer key a <see cref="JwtIdentityProvider"/> signs its JWTs with: an EC (ES256/ES384/ES512 by curve) or
/// RSA (RS256) private key read from PEM. This is not the app's e2e signature key, whose public part the tokens
/// carry in their <c>pubkey</c> claim.
/// </summary>
public sealed class JwtSigningKey : IDisposable
{
    private readonly AsymmetricSecurityKey _key;

    private JwtSigningKey(AsymmetricSecurityKey key, string algorithm, string? keyId)
    {
        _key = key;
        _key.KeyId = keyId;
        Algorithm = algorithm;
        Credentials = new SigningCredentials(_key, algorithm);
    }

    /// <summary>The JWS <c>alg</c> of the tokens (ES256, ES384, ES512 or RS256).</summary>
    public string Algorithm { get; }

    /// <summary>The <c>kid</c> put in token headers, or null.</summary>
    public string? KeyId => _key.KeyId;

    internal SigningCredentials Credentials { get; }

    /// <summary>Reads an unencrypted EC (P-256/384/521) or RSA private key from PEM text.</summary>
    /// <param name="pem">The PEM text (<c>EC PRIVATE KEY</c>, <c>RSA PRIVATE KEY</c> or PKCS#8 <c>PRIVATE KEY</c>).</param>
    /// <param name="keyId">The <c>kid</c> to put in token headers (so JWKS verifiers pick the key), or null.</param>
    /// <exception cref="SlimIdentityException">No usable private key (<see cref="SlimErrorCode.IdentityKeyInvalid"/>).</exception>
    public static JwtSigningKey FromPem(string pem, string? keyId = null)
    {
        var (key, algorithm) = PemKeys.ReadSigningKey(pem);
        return new JwtSigningKey(key, algorithm, keyId);
    }

    /// <summary>Reads the key from a PEM file (see <see cref="FromPem"/>).</summary>
    /// <exception cref="SlimIdentityException">The file cannot be read or holds no usable private key.</exception>
    public static JwtSigningKey FromPemFile(string path, string? keyId = null) => FromPem(JwtKeySource.ReadFile(path), keyId);

    /// <inheritdoc />
    public void Dispose()
    {
        switch (_key)
        {
            case ECDsaSecurityKey ec:
                ec.ECDsa.Dispose();
                break;
            case RsaSecurityKey { Rsa: { } rsa }:
                rsa.Dispose();
                break;
        }
    }
}
