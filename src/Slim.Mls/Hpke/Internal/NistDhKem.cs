using System.Security.Cryptography;
using Slim.Crypto;
using Slim.Mls.Internal;

namespace Slim.Mls.Hpke.Internal;

/// <summary>
/// DHKEM over P-256, P-384 and P-521. Public keys are uncompressed SEC1 points (<c>04 || X || Y</c>); private keys are
/// big-endian scalars of the field size; DH outputs the x-coordinate.
/// </summary>
/// <remarks>
/// With OpenSSL 3 the key operations go through <see cref="EcdhPrivateKey"/>, which validates peer points partially
/// (on the curve, as RFC 9180 section 7.1.4 asks for prime-order curves). The BCL path, used otherwise, runs OpenSSL's
/// full key check on every import and derive (extra scalar multiplications), so it costs two to three times as much (measured on P-256 seal and open).
/// </remarks>
internal sealed class NistDhKem : DhKem
{
    private readonly NistCurve _curve;
    private readonly EcCurve _ecCurve;
    private readonly byte _bitmask;
    private readonly bool _openSsl;

    public NistDhKem(KemId id, bool preferOpenSsl = true)
        : base(id, KdfFor(id), CurveFor(id).PointLength, CurveFor(id).CoordinateLength, CurveFor(id).CoordinateLength)
    {
        _curve = CurveFor(id);
        _ecCurve = id switch
        {
            KemId.DhKemP256Sha256 => EcCurve.P256,
            KemId.DhKemP384Sha384 => EcCurve.P384,
            _ => EcCurve.P521,
        };
        _openSsl = preferOpenSsl && EcdhPrivateKey.IsSupported;

        // RFC 9180 section 7.1.3: the first candidate byte is masked so P-521 candidates have 521 bits.
        _bitmask = id == KemId.DhKemP521Sha512 ? (byte)0x01 : (byte)0xFF;
    }

    /// <summary>True when this instance uses the OpenSSL 3 fast path.</summary>
    internal bool UsesOpenSsl => _openSsl;

