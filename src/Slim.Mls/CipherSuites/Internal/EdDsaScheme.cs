using System.Security.Cryptography;
using Slim.Crypto;

namespace Slim.Mls.CipherSuites.Internal;

/// <summary>Ed25519 and Ed448 over OpenSSL (Slim.Crypto). Private keys are RFC 8032 seeds.</summary>
internal sealed class EdDsaScheme : SignatureScheme
{
    private readonly CurveAlgorithm _curve;
    private readonly int _keyLength;

    public EdDsaScheme(SignatureSchemeId id)
    {
        Id = id;
        (_curve, _keyLength) = id == SignatureSchemeId.Ed25519 ? (CurveAlgorithm.Ed25519, 32) : (CurveAlgorithm.Ed448, 57);
    }

    public override SignatureSchemeId Id { get; }

    public override SignatureKeyPair GenerateKeyPair()
    {
        using var key = CurvePrivateKey.Generate(_curve);
        var seed = new byte[_keyLength];
        key.ExportPrivateKey(seed);
        return new SignatureKeyPair(seed, key.PublicKey.ToArray());
    }

    public override SignaturePrivateKey ImportPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != _keyLength)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id} private keys are {_keyLength} bytes; got {privateKey.Length}.");
        }

        try
        {
            return new PrivateKey(Id, CurvePrivateKey.Import(_curve, privateKey));
        }
        catch (CryptographicException e)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: the private key was refused.", e);
        }
    }

    public override SignaturePublicKey ImportPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != _keyLength)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id} public keys are {_keyLength} bytes; got {publicKey.Length}.");
        }

        try
        {
            return new PublicKey(Id, CurvePublicKey.Import(_curve, publicKey));
        }
        catch (CryptographicException e)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: the public key was refused.", e);
        }
    }

    private sealed class PrivateKey(SignatureSchemeId scheme, CurvePrivateKey key) : SignaturePrivateKey
    {
        public override SignatureSchemeId Scheme => scheme;

        public override ReadOnlySpan<byte> PublicKey => key.PublicKey;

        public override byte[] Sign(ReadOnlySpan<byte> message) => key.Sign(message);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                key.Dispose();
            }
        }
    }

    private sealed class PublicKey(SignatureSchemeId scheme, CurvePublicKey key) : SignaturePublicKey
    {
        public override SignatureSchemeId Scheme => scheme;

        public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) => key.Verify(message, signature);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                key.Dispose();
            }
        }
    }
}
