using System.Security.Cryptography;
using Slim.Crypto.Internal;

namespace Slim.Crypto;

/// <summary>
/// X25519 Diffie-Hellman (RFC 7748) backed by OpenSSL libcrypto.
/// Private keys are 32 arbitrary bytes (clamping happens inside the function); public keys are 32 bytes.
/// </summary>
public static class X25519
{
    /// <summary>Size in bytes of private keys, public keys and shared secrets.</summary>
    public const int KeySize = 32;

    /// <summary>Returns a fresh random private key.</summary>
    public static byte[] GeneratePrivateKey() => CurveOps.Random(KeySize);

    /// <summary>Computes the public key X25519(k, 9) for a private key.</summary>
    public static byte[] GetPublicKey(ReadOnlySpan<byte> privateKey) => CurveOps.GetPublicKey(CurveInfo.X25519, privateKey);

    /// <summary>
    /// Computes the shared secret X25519(privateKey, peerPublicKey).
    /// Throws <see cref="CryptographicException"/> when the result is all zero (a low-order peer key).
    /// </summary>
    public static byte[] Agree(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey)
    {
        var shared = new byte[KeySize];
        Agree(privateKey, peerPublicKey, shared);
        return shared;
    }

    /// <summary>Computes the shared secret into <paramref name="destination"/> (32 bytes).</summary>
    public static void Agree(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey, Span<byte> destination) =>
        CurveOps.Agree(CurveInfo.X25519, privateKey, peerPublicKey, destination);
}
