using System.Security.Cryptography;
using Slim.Mls.CipherSuites;
using Slim.Mls.CipherSuites.Internal;
using Slim.Mls.Hpke;

namespace Slim.Mls.KeySchedule;

/// <summary>
/// The MLS key schedule (RFC 9420 section 8):
/// <code>
///                 init_secret[n-1]
///                       |  (salt)
/// commit_secret --&gt; KDF.Extract
///                       |
///             ExpandWithLabel(., "joiner", GroupContext[n], Nh) = joiner_secret
///                       |  (salt)
/// psk_secret ----&gt; KDF.Extract  --&gt; DeriveSecret(., "welcome") = welcome_secret
///                       |
///             ExpandWithLabel(., "epoch", GroupContext[n], Nh) = epoch_secret
///                       |
///                       +--&gt; DeriveSecret(., label) for each epoch-derived secret
///                       +--&gt; DeriveSecret(., "init") = init_secret[n]
/// </code>
/// A zero <c>commit_secret</c> or <c>psk_secret</c> is <c>Nh</c> zero bytes; pass an empty span to mean that.
/// </summary>
public static class EpochKeySchedule
{
    /// <summary>
    /// Runs the whole schedule for a new epoch from the previous init secret (or a random one for a new group, or an
    /// external-init secret).
    /// </summary>
    public static EpochSecrets Derive(CipherSuite suite, ReadOnlySpan<byte> initSecret, ReadOnlySpan<byte> commitSecret, ReadOnlySpan<byte> pskSecret, GroupContext groupContext)
    {
        ArgumentNullException.ThrowIfNull(groupContext);
        var joiner = JoinerSecret(suite, initSecret, commitSecret, groupContext);
        return FromJoinerSecretCore(suite, joiner, pskSecret, groupContext);
    }

    /// <summary>
    /// Runs the schedule from a <c>joiner_secret</c> (what a new member receives in a Welcome). The returned
    /// <see cref="EpochSecrets.JoinerSecret"/> is a copy.
    /// </summary>
    public static EpochSecrets FromJoinerSecret(CipherSuite suite, ReadOnlySpan<byte> joinerSecret, ReadOnlySpan<byte> pskSecret, GroupContext groupContext)
    {
        ArgumentNullException.ThrowIfNull(groupContext);
        return FromJoinerSecretCore(suite, joinerSecret.ToArray(), pskSecret, groupContext);
    }

