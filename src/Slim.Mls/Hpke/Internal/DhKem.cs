namespace Slim.Mls.Hpke.Internal;

/// <summary>
/// DHKEM(Group, KDF) from RFC 9180 section 4.1, in base mode: the shared secret is
/// <c>ExtractAndExpand(DH(sk, pk), enc || pkRm)</c>. Subclasses supply the Diffie-Hellman group.
/// </summary>
internal abstract class DhKem : Kem
{
    private readonly byte[] _suiteId;

    protected DhKem(KemId id, Kdf kdf, int publicKeyLength, int privateKeyLength, int dhLength)
    {
        Id = id;
        KemKdf = kdf;
        PublicKeyLength = publicKeyLength;
        PrivateKeyLength = privateKeyLength;
        DhLength = dhLength;
        _suiteId = HpkeLabels.KemSuiteId(id);
    }

    public sealed override KemId Id { get; }

    public sealed override int SharedSecretLength => KemKdf.HashLength;

    public sealed override int EncapsulatedKeyLength => PublicKeyLength;

    public sealed override int PublicKeyLength { get; }

    public sealed override int PrivateKeyLength { get; }

    /// <summary>The KDF inside the KEM (it may differ from the HPKE suite's KDF).</summary>
    protected Kdf KemKdf { get; }

    /// <summary><c>Ndh</c>: size of a raw Diffie-Hellman output.</summary>
    protected int DhLength { get; }

    protected ReadOnlySpan<byte> SuiteId => _suiteId;

    public sealed override HpkeKeyPair DeriveKeyPair(ReadOnlySpan<byte> ikm)
    {
        Span<byte> dkpPrk = stackalloc byte[KemKdf.HashLength];
        try
        {
            HpkeLabels.LabeledExtract(KemKdf, SuiteId, [], "dkp_prk"u8, ikm, dkpPrk);
            return DeriveFromPrk(dkpPrk);
        }
        finally
        {
            Wipe(dkpPrk);
        }
    }

    /// <summary>The group-specific second half of DeriveKeyPair, from <c>dkp_prk</c>.</summary>
    protected abstract HpkeKeyPair DeriveFromPrk(ReadOnlySpan<byte> dkpPrk);

    /// <summary><c>ExtractAndExpand(dh, enc || pkRm)</c> into <paramref name="sharedSecret"/>.</summary>
    protected void ExtractAndExpand(ReadOnlySpan<byte> dh, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> recipientPublicKey, Span<byte> sharedSecret)
    {
        CheckSharedSecret(sharedSecret);
        Span<byte> kemContext = stackalloc byte[enc.Length + recipientPublicKey.Length];
        enc.CopyTo(kemContext);
        recipientPublicKey.CopyTo(kemContext[enc.Length..]);

        Span<byte> eaePrk = stackalloc byte[KemKdf.HashLength];
        try
        {
            HpkeLabels.LabeledExtract(KemKdf, SuiteId, [], "eae_prk"u8, dh, eaePrk);
            HpkeLabels.LabeledExpand(KemKdf, SuiteId, eaePrk, "shared_secret"u8, kemContext, sharedSecret);
        }
        finally
        {
            Wipe(eaePrk);
        }
    }

    protected void CheckSharedSecret(Span<byte> sharedSecret)
    {
        if (sharedSecret.Length != SharedSecretLength)
        {
            throw new ArgumentException($"The shared secret buffer must be {SharedSecretLength} bytes.", nameof(sharedSecret));
        }
    }

    protected void CheckPublicKeyLength(ReadOnlySpan<byte> publicKey, string what)
    {
        if (publicKey.Length != PublicKeyLength)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id} {what} must be {PublicKeyLength} bytes; got {publicKey.Length}.");
        }
    }

    protected void CheckPrivateKeyLength(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != PrivateKeyLength)
        {
            throw new MlsException(MlsErrorCode.InvalidKey, $"{Id} private keys must be {PrivateKeyLength} bytes; got {privateKey.Length}.");
        }
    }
}