    public override HpkeKeyPair GenerateKeyPair()
    {
        if (_openSsl)
        {
            using var key = EcdhPrivateKey.Generate(_ecCurve);
            var priv = new byte[PrivateKeyLength];
            key.ExportPrivateKey(priv);
            return new HpkeKeyPair(priv, key.PublicKey.ToArray());
        }

        using var ecdh = ECDiffieHellman.Create(_curve.Curve);
        var parameters = ecdh.ExportParameters(includePrivateParameters: true);
        try
        {
            return new HpkeKeyPair(_curve.PadScalar(parameters.D), _curve.SerializePoint(parameters.Q));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    public override byte[] GetPublicKey(ReadOnlySpan<byte> privateKey)
    {
        if (_openSsl)
        {
            using var key = ImportOpenSsl(privateKey);
            return key.PublicKey.ToArray();
        }

        using var ecdh = ImportPrivate(privateKey);
        return _curve.SerializePoint(ecdh.ExportParameters(includePrivateParameters: false).Q);
    }

    // Partial public-key validation (coordinates in range, point on the curve) done arithmetically: importing the
    // key into the platform costs far more, and a group checks one key per member when it validates a tree.
    public override bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) =>
        publicKey.Length == PublicKeyLength && publicKey[0] == 0x04 && _curve.IsOnCurve(publicKey);

    public override byte[] Encap(ReadOnlySpan<byte> recipientPublicKey, Span<byte> sharedSecret)
    {
        CheckSharedSecret(sharedSecret);
        if (_openSsl)
        {
            using var key = EcdhPrivateKey.Generate(_ecCurve);
            return FinishOpenSsl(key, recipientPublicKey, key.PublicKey, recipientPublicKey, sharedSecret);
        }

        using var peer = ImportPublic(recipientPublicKey);
        using var ephemeral = ECDiffieHellman.Create(_curve.Curve);
        var enc = _curve.SerializePoint(ephemeral.ExportParameters(includePrivateParameters: false).Q);
        Finish(ephemeral, peer, enc, recipientPublicKey, sharedSecret);
        return enc;
    }

    protected override byte[] Encap(ReadOnlySpan<byte> recipientPublicKey, HpkeKeyPair ephemeral, Span<byte> sharedSecret)
    {
        CheckSharedSecret(sharedSecret);
        if (_openSsl)
        {
            using var fast = ImportOpenSsl(ephemeral.PrivateKey);
            return FinishOpenSsl(fast, recipientPublicKey, fast.PublicKey, recipientPublicKey, sharedSecret);
        }

        using var peer = ImportPublic(recipientPublicKey);
        using var key = ImportPrivate(ephemeral.PrivateKey);
        var enc = _curve.SerializePoint(key.ExportParameters(includePrivateParameters: false).Q);
        Finish(key, peer, enc, recipientPublicKey, sharedSecret);
        return enc;
    }

    public override void Decap(ReadOnlySpan<byte> encapsulatedKey, ReadOnlySpan<byte> recipientPrivateKey, Span<byte> sharedSecret)
    {
        CheckSharedSecret(sharedSecret);
        if (_openSsl)
        {
            using var fast = ImportOpenSsl(recipientPrivateKey);
            FinishOpenSsl(fast, encapsulatedKey, encapsulatedKey, fast.PublicKey, sharedSecret);
            return;
        }

        using var peer = ImportPublic(encapsulatedKey);
        using var key = ImportPrivate(recipientPrivateKey);
        var pkRm = _curve.SerializePoint(key.ExportParameters(includePrivateParameters: false).Q);
        Finish(key, peer, encapsulatedKey, pkRm, sharedSecret);
    }

    protected override HpkeKeyPair DeriveFromPrk(ReadOnlySpan<byte> dkpPrk)
    {
        // RFC 9180 section 7.1.3: rejection sampling over candidate scalars, first byte masked.
        var candidate = new byte[PrivateKeyLength];
        Span<byte> counter = stackalloc byte[1];
        for (var i = 0; i <= 255; i++)
        {
            counter[0] = (byte)i;
            HpkeLabels.LabeledExpand(KemKdf, SuiteId, dkpPrk, "candidate"u8, counter, candidate);
            candidate[0] &= _bitmask;
            if (_curve.IsValidScalar(candidate))
            {
                return new HpkeKeyPair(candidate, GetPublicKey(candidate));
            }
        }

        CryptographicOperations.ZeroMemory(candidate);
        throw new MlsException(MlsErrorCode.DeriveKeyPairFailed, $"{Id}: no valid scalar among 256 candidates.");
    }

    // DH(key, peer), then ExtractAndExpand(dh, enc || pkRm); returns enc.
    private byte[] FinishOpenSsl(EcdhPrivateKey key, ReadOnlySpan<byte> peer, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> pkRm, Span<byte> sharedSecret)
    {
        CheckPublicKeyLength(peer, "public keys");
        if (peer[0] != 0x04)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: public keys must be uncompressed points (04 || X || Y).");
        }

        Span<byte> dh = stackalloc byte[DhLength];
        try
        {
            key.Agree(peer, dh);
            ExtractAndExpand(dh, enc, pkRm, sharedSecret);
            return enc.ToArray();
        }
        catch (CryptographicException e)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: the public key is not a point on the curve.", e);
        }
        finally
        {
            Wipe(dh);
        }
    }

    private EcdhPrivateKey ImportOpenSsl(ReadOnlySpan<byte> privateKey)
    {
        CheckPrivateKeyLength(privateKey);
        if (!_curve.IsValidScalar(privateKey))
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: the private key is zero or not below the group order.");
        }

        try
        {
            return EcdhPrivateKey.Import(_ecCurve, privateKey);
        }
        catch (CryptographicException e)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: the private key was refused.", e);
        }
    }

    private void Finish(ECDiffieHellman key, ECDiffieHellman peer, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> pkRm, Span<byte> sharedSecret)
    {
        using var peerPublic = peer.PublicKey;
        byte[] dh;
        try
        {
            dh = key.DeriveRawSecretAgreement(peerPublic);
        }
        catch (CryptographicException e)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: Diffie-Hellman failed.", e);
        }

        try
        {
            ExtractAndExpand(dh, enc, pkRm, sharedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    private ECDiffieHellman ImportPrivate(ReadOnlySpan<byte> privateKey)
    {
        CheckPrivateKeyLength(privateKey);
        if (!_curve.IsValidScalar(privateKey))
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: the private key is zero or not below the group order.");
        }

        var d = privateKey.ToArray();
        try
        {
            return ECDiffieHellman.Create(new ECParameters { Curve = _curve.Curve, D = d });
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

    private ECDiffieHellman ImportPublic(ReadOnlySpan<byte> publicKey)
    {
        CheckPublicKeyLength(publicKey, "public keys");
        if (!_curve.TryParsePoint(publicKey, out var parameters))
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: public keys must be uncompressed points (04 || X || Y).");
        }

        try
        {
            // Importing checks that the coordinates are in range and the point is on the curve (partial validation).
            return ECDiffieHellman.Create(parameters);
        }
        catch (CryptographicException e)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: the public key is not a point on the curve.", e);
        }
    }

    private static NistCurve CurveFor(KemId id) => id switch
    {
        KemId.DhKemP256Sha256 => NistCurve.P256,
        KemId.DhKemP384Sha384 => NistCurve.P384,
        _ => NistCurve.P521,
    };

    private static Kdf KdfFor(KemId id) => id switch
    {
        KemId.DhKemP256Sha256 => Kdf.HkdfSha256,
        KemId.DhKemP384Sha384 => Kdf.HkdfSha384,
        _ => Kdf.HkdfSha512,
    };
}