    /// <summary><c>joiner_secret = ExpandWithLabel(Extract(init_secret, commit_secret), "joiner", GroupContext, Nh)</c>.</summary>
    public static byte[] JoinerSecret(CipherSuite suite, ReadOnlySpan<byte> initSecret, ReadOnlySpan<byte> commitSecret, GroupContext groupContext)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(groupContext);
        Span<byte> prk = stackalloc byte[suite.HashLength];
        try
        {
            suite.Extract(initSecret, ZeroIfEmpty(commitSecret, stackalloc byte[suite.HashLength]), prk);
            var joiner = new byte[suite.HashLength];
            suite.ExpandWithLabel(prk, "joiner"u8, groupContext.Encoded, joiner);
            return joiner;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
        }
    }

    /// <summary>
    /// <c>welcome_secret = DeriveSecret(Extract(joiner_secret, psk_secret), "welcome")</c>: all a joiner needs to open
    /// the GroupInfo before it knows the GroupContext.
    /// </summary>
    public static byte[] WelcomeSecret(CipherSuite suite, ReadOnlySpan<byte> joinerSecret, ReadOnlySpan<byte> pskSecret)
    {
        ArgumentNullException.ThrowIfNull(suite);
        Span<byte> memberPrk = stackalloc byte[suite.HashLength];
        try
        {
            suite.Extract(joinerSecret, ZeroIfEmpty(pskSecret, stackalloc byte[suite.HashLength]), memberPrk);
            var welcome = new byte[suite.HashLength];
            suite.DeriveSecret(memberPrk, "welcome"u8, welcome);
            return welcome;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(memberPrk);
        }
    }

    /// <summary>
    /// The AEAD key and nonce that protect a Welcome's GroupInfo (RFC 9420 section 12.4.3.1):
    /// <c>ExpandWithLabel(welcome_secret, "key"/"nonce", "", Nk/Nn)</c>.
    /// </summary>
    public static (byte[] Key, byte[] Nonce) WelcomeKeyAndNonce(CipherSuite suite, ReadOnlySpan<byte> welcomeSecret)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var key = new byte[suite.AeadKeyLength];
        var nonce = new byte[suite.AeadNonceLength];
        suite.ExpandWithLabel(welcomeSecret, "key"u8, [], key);
        suite.ExpandWithLabel(welcomeSecret, "nonce"u8, [], nonce);
        return (key, nonce);
    }

    /// <summary>
    /// <c>MLS-Exporter(label, context, length) = ExpandWithLabel(DeriveSecret(exporter_secret, label), "exported", Hash(context), length)</c>
    /// (RFC 9420 section 8.5); the label is raw bytes (UTF-8 for text labels).
    /// </summary>
    public static byte[] Export(CipherSuite suite, ReadOnlySpan<byte> exporterSecret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> context, int length)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Span<byte> derived = stackalloc byte[suite.HashLength];
        Span<byte> contextHash = stackalloc byte[suite.HashLength];
        try
        {
            suite.DeriveSecret(exporterSecret, label, derived);
            suite.Hash(context, contextHash);
            var output = new byte[length];
            suite.ExpandWithLabel(derived, "exported"u8, contextHash, output);
            return output;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    /// <summary>MLS-Exporter with a text label.</summary>
    public static byte[] Export(CipherSuite suite, ReadOnlySpan<byte> exporterSecret, string label, ReadOnlySpan<byte> context, int length) =>
        Export(suite, exporterSecret, MlsLabels.Utf8(label), context, length);

    /// <summary><c>external_priv, external_pub = KEM.DeriveKeyPair(external_secret)</c>.</summary>
    public static HpkeKeyPair ExternalKeyPair(CipherSuite suite, ReadOnlySpan<byte> externalSecret)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.DeriveHpkeKeyPair(externalSecret);
    }

    /// <summary>
    /// The joiner's side of external initialization (RFC 9420 section 8.3):
    /// <c>kem_output, ctx = SetupBaseS(external_pub, ""); init_secret = ctx.export("MLS 1.0 external init secret", Nh)</c>.
    /// </summary>
    public static (byte[] KemOutput, byte[] InitSecret) CreateExternalInit(CipherSuite suite, ReadOnlySpan<byte> externalPub)
    {
        ArgumentNullException.ThrowIfNull(suite);
        using var context = suite.Hpke.SetupBaseS(externalPub, [], out var kemOutput);
        return (kemOutput, context.Export("MLS 1.0 external init secret"u8, suite.HashLength));
    }

    /// <summary>The members' side of external initialization, from the ExternalInit proposal's <c>kem_output</c>.</summary>
    public static byte[] ReceiveExternalInit(CipherSuite suite, ReadOnlySpan<byte> externalPriv, ReadOnlySpan<byte> kemOutput)
    {
        ArgumentNullException.ThrowIfNull(suite);
        using var context = suite.Hpke.SetupBaseR(kemOutput, externalPriv, []);
        return context.Export("MLS 1.0 external init secret"u8, suite.HashLength);
    }

    /// <summary><c>confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash)</c> (RFC 9420 section 6.1).</summary>
    public static byte[] ConfirmationTag(CipherSuite suite, ReadOnlySpan<byte> confirmationKey, ReadOnlySpan<byte> confirmedTranscriptHash)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.Mac(confirmationKey, confirmedTranscriptHash);
    }

    /// <summary>Checks a confirmation tag in constant time.</summary>
    public static bool VerifyConfirmationTag(CipherSuite suite, ReadOnlySpan<byte> confirmationKey, ReadOnlySpan<byte> confirmedTranscriptHash, ReadOnlySpan<byte> confirmationTag)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.VerifyMac(confirmationKey, confirmedTranscriptHash, confirmationTag);
    }

    private static EpochSecrets FromJoinerSecretCore(CipherSuite suite, byte[] joiner, ReadOnlySpan<byte> pskSecret, GroupContext groupContext)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var nh = suite.HashLength;
        Span<byte> memberPrk = stackalloc byte[nh];
        Span<byte> epoch = stackalloc byte[nh];
        try
        {
            suite.Extract(joiner, ZeroIfEmpty(pskSecret, stackalloc byte[nh]), memberPrk);
            var welcome = new byte[nh];
            suite.DeriveSecret(memberPrk, "welcome"u8, welcome);
            suite.ExpandWithLabel(memberPrk, "epoch"u8, groupContext.Encoded, epoch);

            byte[] Derive(ReadOnlySpan<byte> label, ReadOnlySpan<byte> epochSecret)
            {
                var secret = new byte[nh];
                suite.DeriveSecret(epochSecret, label, secret);
                return secret;
            }

            return new EpochSecrets(
                joinerSecret: joiner,
                welcomeSecret: welcome,
                senderDataSecret: Derive("sender data"u8, epoch),
                encryptionSecret: Derive("encryption"u8, epoch),
                exporterSecret: Derive("exporter"u8, epoch),
                externalSecret: Derive("external"u8, epoch),
                confirmationKey: Derive("confirm"u8, epoch),
                membershipKey: Derive("membership"u8, epoch),
                resumptionPsk: Derive("resumption"u8, epoch),
                epochAuthenticator: Derive("authentication"u8, epoch),
                initSecret: Derive("init"u8, epoch));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(memberPrk);
            CryptographicOperations.ZeroMemory(epoch);
        }
    }

    // "0" in the key schedule is Nh zero bytes; callers may pass an empty span for it.
    private static ReadOnlySpan<byte> ZeroIfEmpty(ReadOnlySpan<byte> secret, Span<byte> zeros)
    {
        zeros.Clear();
        return secret.IsEmpty ? zeros : secret;
    }
}
