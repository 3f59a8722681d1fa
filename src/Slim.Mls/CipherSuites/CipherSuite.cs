using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Slim.Mls.CipherSuites.Internal;
using Slim.Mls.Hpke;
using Slim.Mls.Internal;

namespace Slim.Mls.CipherSuites;

/// <summary>
/// An MLS cipher suite (RFC 9420 section 5.1): HPKE (KEM, KDF, AEAD), the hash and MAC of the KDF, and a signature
/// scheme, plus every labelled construction MLS builds on them (<c>ExpandWithLabel</c>, <c>DeriveSecret</c>,
/// <c>DeriveTreeSecret</c>, <c>SignWithLabel</c>/<c>VerifyWithLabel</c>, <c>EncryptWithLabel</c>/<c>DecryptWithLabel</c>,
/// <c>RefHash</c>). Stateless and thread-safe.
/// </summary>
/// <remarks>
/// Labels are passed without the <c>"MLS 1.0 "</c> prefix, which these methods add (except <see cref="RefHash"/>, whose
/// label is used as given, as RFC 9420 section 5.2 defines it). Byte-span label overloads take UTF-8 and avoid the
/// string encoding on hot paths.
/// </remarks>
public sealed class CipherSuite
{
    private static readonly FrozenDictionary<CipherSuiteId, Lazy<CipherSuite>> Builtin = new Dictionary<CipherSuiteId, Lazy<CipherSuite>>
    {
        [CipherSuiteId.X25519Aes128GcmSha256Ed25519] = Define(CipherSuiteId.X25519Aes128GcmSha256Ed25519, KemId.DhKemX25519Sha256, KdfId.HkdfSha256, AeadId.Aes128Gcm, SignatureSchemeId.Ed25519),
        [CipherSuiteId.P256Aes128GcmSha256P256] = Define(CipherSuiteId.P256Aes128GcmSha256P256, KemId.DhKemP256Sha256, KdfId.HkdfSha256, AeadId.Aes128Gcm, SignatureSchemeId.EcdsaSecp256r1Sha256),
        [CipherSuiteId.X25519ChaCha20Poly1305Sha256Ed25519] = Define(CipherSuiteId.X25519ChaCha20Poly1305Sha256Ed25519, KemId.DhKemX25519Sha256, KdfId.HkdfSha256, AeadId.ChaCha20Poly1305, SignatureSchemeId.Ed25519),
        [CipherSuiteId.X448Aes256GcmSha512Ed448] = Define(CipherSuiteId.X448Aes256GcmSha512Ed448, KemId.DhKemX448Sha512, KdfId.HkdfSha512, AeadId.Aes256Gcm, SignatureSchemeId.Ed448),
        [CipherSuiteId.P521Aes256GcmSha512P521] = Define(CipherSuiteId.P521Aes256GcmSha512P521, KemId.DhKemP521Sha512, KdfId.HkdfSha512, AeadId.Aes256Gcm, SignatureSchemeId.EcdsaSecp521r1Sha512),
        [CipherSuiteId.X448ChaCha20Poly1305Sha512Ed448] = Define(CipherSuiteId.X448ChaCha20Poly1305Sha512Ed448, KemId.DhKemX448Sha512, KdfId.HkdfSha512, AeadId.ChaCha20Poly1305, SignatureSchemeId.Ed448),
        [CipherSuiteId.P384Aes256GcmSha384P384] = Define(CipherSuiteId.P384Aes256GcmSha384P384, KemId.DhKemP384Sha384, KdfId.HkdfSha384, AeadId.Aes256Gcm, SignatureSchemeId.EcdsaSecp384r1Sha384),
    }.ToFrozenDictionary();

