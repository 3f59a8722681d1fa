using Slim.Mls.Hpke.Internal;

namespace Slim.Mls.Hpke;

/// <summary>
/// An AEAD algorithm (RFC 9180 section 4; RFC 5116): the ciphertext is the encrypted plaintext followed by the tag.
/// Implementations are stateless and thread-safe.
/// </summary>
public abstract class Aead
{
    /// <summary>Lets another assembly supply an implementation.</summary>
    protected Aead()
    {
    }

    /// <summary>AES-128-GCM.</summary>
    public static Aead Aes128Gcm { get; } = new AesGcmAead(AeadId.Aes128Gcm, 16);

    /// <summary>AES-256-GCM.</summary>
    public static Aead Aes256Gcm { get; } = new AesGcmAead(AeadId.Aes256Gcm, 32);

    /// <summary>ChaCha20-Poly1305.</summary>
    public static Aead ChaCha20Poly1305 { get; } = new ChaChaPolyAead();

    /// <summary>The export-only pseudo-AEAD (HPKE contexts built with it can only export).</summary>
    public static Aead ExportOnly { get; } = new ExportOnlyAead();

    /// <summary>The HPKE identifier.</summary>
    public abstract AeadId Id { get; }

    /// <summary><c>Nk</c>: key size in bytes.</summary>
    public abstract int KeyLength { get; }

    /// <summary><c>Nn</c>: nonce size in bytes.</summary>
    public abstract int NonceLength { get; }

    /// <summary><c>Nt</c>: tag size in bytes (the ciphertext is this much longer than the plaintext).</summary>
    public abstract int TagLength { get; }

    /// <summary>Returns the implementation for an identifier.</summary>
    /// <exception cref="MlsException">The identifier is not implemented, or the platform lacks the cipher.</exception>
    public static Aead FromId(AeadId id)
    {
        var aead = id switch
        {
            AeadId.Aes128Gcm => Aes128Gcm,
            AeadId.Aes256Gcm => Aes256Gcm,
            AeadId.ChaCha20Poly1305 => ChaCha20Poly1305,
            AeadId.ExportOnly => ExportOnly,
            _ => throw new MlsException(MlsErrorCode.UnsupportedCipherSuite, $"HPKE AEAD 0x{(ushort)id:x4} is not supported."),
        };
        return aead.IsSupported
            ? aead
            : throw new MlsException(MlsErrorCode.UnsupportedCipherSuite, $"AEAD {id} is not available on this platform.");
    }

    /// <summary>True when the platform provides this cipher.</summary>
    public abstract bool IsSupported { get; }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/>, which must be exactly
    /// <c>plaintext.Length + TagLength</c> bytes.
    /// </summary>
    public abstract void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext);

    /// <summary>
    /// Decrypts <paramref name="ciphertext"/> into <paramref name="plaintext"/> (exactly <c>ciphertext.Length - TagLength</c>
    /// bytes). Returns false, with <paramref name="plaintext"/> cleared, when authentication fails.
    /// </summary>
    public abstract bool TryOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext);

    /// <summary>Encrypts into a new array (plaintext length + tag).</summary>
    public byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext)
    {
        var ciphertext = new byte[plaintext.Length + TagLength];
        Seal(key, nonce, associatedData, plaintext, ciphertext);
        return ciphertext;
    }

    /// <summary>Decrypts into a new array.</summary>
    /// <exception cref="MlsException">Authentication failed (<see cref="MlsErrorCode.AeadDecryptFailed"/>).</exception>
    public byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length < TagLength)
        {
            throw new MlsException(MlsErrorCode.AeadDecryptFailed, "Ciphertext is shorter than the AEAD tag.");
        }

        var plaintext = new byte[ciphertext.Length - TagLength];
        return TryOpen(key, nonce, associatedData, ciphertext, plaintext)
            ? plaintext
            : throw new MlsException(MlsErrorCode.AeadDecryptFailed, "AEAD authentication failed.");
    }
}
