using System.Security.Cryptography;
using Slim.Mls.Hpke.Internal;

namespace Slim.Mls.Hpke;

/// <summary>
/// A key encapsulation mechanism (RFC 9180 section 4). Keys are handled in their serialized form. Implementations are
/// stateless and thread-safe.
/// </summary>
public abstract class Kem
{
    /// <summary>Lets another assembly supply an implementation (for example a post-quantum hybrid KEM).</summary>
    protected Kem()
    {
    }

    /// <summary>DHKEM(P-256, HKDF-SHA256).</summary>
    public static Kem DhKemP256 { get; } = new NistDhKem(KemId.DhKemP256Sha256);

    /// <summary>DHKEM(P-384, HKDF-SHA384).</summary>
    public static Kem DhKemP384 { get; } = new NistDhKem(KemId.DhKemP384Sha384);

    /// <summary>DHKEM(P-521, HKDF-SHA512).</summary>
    public static Kem DhKemP521 { get; } = new NistDhKem(KemId.DhKemP521Sha512);

    /// <summary>DHKEM(X25519, HKDF-SHA256).</summary>
    public static Kem DhKemX25519 { get; } = new MontgomeryDhKem(KemId.DhKemX25519Sha256);

    /// <summary>DHKEM(X448, HKDF-SHA512).</summary>
    public static Kem DhKemX448 { get; } = new MontgomeryDhKem(KemId.DhKemX448Sha512);

    /// <summary>The HPKE identifier.</summary>
    public abstract KemId Id { get; }

    /// <summary><c>Nsecret</c>: size of the KEM shared secret.</summary>
    public abstract int SharedSecretLength { get; }

    /// <summary><c>Nenc</c>: size of the encapsulated key.</summary>
    public abstract int EncapsulatedKeyLength { get; }

    /// <summary><c>Npk</c>: size of a serialized public key.</summary>
    public abstract int PublicKeyLength { get; }

    /// <summary><c>Nsk</c>: size of a serialized private key.</summary>
    public abstract int PrivateKeyLength { get; }

    /// <summary>Returns the implementation for an identifier.</summary>
    /// <exception cref="MlsException">The identifier is not implemented (<see cref="MlsErrorCode.UnsupportedCipherSuite"/>).</exception>
    public static Kem FromId(KemId id) => id switch
    {
        KemId.DhKemP256Sha256 => DhKemP256,
        KemId.DhKemP384Sha384 => DhKemP384,
        KemId.DhKemP521Sha512 => DhKemP521,
        KemId.DhKemX25519Sha256 => DhKemX25519,
        KemId.DhKemX448Sha512 => DhKemX448,
        _ => throw new MlsException(MlsErrorCode.UnsupportedCipherSuite, $"HPKE KEM 0x{(ushort)id:x4} is not supported."),
    };

    /// <summary>Generates a fresh random key pair.</summary>
    public abstract HpkeKeyPair GenerateKeyPair();

    /// <summary>Derives a key pair deterministically from input keying material (RFC 9180 section 7.1.3).</summary>
    /// <exception cref="MlsException"><see cref="MlsErrorCode.DeriveKeyPairFailed"/> (negligibly rare).</exception>
    public abstract HpkeKeyPair DeriveKeyPair(ReadOnlySpan<byte> ikm);

    /// <summary>Computes the serialized public key of a serialized private key.</summary>
    /// <exception cref="MlsException">The private key is invalid (<see cref="MlsErrorCode.InvalidKey"/>).</exception>
    public abstract byte[] GetPublicKey(ReadOnlySpan<byte> privateKey);

    /// <summary>True when <paramref name="publicKey"/> deserializes to a valid public key.</summary>
    public abstract bool IsValidPublicKey(ReadOnlySpan<byte> publicKey);

    /// <summary>
    /// <c>Encap(pkR)</c> with a fresh ephemeral key: writes the KEM shared secret into <paramref name="sharedSecret"/>
    /// (<see cref="SharedSecretLength"/> bytes) and returns <c>enc</c>.
    /// </summary>
    /// <exception cref="MlsException">The recipient key is invalid (<see cref="MlsErrorCode.InvalidKey"/>).</exception>
    public virtual byte[] Encap(ReadOnlySpan<byte> recipientPublicKey, Span<byte> sharedSecret)
    {
        using var ephemeral = GenerateKeyPair();
        return Encap(recipientPublicKey, ephemeral, sharedSecret);
    }

    /// <summary>
    /// <c>Decap(enc, skR)</c>: writes the KEM shared secret into <paramref name="sharedSecret"/>.
    /// </summary>
    /// <exception cref="MlsException">A key is invalid (<see cref="MlsErrorCode.InvalidKey"/>).</exception>
    public abstract void Decap(ReadOnlySpan<byte> encapsulatedKey, ReadOnlySpan<byte> recipientPrivateKey, Span<byte> sharedSecret);

    /// <summary>
    /// <c>Encap</c> with a caller-chosen ephemeral key pair. Only <see cref="Encap(ReadOnlySpan{byte}, Span{byte})"/>
    /// (fresh randomness) is safe for production; this exists for implementations and known-answer tests.
    /// </summary>
    protected abstract byte[] Encap(ReadOnlySpan<byte> recipientPublicKey, HpkeKeyPair ephemeral, Span<byte> sharedSecret);

    /// <summary>Deterministic Encap with the ephemeral key <c>DeriveKeyPair(ikmE)</c>, for RFC 9180 known-answer tests.</summary>
    internal byte[] EncapDeterministic(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> ikmE, Span<byte> sharedSecret)
    {
        using var ephemeral = DeriveKeyPair(ikmE);
        return Encap(recipientPublicKey, ephemeral, sharedSecret);
    }

    /// <summary>Wipes a secret buffer; for implementations.</summary>
    protected static void Wipe(Span<byte> secret) => CryptographicOperations.ZeroMemory(secret);
}
