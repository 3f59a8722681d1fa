using System.Security.Cryptography;
using Slim.Mls.Hpke.Internal;

namespace Slim.Mls.Hpke;

/// <summary>
/// An HPKE cipher suite (KEM, KDF, AEAD) in base mode (RFC 9180 section 5.1.1): <c>SetupBaseS</c>/<c>SetupBaseR</c>,
/// single-shot <c>SealBase</c>/<c>OpenBase</c> and secret export. Thread-safe; contexts are not.
/// </summary>
/// <remarks>The PSK and authenticated modes are not implemented: MLS uses base mode only.</remarks>
public sealed class HpkeSuite
{
    private const byte ModeBase = 0x00;

    private readonly byte[] _suiteId;

    /// <summary>Combines three primitives into a suite.</summary>
    public HpkeSuite(Kem kem, Kdf kdf, Aead aead)
    {
        ArgumentNullException.ThrowIfNull(kem);
        ArgumentNullException.ThrowIfNull(kdf);
        ArgumentNullException.ThrowIfNull(aead);
        Kem = kem;
        Kdf = kdf;
        Aead = aead;
        _suiteId = HpkeLabels.HpkeSuiteId(kem.Id, kdf.Id, aead.Id);
    }

    /// <summary>The KEM.</summary>
    public Kem Kem { get; }

    /// <summary>The KDF of the key schedule (the KEM has its own).</summary>
    public Kdf Kdf { get; }

    /// <summary>The AEAD.</summary>
    public Aead Aead { get; }

    /// <summary>Builds a suite from RFC 9180 identifiers.</summary>
    /// <exception cref="MlsException">An identifier is not supported (<see cref="MlsErrorCode.UnsupportedCipherSuite"/>).</exception>
    public static HpkeSuite Create(KemId kem, KdfId kdf, AeadId aead) => new(Kem.FromId(kem), Kdf.FromId(kdf), Aead.FromId(aead));

