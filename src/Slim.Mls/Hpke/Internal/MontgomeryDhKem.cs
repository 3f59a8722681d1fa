using System.Security.Cryptography;
using Slim.Crypto;

namespace Slim.Mls.Hpke.Internal;

/// <summary>DHKEM(X25519, HKDF-SHA256) and DHKEM(X448, HKDF-SHA512) over OpenSSL (Slim.Crypto).</summary>
internal sealed class MontgomeryDhKem : DhKem
{
    private readonly CurveAlgorithm _curve;

    public MontgomeryDhKem(KemId id)
        : base(id, id == KemId.DhKemX25519Sha256 ? Kdf.HkdfSha256 : Kdf.HkdfSha512, Size(id), Size(id), Size(id))
    {
        _curve = id == KemId.DhKemX25519Sha256 ? CurveAlgorithm.X25519 : CurveAlgorithm.X448;
    }

    public override HpkeKeyPair GenerateKeyPair()
    {
        using var key = CurvePrivateKey.Generate(_curve);
        var priv = new byte[PrivateKeyLength];
        key.ExportPrivateKey(priv);
        return new HpkeKeyPair(priv, key.PublicKey.ToArray());
    }

    public override byte[] GetPublicKey(ReadOnlySpan<byte> privateKey)
    {
        CheckPrivateKeyLength(privateKey);
        using var key = Import(privateKey);
        return key.PublicKey.ToArray();
    }

    // Every 32/56-byte string is a valid u-coordinate; low-order points are caught when the DH output is all zero.
    public override bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) => publicKey.Length == PublicKeyLength;

    public override byte[] Encap(ReadOnlySpan<byte> recipientPublicKey, Span<byte> sharedSecret)
    {
        // One key object for the ephemeral key: its public half is computed once and reused as enc.
        using var ephemeral = CurvePrivateKey.Generate(_curve);
        return EncapWith(ephemeral, recipientPublicKey, sharedSecret);
    }

    protected override byte[] Encap(ReadOnlySpan<byte> recipientPublicKey, HpkeKeyPair ephemeral, Span<byte> sharedSecret)
    {
        using var key = Import(ephemeral.PrivateKey);
        return EncapWith(key, recipientPublicKey, sharedSecret);
    }

    public override void Decap(ReadOnlySpan<byte> encapsulatedKey, ReadOnlySpan<byte> recipientPrivateKey, Span<byte> sharedSecret)
    {
        CheckSharedSecret(sharedSecret);
        CheckPublicKeyLength(encapsulatedKey, "encapsulated keys");
        CheckPrivateKeyLength(recipientPrivateKey);
        using var key = Import(recipientPrivateKey);
        Span<byte> dh = stackalloc byte[DhLength];
        try
        {
            Agree(key, encapsulatedKey, dh);
            ExtractAndExpand(dh, encapsulatedKey, key.PublicKey, sharedSecret);
        }
        finally
        {
            Wipe(dh);
        }
    }

    protected override HpkeKeyPair DeriveFromPrk(ReadOnlySpan<byte> dkpPrk)
    {
        // RFC 9180 section 7.1.3: sk = LabeledExpand(dkp_prk, "sk", "", Nsk); the stored key is not clamped.
        var priv = new byte[PrivateKeyLength];
        HpkeLabels.LabeledExpand(KemKdf, SuiteId, dkpPrk, "sk"u8, [], priv);
        return new HpkeKeyPair(priv, GetPublicKey(priv));
    }

    private byte[] EncapWith(CurvePrivateKey ephemeral, ReadOnlySpan<byte> recipientPublicKey, Span<byte> sharedSecret)
    {
        CheckSharedSecret(sharedSecret);
        CheckPublicKeyLength(recipientPublicKey, "public keys");
        Span<byte> dh = stackalloc byte[DhLength];
        try
        {
            Agree(ephemeral, recipientPublicKey, dh);
            var enc = ephemeral.PublicKey.ToArray();
            ExtractAndExpand(dh, enc, recipientPublicKey, sharedSecret);
            return enc;
        }
        finally
        {
            Wipe(dh);
        }
    }

    private void Agree(CurvePrivateKey key, ReadOnlySpan<byte> peer, Span<byte> dh)
    {
        try
        {
            key.Agree(peer, dh);
        }
        catch (CryptographicException e)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: Diffie-Hellman with the peer key failed (low-order point).", e);
        }
    }

    private CurvePrivateKey Import(ReadOnlySpan<byte> privateKey)
    {
        try
        {
            return CurvePrivateKey.Import(_curve, privateKey);
        }
        catch (CryptographicException e)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id}: the private key was refused.", e);
        }
    }

    private static int Size(KemId id) => id == KemId.DhKemX25519Sha256 ? 32 : 56;
}
