using Slim.Mls.CipherSuites.Internal;

namespace Slim.Mls.CipherSuites;

/// <summary>
/// A signature algorithm of a cipher suite (RFC 9420 section 5.1.2): ECDSA signatures are DER-encoded, EdDSA
/// signatures are <c>R || S</c>. Stateless and thread-safe.
/// </summary>
public abstract class SignatureScheme
{
    /// <summary>For implementations (a hardware-backed signer, for example).</summary>
    protected SignatureScheme()
    {
    }

    /// <summary>Ed25519.</summary>
    public static SignatureScheme Ed25519 { get; } = new EdDsaScheme(SignatureSchemeId.Ed25519);

    /// <summary>Ed448.</summary>
    public static SignatureScheme Ed448 { get; } = new EdDsaScheme(SignatureSchemeId.Ed448);

    /// <summary>ECDSA P-256 with SHA-256.</summary>
    public static SignatureScheme EcdsaP256 { get; } = new EcdsaScheme(SignatureSchemeId.EcdsaSecp256r1Sha256);

    /// <summary>ECDSA P-384 with SHA-384.</summary>
    public static SignatureScheme EcdsaP384 { get; } = new EcdsaScheme(SignatureSchemeId.EcdsaSecp384r1Sha384);

    /// <summary>ECDSA P-521 with SHA-512.</summary>
    public static SignatureScheme EcdsaP521 { get; } = new EcdsaScheme(SignatureSchemeId.EcdsaSecp521r1Sha512);

    /// <summary>The TLS code point.</summary>
    public abstract SignatureSchemeId Id { get; }

    /// <summary>Generates a fresh key pair.</summary>
    public abstract SignatureKeyPair GenerateKeyPair();

    /// <summary>Parses a private key for repeated signing.</summary>
    /// <exception cref="MlsException">The key is malformed (<see cref="MlsErrorCode.InvalidKey"/>).</exception>
    public abstract SignaturePrivateKey ImportPrivateKey(ReadOnlySpan<byte> privateKey);

    /// <summary>Parses a public key for repeated verification.</summary>
    /// <exception cref="MlsException">The key is malformed or not on the curve (<see cref="MlsErrorCode.InvalidKey"/>).</exception>
    public abstract SignaturePublicKey ImportPublicKey(ReadOnlySpan<byte> publicKey);

    /// <summary>Computes the public key of a private key.</summary>
    public byte[] GetPublicKey(ReadOnlySpan<byte> privateKey)
    {
        using var key = ImportPrivateKey(privateKey);
        return key.PublicKey.ToArray();
    }

    /// <summary>One-shot signature with a serialized private key.</summary>
    public virtual byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> message)
    {
        using var key = ImportPrivateKey(privateKey);
        return key.Sign(message);
    }

    /// <summary>One-shot verification with a serialized public key; false for a malformed key or signature.</summary>
    public virtual bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        SignaturePublicKey key;
        try
        {
            key = ImportPublicKey(publicKey);
        }
        catch (MlsException)
        {
            return false;
        }

        using (key)
        {
            return key.Verify(message, signature);
        }
    }
}