    /// <summary><c>SetupBaseS(pkR, info)</c>: encapsulates to the recipient and returns the sender context.</summary>
    public HpkeContext SetupBaseS(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, out byte[] encapsulatedKey)
    {
        Span<byte> shared = stackalloc byte[Kem.SharedSecretLength];
        try
        {
            encapsulatedKey = Kem.Encap(recipientPublicKey, shared);
            return CreateContext(shared, info, isSender: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary><c>SetupBaseR(enc, skR, info)</c>: decapsulates and returns the recipient context.</summary>
    /// <exception cref="MlsException">A key is invalid (<see cref="MlsErrorCode.InvalidKey"/>).</exception>
    public HpkeContext SetupBaseR(ReadOnlySpan<byte> encapsulatedKey, ReadOnlySpan<byte> recipientPrivateKey, ReadOnlySpan<byte> info)
    {
        Span<byte> shared = stackalloc byte[Kem.SharedSecretLength];
        try
        {
            Kem.Decap(encapsulatedKey, recipientPrivateKey, shared);
            return CreateContext(shared, info, isSender: false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary>Single-shot <c>SealBase(pkR, info, aad, pt)</c>.</summary>
    public HpkeCiphertext SealBase(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext)
    {
        Span<byte> shared = stackalloc byte[Kem.SharedSecretLength];
        try
        {
            var enc = Kem.Encap(recipientPublicKey, shared);
            return new HpkeCiphertext(enc, SealWith(shared, info, associatedData, plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary>Single-shot <c>OpenBase(enc, skR, info, aad, ct)</c>.</summary>
    /// <exception cref="MlsException">
    /// <see cref="MlsErrorCode.HpkeDecryptFailed"/> when the ciphertext does not authenticate, or
    /// <see cref="MlsErrorCode.InvalidKey"/> when <paramref name="encapsulatedKey"/> or the private key is invalid.
    /// </exception>
    public byte[] OpenBase(ReadOnlySpan<byte> encapsulatedKey, ReadOnlySpan<byte> recipientPrivateKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext)
    {
        Span<byte> shared = stackalloc byte[Kem.SharedSecretLength];
        Span<byte> key = stackalloc byte[Aead.KeyLength];
        Span<byte> nonce = stackalloc byte[Aead.NonceLength];
        try
        {
            Kem.Decap(encapsulatedKey, recipientPrivateKey, shared);
            KeySchedule(shared, info, key, nonce, []);
            if (ciphertext.Length < Aead.TagLength)
            {
                throw new MlsException(MlsErrorCode.HpkeDecryptFailed, "HPKE ciphertext is shorter than the AEAD tag.");
            }

            var plaintext = new byte[ciphertext.Length - Aead.TagLength];
            return Aead.TryOpen(key, nonce, associatedData, ciphertext, plaintext)
                ? plaintext
                : throw new MlsException(MlsErrorCode.HpkeDecryptFailed, "HPKE ciphertext did not authenticate.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Single-shot <c>SendExport</c>: a secret of <paramref name="length"/> bytes known only to the recipient.</summary>
    public byte[] SendExport(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> exporterContext, int length, out byte[] encapsulatedKey)
    {
        using var context = SetupBaseS(recipientPublicKey, info, out encapsulatedKey);
        return context.Export(exporterContext, length);
    }

    /// <summary>Single-shot <c>ReceiveExport</c>.</summary>
    public byte[] ReceiveExport(ReadOnlySpan<byte> encapsulatedKey, ReadOnlySpan<byte> recipientPrivateKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> exporterContext, int length)
    {
        using var context = SetupBaseR(encapsulatedKey, recipientPrivateKey, info);
        return context.Export(exporterContext, length);
    }

    /// <summary>SetupBaseS with the ephemeral key <c>DeriveKeyPair(ikmE)</c>: only for RFC 9180 known-answer tests.</summary>
    internal HpkeContext SetupBaseSDeterministic(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> ikmE, out byte[] encapsulatedKey)
    {
        Span<byte> shared = stackalloc byte[Kem.SharedSecretLength];
        try
        {
            encapsulatedKey = Kem.EncapDeterministic(recipientPublicKey, ikmE, shared);
            return CreateContext(shared, info, isSender: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary>The RFC 9180 key schedule with the KDF of this suite (for tests that check intermediate values).</summary>
    internal void KeySchedule(ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> info, Span<byte> key, Span<byte> baseNonce, Span<byte> exporterSecret)
    {
        var nh = Kdf.HashLength;
        Span<byte> context = stackalloc byte[1 + (2 * nh)];
        Span<byte> secret = stackalloc byte[nh];
        try
        {
            context[0] = ModeBase;
            HpkeLabels.LabeledExtract(Kdf, _suiteId, [], "psk_id_hash"u8, [], context.Slice(1, nh));
            HpkeLabels.LabeledExtract(Kdf, _suiteId, [], "info_hash"u8, info, context.Slice(1 + nh, nh));
            HpkeLabels.LabeledExtract(Kdf, _suiteId, sharedSecret, "secret"u8, [], secret);
            if (!key.IsEmpty)
            {
                HpkeLabels.LabeledExpand(Kdf, _suiteId, secret, "key"u8, context, key);
                HpkeLabels.LabeledExpand(Kdf, _suiteId, secret, "base_nonce"u8, context, baseNonce);
            }

            if (!exporterSecret.IsEmpty)
            {
                HpkeLabels.LabeledExpand(Kdf, _suiteId, secret, "exp"u8, context, exporterSecret);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>
    /// The key-schedule context <c>mode || psk_id_hash || info_hash</c> for <paramref name="info"/>: computed once when
    /// one info is sealed to many recipients (a Welcome's info holds the whole encrypted GroupInfo).
    /// </summary>
    internal byte[] KeyScheduleContext(ReadOnlySpan<byte> info)
    {
        var nh = Kdf.HashLength;
        var context = new byte[1 + (2 * nh)];
        context[0] = ModeBase;
        HpkeLabels.LabeledExtract(Kdf, _suiteId, [], "psk_id_hash"u8, [], context.AsSpan(1, nh));
        HpkeLabels.LabeledExtract(Kdf, _suiteId, [], "info_hash"u8, info, context.AsSpan(1 + nh, nh));
        return context;
    }

    /// <summary><c>SealBase</c> with a context from <see cref="KeyScheduleContext"/> (same output as the single-shot form).</summary>
    internal HpkeCiphertext SealBaseWithContext(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> keyScheduleContext, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext)
    {
        Span<byte> shared = stackalloc byte[Kem.SharedSecretLength];
        Span<byte> secret = stackalloc byte[Kdf.HashLength];
        Span<byte> key = stackalloc byte[Aead.KeyLength];
        Span<byte> nonce = stackalloc byte[Aead.NonceLength];
        try
        {
            var enc = Kem.Encap(recipientPublicKey, shared);
            HpkeLabels.LabeledExtract(Kdf, _suiteId, shared, "secret"u8, [], secret);
            HpkeLabels.LabeledExpand(Kdf, _suiteId, secret, "key"u8, keyScheduleContext, key);
            HpkeLabels.LabeledExpand(Kdf, _suiteId, secret, "base_nonce"u8, keyScheduleContext, nonce);
            return new HpkeCiphertext(enc, Aead.Seal(key, nonce, associatedData, plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
            CryptographicOperations.ZeroMemory(secret);
            CryptographicOperations.ZeroMemory(key);
        }
    }

    internal void LabeledExpand(ReadOnlySpan<byte> prk, ReadOnlySpan<byte> label, ReadOnlySpan<byte> info, Span<byte> output) =>
        HpkeLabels.LabeledExpand(Kdf, _suiteId, prk, label, info, output);

    private byte[] SealWith(ReadOnlySpan<byte> shared, ReadOnlySpan<byte> info, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext)
    {
        Span<byte> key = stackalloc byte[Aead.KeyLength];
        Span<byte> nonce = stackalloc byte[Aead.NonceLength];
        try
        {
            KeySchedule(shared, info, key, nonce, []);
            return Aead.Seal(key, nonce, associatedData, plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private HpkeContext CreateContext(ReadOnlySpan<byte> shared, ReadOnlySpan<byte> info, bool isSender)
    {
        var key = new byte[Aead.KeyLength];
        var nonce = new byte[Aead.NonceLength];
        var exporter = new byte[Kdf.HashLength];
        KeySchedule(shared, info, key, nonce, exporter);
        return new HpkeContext(this, key, nonce, exporter, isSender);
    }
}
