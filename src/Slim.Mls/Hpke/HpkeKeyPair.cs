using System.Security.Cryptography;

namespace Slim.Mls.Hpke;

/// <summary>
/// An HPKE key pair in serialized form (RFC 9180 <c>SerializePrivateKey</c> / <c>SerializePublicKey</c>).
/// <see cref="Dispose"/> wipes the private key.
/// </summary>
public sealed class HpkeKeyPair : IDisposable
{
    /// <summary>Wraps serialized keys; the arrays are owned by the key pair from now on.</summary>
    public HpkeKeyPair(byte[] privateKey, byte[] publicKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(publicKey);
        PrivateKey = privateKey;
        PublicKey = publicKey;
    }

    /// <summary>The serialized private key (<c>Nsk</c> bytes).</summary>
    public byte[] PrivateKey { get; }

    /// <summary>The serialized public key (<c>Npk</c> bytes).</summary>
    public byte[] PublicKey { get; }

    /// <summary>Wipes the private key.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(PrivateKey);
}
