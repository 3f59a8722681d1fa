using Slim.Identity.Internal;

namespace Slim.Identity.Signatures;

/// <summary>
/// Verifies signatures made by a peer's <see cref="SigningKey"/> from the public key its token advertises.
/// Never throws on malformed keys or signatures: they simply do not verify.
/// </summary>
public static class SignatureVerifier
{
    /// <summary>Size of an uncompressed P-256 public point (<c>04 || X || Y</c>).</summary>
    public const int EcdsaP256PublicKeySize = 65;

    /// <summary>Size of an Ed25519 public key.</summary>
    public const int Ed25519PublicKeySize = 32;

    /// <summary>
    /// True when this build can verify (and sign with) <paramref name="algorithm"/>. ECDSA P-256 always; Ed25519 once
    /// <c>Slim.Crypto</c> provides it.
    /// </summary>
    public static bool IsSupported(SignatureAlgorithm algorithm) => algorithm == SignatureAlgorithm.EcdsaP256Sha256;

    /// <summary>
    /// Infers the algorithm from a <c>pubkey</c> claim's decoded bytes: a 65-byte point starting with <c>0x04</c> is
    /// P-256, 32 bytes is Ed25519 (the encoding official SLIM uses for each). Anything else is unknown.
    /// </summary>
    public static bool TryDetectAlgorithm(ReadOnlySpan<byte> publicKey, out SignatureAlgorithm algorithm)
    {
        if (publicKey.Length == EcdsaP256PublicKeySize && publicKey[0] == 0x04)
        {
            algorithm = SignatureAlgorithm.EcdsaP256Sha256;
            return true;
        }

        if (publicKey.Length == Ed25519PublicKeySize)
        {
            algorithm = SignatureAlgorithm.Ed25519;
            return true;
        }

        algorithm = default;
        return false;
    }

    /// <summary>Verifies <paramref name="signature"/> over <paramref name="data"/> with <paramref name="publicKey"/>.</summary>
    /// <returns>True only when the key is well formed for <paramref name="algorithm"/>, the algorithm is supported and the signature matches.</returns>
    public static bool Verify(
        SignatureAlgorithm algorithm, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        algorithm switch
        {
            SignatureAlgorithm.EcdsaP256Sha256 => EcdsaP256SigningKey.Verify(publicKey, data, signature),
            _ => false,
        };
}
