using System.Security.Cryptography;
using Slim.Crypto;
using Slim.Mls.Internal;

namespace Slim.Mls.CipherSuites.Internal;

/// <summary>
/// ECDSA over the NIST curves. MLS (through TLS 1.3) encodes signatures as DER <c>SEQUENCE { r INTEGER, s INTEGER }</c>,
/// not the IEEE P1363 <c>r || s</c> the BCL produces by default, so every BCL call passes
/// <see cref="DSASignatureFormat.Rfc3279DerSequence"/>. Signing uses the BCL. Verification keys come from
/// <see cref="EcdsaPublicKey"/> (OpenSSL 3, decode plus on-curve check) when available: the BCL's import adds a full
/// order check that costs several times the decode, and members import a key for every leaf they validate.
/// </summary>
internal sealed class EcdsaScheme : SignatureScheme
{
    private const DSASignatureFormat Format = DSASignatureFormat.Rfc3279DerSequence;

    private readonly NistCurve _curve;
    private readonly EcCurve _ecCurve;
    private readonly HashAlgorithmName _hash;

    public EcdsaScheme(SignatureSchemeId id)
    {
        Id = id;
        (_curve, _ecCurve, _hash) = id switch
        {
            SignatureSchemeId.EcdsaSecp256r1Sha256 => (NistCurve.P256, EcCurve.P256, HashAlgorithmName.SHA256),
            SignatureSchemeId.EcdsaSecp384r1Sha384 => (NistCurve.P384, EcCurve.P384, HashAlgorithmName.SHA384),
            _ => (NistCurve.P521, EcCurve.P521, HashAlgorithmName.SHA512),
        };
    }

    public override SignatureSchemeId Id { get; }

    public override SignatureKeyPair GenerateKeyPair()
    {
        using var ecdsa = ECDsa.Create(_curve.Curve);
        var parameters = ecdsa.ExportParameters(includePrivateParameters: true);
        try
        {
            return new SignatureKeyPair(_curve.PadScalar(parameters.D), _curve.SerializePoint(parameters.Q));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    public override SignaturePrivateKey ImportPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        // Accept scalars whose leading zero bytes were dropped by another implementation.
        if (privateKey.Length > _curve.CoordinateLength || privateKey.IsEmpty)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id} private keys are {_curve.CoordinateLength} bytes; got {privateKey.Length}.");
        }

        var d = _curve.PadScalar(privateKey);
        try
        {
            if (!_curve.IsValidScalar(d))
            {
                throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: the private key is zero or not below the group order.");
            }

            var ecdsa = ECDsa.Create(new ECParameters { Curve = _curve.Curve, D = d });
            return new PrivateKey(this, ecdsa, _curve.SerializePoint(ecdsa.ExportParameters(includePrivateParameters: false).Q));
        }
        catch (CryptographicException e)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: the private key was refused.", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(d);
        }
    }

    public override SignaturePublicKey ImportPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (!_curve.TryParsePointLenient(publicKey, out var parameters))
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id} public keys are {_curve.PointLength}-byte uncompressed points.");
        }

        if (EcdsaPublicKey.IsSupported)
        {
            return EcdsaPublicKey.TryImport(_ecCurve, _curve.SerializePoint(parameters.Q), out var native)
                ? new NativePublicKey(this, native)
                : throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: the public key is not a point on the curve.");
        }

        try
        {
            return new PublicKey(this, ECDsa.Create(parameters));
        }
        catch (CryptographicException e)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: the public key is not a point on the curve.", e);
        }
    }

    private sealed class PrivateKey(EcdsaScheme scheme, ECDsa key, byte[] publicKey) : SignaturePrivateKey
    {
        public override SignatureSchemeId Scheme => scheme.Id;

        public override ReadOnlySpan<byte> PublicKey => publicKey;

        public override byte[] Sign(ReadOnlySpan<byte> message) => key.SignData(message, scheme._hash, Format);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                key.Dispose();
            }
        }
    }

    private sealed class NativePublicKey(EcdsaScheme scheme, EcdsaPublicKey key) : SignaturePublicKey
    {
        public override SignatureSchemeId Scheme => scheme.Id;

        public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) => key.VerifyData(message, signature, scheme._hash);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                key.Dispose();
            }
        }
    }

    private sealed class PublicKey(EcdsaScheme scheme, ECDsa key) : SignaturePublicKey
    {
        public override SignatureSchemeId Scheme => scheme.Id;

        public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
        {
            try
            {
                return key.VerifyData(message, signature, scheme._hash, Format);
            }
            catch (CryptographicException)
            {
                return false; // malformed DER
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                key.Dispose();
            }
        }
    }
}
