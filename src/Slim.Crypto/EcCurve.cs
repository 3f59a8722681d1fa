namespace Slim.Crypto;

/// <summary>The NIST prime curves offered by <see cref="EcdhPrivateKey"/>.</summary>
public enum EcCurve
{
    /// <summary>P-256 (secp256r1): 32-byte scalars and coordinates.</summary>
    P256 = 1,

    /// <summary>P-384 (secp384r1): 48-byte scalars and coordinates.</summary>
    P384 = 2,

    /// <summary>P-521 (secp521r1): 66-byte scalars and coordinates.</summary>
    P521 = 3,
}
