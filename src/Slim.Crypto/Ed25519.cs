using Slim.Crypto.Internal;

namespace Slim.Crypto;

/// <summary>
/// Ed25519 signatures (RFC 8032) backed by OpenSSL libcrypto.
/// Private keys are the 32-byte RFC 8032 seed; public keys are 32 bytes; signatures are 64 bytes.
/// For repeated use of one key, prefer <see cref="CurvePrivateKey"/> and <see cref="CurvePublicKey"/>.
/// </summary>
public static class Ed25519
{
    /// <summary>Size in bytes of a private key (seed).</summary>
    public const int PrivateKeySize = 32;

    /// <summary>Size in bytes of a public key.</summary>
    public const int PublicKeySize = 32;

    /// <summary>Size in bytes of a signature.</summary>
    public const int SignatureSize = 64;

    /// <summary>Returns a fresh random private key (seed).</summary>
    public static byte[] GeneratePrivateKey() => CurveOps.Random(PrivateKeySize);

    /// <summary>Computes the public key for a private key.</summary>
    public static byte[] GetPublicKey(ReadOnlySpan<byte> privateKey) => CurveOps.GetPublicKey(CurveInfo.Ed25519, privateKey);

    /// <summary>Signs <paramref name="message"/> and returns the signature.</summary>
    public static byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> message)
    {
        var signature = new byte[SignatureSize];
        Sign(privateKey, message, signature);
        return signature;
    }

    /// <summary>Signs <paramref name="message"/> into <paramref name="destination"/> (64 bytes).</summary>
    public static void Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> message, Span<byte> destination) =>
        CurveOps.Sign(CurveInfo.Ed25519, privateKey, message, destination);

    /// <summary>Verifies a signature; returns false for a wrong, malformed or wrongly sized signature or key.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        CurveOps.Verify(CurveInfo.Ed25519, publicKey, message, signature);
}
