using System.Security.Cryptography;
using Slim.Crypto;
using Slim.Identity.Signatures;
using Slim.Protocol;

namespace Slim.Identity.Internal;

/// <summary>ECDSA on P-256 with SHA-256, DER signatures: the official SLIM v2 app key.</summary>
internal sealed class EcdsaP256SigningKey : SigningKey
{
    private const int CoordinateSize = 32;
    private const int MaxDerSignatureSize = 72;

    private readonly ECDsa _ecdsa;
    private readonly byte[] _publicKey;
    private readonly Lock _gate = new();
    private bool _disposed;

    private EcdsaP256SigningKey(ECDsa ecdsa)
    {
        _ecdsa = ecdsa;
        var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
        _publicKey = new byte[SignatureVerifier.EcdsaP256PublicKeySize];
        _publicKey[0] = 0x04;
        parameters.Q.X.AsSpan().CopyTo(_publicKey.AsSpan(1, CoordinateSize));
        parameters.Q.Y.AsSpan().CopyTo(_publicKey.AsSpan(1 + CoordinateSize, CoordinateSize));
    }

    public override SignatureAlgorithm Algorithm => SignatureAlgorithm.EcdsaP256Sha256;

    public override ReadOnlyMemory<byte> PublicKey => _publicKey;

    public static EcdsaP256SigningKey CreateRandom() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static EcdsaP256SigningKey CreateFromScalar(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != CoordinateSize)
        {
            throw new SlimIdentityException(
                SlimErrorCode.IdentityKeyInvalid, $"A P-256 private key is {CoordinateSize} bytes; got {privateKey.Length}.");
        }

        var d = privateKey.ToArray();
        try
        {
            var ecdsa = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d });
            return new EcdsaP256SigningKey(ecdsa);
        }
        catch (CryptographicException ex)
        {
            throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, "The bytes are not a valid P-256 private key.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(d);
        }
    }

    public static EcdsaP256SigningKey CreateFromPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
            var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
            if (parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, "The PEM key is not on the P-256 curve.");
            }

            // A public-only PEM imports fine; signing needs the private scalar.
            if (!HasPrivateKey(ecdsa))
            {
                throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, "The PEM holds no private key.");
            }

            return new EcdsaP256SigningKey(ecdsa);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            ecdsa.Dispose();
            throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, "The PEM holds no readable EC private key.", ex);
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
    }

    public override byte[] Sign(ReadOnlySpan<byte> data)
    {
        Span<byte> signature = stackalloc byte[MaxDerSignatureSize];
        int written;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_ecdsa.TrySignData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence, out written))
            {
                throw new CryptographicException("The ECDSA signature did not fit its maximum DER size.");
            }
        }

        return signature[..written].ToArray();
    }

    public override byte[] ExportPrivateKey()
    {
        ECParameters parameters;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            parameters = _ecdsa.ExportParameters(includePrivateParameters: true);
        }

        return parameters.D!;
    }

    /// <summary>Verifies a DER ECDSA-P256-SHA256 signature; false for any malformed key or signature.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != SignatureVerifier.EcdsaP256PublicKeySize || publicKey[0] != 0x04 ||
            signature.Length == 0 || signature.Length > MaxDerSignatureSize)
        {
            return false;
        }

        if (EcdsaPublicKey.IsSupported)
        {
            // OpenSSL directly: decode and on-curve check, without the BCL's full order check on every import (most
            // of the cost of verifying a header signature, since each message brings its key in a token).
            if (!EcdsaPublicKey.TryImport(EcCurve.P256, publicKey, out var key))
            {
                return false;
            }

            using (key)
            {
                return key.VerifyData(data, signature, HashAlgorithmName.SHA256);
            }
        }

        try
        {
            using var ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint
                {
                    X = publicKey.Slice(1, CoordinateSize).ToArray(),
                    Y = publicKey.Slice(1 + CoordinateSize, CoordinateSize).ToArray(),
                },
            });
            return ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            // Point not on the curve, or a signature the DER reader rejects.
            return false;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                if (!_disposed)
                {
                    _disposed = true;
                    _ecdsa.Dispose();
                }
            }
        }

        base.Dispose(disposing);
    }

    private static bool HasPrivateKey(ECDsa ecdsa)
    {
        try
        {
            var d = ecdsa.ExportParameters(includePrivateParameters: true).D;
            if (d is null)
            {
                return false;
            }

            CryptographicOperations.ZeroMemory(d);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
