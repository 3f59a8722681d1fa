namespace Slim.Crypto;

/// <summary>The four Curve25519/Curve448 algorithms this library exposes (RFC 7748 key agreement, RFC 8032 signatures).</summary>
public enum CurveAlgorithm
{
    /// <summary>X25519 Diffie-Hellman (RFC 7748): 32-byte keys and shared secrets.</summary>
    X25519 = 1,

    /// <summary>X448 Diffie-Hellman (RFC 7748): 56-byte keys and shared secrets.</summary>
    X448 = 2,

    /// <summary>Ed25519 signatures (RFC 8032): 32-byte seed and public key, 64-byte signature.</summary>
    Ed25519 = 3,

    /// <summary>Ed448 signatures (RFC 8032, empty context): 57-byte seed and public key, 114-byte signature.</summary>
    Ed448 = 4,
}
