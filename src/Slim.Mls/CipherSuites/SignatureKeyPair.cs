using System.Security.Cryptography;

namespace Slim.Mls.CipherSuites;

/// <summary>
/// A signature key pair in MLS form: the private key is the raw scalar (ECDSA) or seed (EdDSA), the public key the
/// <c>SignaturePublicKey</c> bytes (uncompressed point or RFC 8032 key). <see cref="Dispose"/> wipes the private key.
/// </summary>
public sealed class SignatureKeyPair : IDisposable
{
    /// <summary>Wraps serialized keys; the arrays are owned by the key pair from now on.</summary>
    public SignatureKeyPair(byte[] privateKey, byte[] publicKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(publicKey);
        PrivateKey = privateKey;
        PublicKey = publicKey;
    }

    /// <summary>The serialized private key.</summary>
    public byte[] PrivateKey { get; }

    /// <summary>The serialized public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>Wipes the private key.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(PrivateKey);
}