    /// <summary>Builds a suite from its parts (for suites outside RFC 9420, for example a post-quantum hybrid KEM).</summary>
    public CipherSuite(CipherSuiteId id, HpkeSuite hpke, SignatureScheme signatureScheme)
    {
        ArgumentNullException.ThrowIfNull(hpke);
        ArgumentNullException.ThrowIfNull(signatureScheme);
        if (hpke.Aead.Id == AeadId.ExportOnly)
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, "An MLS cipher suite needs a real AEAD, not export-only.");
        }

        Id = id;
        Hpke = hpke;
        SignatureScheme = signatureScheme;
    }

    /// <summary>The suite identifier.</summary>
    public CipherSuiteId Id { get; }

    /// <summary>The HPKE suite (KEM, KDF, AEAD).</summary>
    public HpkeSuite Hpke { get; }

    /// <summary>The KDF, whose hash is also the suite's <c>Hash</c> and <c>MAC</c>.</summary>
    public Kdf Kdf => Hpke.Kdf;

    /// <summary>The AEAD used for messages and for HPKE.</summary>
    public Aead Aead => Hpke.Aead;

    /// <summary>The HPKE KEM.</summary>
    public Kem Kem => Hpke.Kem;

    /// <summary>The signature scheme.</summary>
    public SignatureScheme SignatureScheme { get; }

    /// <summary><c>KDF.Nh</c>: size of hashes, MACs and most secrets.</summary>
    public int HashLength => Hpke.Kdf.HashLength;

    /// <summary><c>AEAD.Nk</c>.</summary>
    public int AeadKeyLength => Hpke.Aead.KeyLength;

    /// <summary><c>AEAD.Nn</c>.</summary>
    public int AeadNonceLength => Hpke.Aead.NonceLength;

    /// <summary>Identifiers of the built-in suites that work on this platform.</summary>
    public static IReadOnlyList<CipherSuiteId> SupportedIds { get; } =
        [.. Builtin.Keys.Where(IsSupported).Order()];

    /// <summary>Returns a built-in suite.</summary>
    /// <exception cref="MlsException">The suite is unknown or unavailable (<see cref="MlsErrorCode.UnsupportedCipherSuite"/>).</exception>
    public static CipherSuite Get(CipherSuiteId id) =>
        TryGet(id, out var suite)
            ? suite
            : throw new MlsException(MlsErrorCode.UnsupportedCipherSuite, $"Cipher suite 0x{(ushort)id:x4} is not supported.");

    /// <summary>Returns a built-in suite, or false when it is unknown or unavailable on this platform.</summary>
    public static bool TryGet(CipherSuiteId id, [NotNullWhen(true)] out CipherSuite? suite)
    {
        suite = null;
        if (!Builtin.TryGetValue(id, out var lazy))
        {
            return false;
        }

        try
        {
            suite = lazy.Value;
            return true;
        }
        catch (MlsException)
        {
            return false;
        }
        catch (PlatformNotSupportedException)
        {
            return false;
        }
    }

    /// <summary>True when <see cref="Get"/> would succeed.</summary>
    public static bool IsSupported(CipherSuiteId id) => TryGet(id, out _);

    // ---- Hash and MAC -----------------------------------------------------------------------------------------------

    /// <summary><c>Hash(data)</c>.</summary>
    public byte[] Hash(ReadOnlySpan<byte> data)
    {
        var digest = new byte[HashLength];
        Kdf.Hash(data, digest);
        return digest;
    }

    /// <summary><c>Hash(data)</c> into <paramref name="digest"/> (<see cref="HashLength"/> bytes).</summary>
    public void Hash(ReadOnlySpan<byte> data, Span<byte> digest) => Kdf.Hash(data, digest);

    /// <summary><c>MAC(key, data)</c> (HMAC with the suite's hash).</summary>
    public byte[] Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        var tag = new byte[HashLength];
        Kdf.Mac(key, data, tag);
        return tag;
    }

    /// <summary><c>MAC(key, data)</c> into <paramref name="tag"/> (<see cref="HashLength"/> bytes).</summary>
    public void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> tag) => Kdf.Mac(key, data, tag);

    /// <summary>Recomputes <c>MAC(key, data)</c> and compares it with <paramref name="tag"/> in constant time.</summary>
    public bool VerifyMac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> tag)
    {
        Span<byte> expected = stackalloc byte[HashLength];
        Kdf.Mac(key, data, expected);
        return CryptographicOperations.FixedTimeEquals(expected, tag);
    }

    // ---- KDF --------------------------------------------------------------------------------------------------------

    /// <summary><c>KDF.Extract(salt, ikm)</c>; an empty salt means <c>Nh</c> zero bytes.</summary>
    public byte[] Extract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ikm)
    {
        var prk = new byte[HashLength];
        Kdf.Extract(salt, ikm, prk);
        return prk;
    }

    /// <summary><c>KDF.Extract(salt, ikm)</c> into <paramref name="prk"/>.</summary>
    public void Extract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ikm, Span<byte> prk) => Kdf.Extract(salt, ikm, prk);

    /// <summary><c>KDF.Expand(prk, info, L)</c> into <paramref name="output"/>.</summary>
    public void Expand(ReadOnlySpan<byte> prk, ReadOnlySpan<byte> info, Span<byte> output) => Kdf.Expand(prk, info, output);

    /// <summary><c>ExpandWithLabel(secret, label, context, length)</c> (RFC 9420 section 8).</summary>
    public byte[] ExpandWithLabel(ReadOnlySpan<byte> secret, string label, ReadOnlySpan<byte> context, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var output = new byte[length];
        ExpandWithLabel(secret, MlsLabels.Utf8(label), context, output);
        return output;
    }

    /// <summary>
    /// <c>ExpandWithLabel</c> with a UTF-8 label into <paramref name="output"/>, whose length is the <c>Length</c> input:
    /// <c>Expand(secret, KDFLabel{uint16 length; opaque label&lt;V&gt; = "MLS 1.0 " + label; opaque context&lt;V&gt;}, length)</c>.
    /// </summary>
    public void ExpandWithLabel(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> context, Span<byte> output)
    {
        if (output.Length > ushort.MaxValue)
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, "ExpandWithLabel length must fit a uint16.");
        }

        using var info = new RentedBuffer(2 + MlsLabels.LabelVectorSize(label) + MlsLabels.VectorSize(context.Length));
        var span = info.Span;
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)output.Length);
        var offset = 2 + MlsLabels.WriteLabelVector(span[2..], label);
        MlsLabels.WriteVector(span[offset..], context);
        Kdf.Expand(secret, span, output);
    }

    /// <summary><c>DeriveSecret(secret, label) = ExpandWithLabel(secret, label, "", Nh)</c>.</summary>
    public byte[] DeriveSecret(ReadOnlySpan<byte> secret, string label)
    {
        var output = new byte[HashLength];
        ExpandWithLabel(secret, MlsLabels.Utf8(label), [], output);
        return output;
    }

    /// <summary><c>DeriveSecret</c> with a UTF-8 label into <paramref name="output"/> (<see cref="HashLength"/> bytes).</summary>
    public void DeriveSecret(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, Span<byte> output)
    {
        if (output.Length != HashLength)
        {
            throw new ArgumentException($"DeriveSecret output is {HashLength} bytes.", nameof(output));
        }

        ExpandWithLabel(secret, label, [], output);
    }

    /// <summary><c>DeriveTreeSecret(secret, label, generation, length) = ExpandWithLabel(secret, label, uint32 generation, length)</c> (RFC 9420 section 9).</summary>
    public byte[] DeriveTreeSecret(ReadOnlySpan<byte> secret, string label, uint generation, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var output = new byte[length];
        DeriveTreeSecret(secret, MlsLabels.Utf8(label), generation, output);
        return output;
    }

    /// <summary><c>DeriveTreeSecret</c> with a UTF-8 label into <paramref name="output"/>.</summary>
    public void DeriveTreeSecret(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, uint generation, Span<byte> output)
    {
        Span<byte> context = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(context, generation);
        ExpandWithLabel(secret, label, context, output);
    }

    // ---- Signatures -------------------------------------------------------------------------------------------------

    /// <summary>Generates a signature key pair for this suite's scheme.</summary>
    public SignatureKeyPair GenerateSignatureKeyPair() => SignatureScheme.GenerateKeyPair();

    /// <summary><c>SignWithLabel(key, label, content)</c>: signs <c>SignContent{label&lt;V&gt; = "MLS 1.0 " + label; content&lt;V&gt;}</c>.</summary>
    public byte[] SignWithLabel(SignaturePrivateKey key, string label, ReadOnlySpan<byte> content) =>
        SignWithLabel(key, MlsLabels.Utf8(label), content);

    /// <summary><c>SignWithLabel</c> with a UTF-8 label.</summary>
    public byte[] SignWithLabel(SignaturePrivateKey key, ReadOnlySpan<byte> label, ReadOnlySpan<byte> content)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var signContent = BuildLabeledPair(label, content);
        return key.Sign(signContent.Span);
    }

    /// <summary><c>SignWithLabel</c> with a serialized private key (parsed for this call only).</summary>
    public byte[] SignWithLabel(ReadOnlySpan<byte> signaturePrivateKey, string label, ReadOnlySpan<byte> content)
    {
        using var key = SignatureScheme.ImportPrivateKey(signaturePrivateKey);
        return SignWithLabel(key, MlsLabels.Utf8(label), content);
    }

    /// <summary><c>VerifyWithLabel(key, label, content, signature)</c>; false for any invalid signature.</summary>
    public bool VerifyWithLabel(SignaturePublicKey key, string label, ReadOnlySpan<byte> content, ReadOnlySpan<byte> signature) =>
        VerifyWithLabel(key, MlsLabels.Utf8(label), content, signature);

    /// <summary><c>VerifyWithLabel</c> with a UTF-8 label.</summary>
    public bool VerifyWithLabel(SignaturePublicKey key, ReadOnlySpan<byte> label, ReadOnlySpan<byte> content, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var signContent = BuildLabeledPair(label, content);
        return key.Verify(signContent.Span, signature);
    }

    /// <summary><c>VerifyWithLabel</c> with a serialized public key; false also when the key is malformed.</summary>
    public bool VerifyWithLabel(ReadOnlySpan<byte> signaturePublicKey, string label, ReadOnlySpan<byte> content, ReadOnlySpan<byte> signature)
    {
        using var signContent = BuildLabeledPair(MlsLabels.Utf8(label), content);
        return SignatureScheme.Verify(signaturePublicKey, signContent.Span, signature);
    }

    // ---- Hash-based identifiers -------------------------------------------------------------------------------------

    /// <summary><c>RefHash(label, value) = Hash(RefHashInput{opaque label&lt;V&gt;; opaque value&lt;V&gt;})</c>, label used as given.</summary>
    public byte[] RefHash(string label, ReadOnlySpan<byte> value)
    {
        var labelBytes = MlsLabels.Utf8(label);
        using var input = new RentedBuffer(MlsLabels.VectorSize(labelBytes.Length) + MlsLabels.VectorSize(value.Length));
        var offset = MlsLabels.WriteVector(input.Span, labelBytes);
        MlsLabels.WriteVector(input.Span[offset..], value);
        return Hash(input.Span);
    }

    /// <summary><c>MakeKeyPackageRef(value) = RefHash("MLS 1.0 KeyPackage Reference", encoded KeyPackage)</c>.</summary>
    public byte[] MakeKeyPackageRef(ReadOnlySpan<byte> encodedKeyPackage) => RefHash("MLS 1.0 KeyPackage Reference", encodedKeyPackage);

    /// <summary><c>MakeProposalRef(value) = RefHash("MLS 1.0 Proposal Reference", encoded AuthenticatedContent)</c>.</summary>
    public byte[] MakeProposalRef(ReadOnlySpan<byte> encodedAuthenticatedContent) => RefHash("MLS 1.0 Proposal Reference", encodedAuthenticatedContent);

    // ---- Public-key encryption --------------------------------------------------------------------------------------

    /// <summary>Generates an HPKE key pair for this suite's KEM.</summary>
    public HpkeKeyPair GenerateHpkeKeyPair() => Kem.GenerateKeyPair();

    /// <summary><c>KEM.DeriveKeyPair(ikm)</c> (node keys from path secrets, the external key pair).</summary>
    public HpkeKeyPair DeriveHpkeKeyPair(ReadOnlySpan<byte> ikm) => Kem.DeriveKeyPair(ikm);

    /// <summary>
    /// <c>EncryptWithLabel(pk, label, context, plaintext) = SealBase(pk, EncryptContext{"MLS 1.0 " + label; context}, "", plaintext)</c>.
    /// </summary>
    public HpkeCiphertext EncryptWithLabel(ReadOnlySpan<byte> publicKey, string label, ReadOnlySpan<byte> context, ReadOnlySpan<byte> plaintext)
    {
        using var info = BuildLabeledPair(MlsLabels.Utf8(label), context);
        return Hpke.SealBase(publicKey, info.Span, [], plaintext);
    }

    /// <summary><c>DecryptWithLabel(sk, label, context, kem_output, ciphertext)</c>.</summary>
    /// <exception cref="MlsException"><see cref="MlsErrorCode.HpkeDecryptFailed"/> or <see cref="MlsErrorCode.InvalidKey"/>.</exception>
    public byte[] DecryptWithLabel(ReadOnlySpan<byte> privateKey, string label, ReadOnlySpan<byte> context, ReadOnlySpan<byte> kemOutput, ReadOnlySpan<byte> ciphertext)
    {
        using var info = BuildLabeledPair(MlsLabels.Utf8(label), context);
        return Hpke.OpenBase(kemOutput, privateKey, info.Span, [], ciphertext);
    }

    /// <summary>
    /// Prepares <c>EncryptWithLabel(., label, context, .)</c> for many recipients: the HPKE key-schedule context
    /// (which hashes <paramref name="context"/>) is computed once; pass it to <see cref="EncryptWithLabelPrepared"/>.
    /// </summary>
    internal byte[] PrepareEncryptWithLabel(string label, ReadOnlySpan<byte> context)
    {
        using var info = BuildLabeledPair(MlsLabels.Utf8(label), context);
        return Hpke.KeyScheduleContext(info.Span);
    }

    /// <summary><c>EncryptWithLabel</c> with a context from <see cref="PrepareEncryptWithLabel"/>.</summary>
    internal HpkeCiphertext EncryptWithLabelPrepared(ReadOnlySpan<byte> publicKey, byte[] prepared, ReadOnlySpan<byte> plaintext) =>
        Hpke.SealBaseWithContext(publicKey, prepared, [], plaintext);

    /// <summary>EncryptWithLabel with a deterministic ephemeral key, for known-answer tests only.</summary>
    internal HpkeCiphertext EncryptWithLabelDeterministic(ReadOnlySpan<byte> publicKey, string label, ReadOnlySpan<byte> context, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> ikmE)
    {
        using var info = BuildLabeledPair(MlsLabels.Utf8(label), context);
        using var hpke = Hpke.SetupBaseSDeterministic(publicKey, info.Span, ikmE, out var enc);
        return new HpkeCiphertext(enc, hpke.Seal([], plaintext));
    }

    /// <inheritdoc />
    public override string ToString() => $"{Id} (0x{(ushort)Id:x4})";

    // SignContent and EncryptContext share one shape: { opaque label<V> = "MLS 1.0 " + label; opaque content<V>; }.
    private static RentedBuffer BuildLabeledPair(ReadOnlySpan<byte> label, ReadOnlySpan<byte> content)
    {
        var buffer = new RentedBuffer(MlsLabels.LabelVectorSize(label) + MlsLabels.VectorSize(content.Length));
        var offset = MlsLabels.WriteLabelVector(buffer.Span, label);
        MlsLabels.WriteVector(buffer.Span[offset..], content);
        return buffer;
    }

    private static Lazy<CipherSuite> Define(CipherSuiteId id, KemId kem, KdfId kdf, AeadId aead, SignatureSchemeId signature) =>
        new(() => new CipherSuite(id, HpkeSuite.Create(kem, kdf, aead), signature switch
        {
            SignatureSchemeId.Ed25519 => SignatureScheme.Ed25519,
            SignatureSchemeId.Ed448 => SignatureScheme.Ed448,
            SignatureSchemeId.EcdsaSecp256r1Sha256 => SignatureScheme.EcdsaP256,
            SignatureSchemeId.EcdsaSecp384r1Sha384 => SignatureScheme.EcdsaP384,
            _ => SignatureScheme.EcdsaP521,
        }));
}
