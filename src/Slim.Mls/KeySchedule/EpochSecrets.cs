using System.Security.Cryptography;
using Slim.Mls.Codec;

namespace Slim.Mls.KeySchedule;

/// <summary>
/// The secrets of one epoch (RFC 9420 section 8, table "Epoch-Derived Secrets"), the joiner and welcome secrets that led
/// to it, and the init secret of the next epoch. The epoch secret itself is consumed during derivation and not kept.
/// <see cref="Dispose"/> wipes everything. The TLS encoding (eleven <c>opaque&lt;V&gt;</c> in property order) lets a
/// client persist its group state; it holds secrets, so store it protected.
/// </summary>
public sealed class EpochSecrets : IDisposable, ITlsEncodable, ITlsDecodable<EpochSecrets>
{
    internal EpochSecrets(
        byte[] joinerSecret,
        byte[] welcomeSecret,
        byte[] senderDataSecret,
        byte[] encryptionSecret,
        byte[] exporterSecret,
        byte[] externalSecret,
        byte[] confirmationKey,
        byte[] membershipKey,
        byte[] resumptionPsk,
        byte[] epochAuthenticator,
        byte[] initSecret)
    {
        JoinerSecret = joinerSecret;
        WelcomeSecret = welcomeSecret;
        SenderDataSecret = senderDataSecret;
        EncryptionSecret = encryptionSecret;
        ExporterSecret = exporterSecret;
        ExternalSecret = externalSecret;
        ConfirmationKey = confirmationKey;
        MembershipKey = membershipKey;
        ResumptionPsk = resumptionPsk;
        EpochAuthenticator = epochAuthenticator;
        InitSecret = initSecret;
    }

    /// <summary><c>joiner_secret</c>: goes into the Welcome's GroupSecrets for new members.</summary>
    public byte[] JoinerSecret { get; }

    /// <summary><c>welcome_secret</c>: encrypts the GroupInfo of a Welcome.</summary>
    public byte[] WelcomeSecret { get; }

    /// <summary><c>sender_data_secret</c>: keys the SenderData encryption of PrivateMessages.</summary>
    public byte[] SenderDataSecret { get; }

    /// <summary><c>encryption_secret</c>: the root of the secret tree.</summary>
    public byte[] EncryptionSecret { get; }

    /// <summary><c>exporter_secret</c>: input of MLS-Exporter.</summary>
    public byte[] ExporterSecret { get; }

    /// <summary><c>external_secret</c>: derives the external key pair.</summary>
    public byte[] ExternalSecret { get; }

    /// <summary><c>confirmation_key</c>: MAC key of the confirmation tag.</summary>
    public byte[] ConfirmationKey { get; }

    /// <summary><c>membership_key</c>: MAC key of PublicMessage membership tags.</summary>
    public byte[] MembershipKey { get; }

    /// <summary><c>resumption_psk</c>.</summary>
    public byte[] ResumptionPsk { get; }

    /// <summary><c>epoch_authenticator</c>.</summary>
    public byte[] EpochAuthenticator { get; }

    /// <summary><c>init_secret</c> of the next epoch.</summary>
    public byte[] InitSecret { get; }

    /// <inheritdoc />
    public static EpochSecrets ReadFrom(ref TlsReader reader) => new(
        reader.ReadVectorBytes(),
        reader.ReadVectorBytes(),
        reader.ReadVectorBytes(),
        reader.ReadVectorBytes(),
        reader.ReadVectorBytes(),
        reader.ReadVectorBytes(),
        reader.ReadVectorBytes(),
        reader.ReadVectorBytes(),
        reader.ReadVectorBytes(),
        reader.ReadVectorBytes(),
        reader.ReadVectorBytes());

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteVector(JoinerSecret);
        writer.WriteVector(WelcomeSecret);
        writer.WriteVector(SenderDataSecret);
        writer.WriteVector(EncryptionSecret);
        writer.WriteVector(ExporterSecret);
        writer.WriteVector(ExternalSecret);
        writer.WriteVector(ConfirmationKey);
        writer.WriteVector(MembershipKey);
        writer.WriteVector(ResumptionPsk);
        writer.WriteVector(EpochAuthenticator);
        writer.WriteVector(InitSecret);
    }

    /// <summary>Wipes every secret.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(JoinerSecret);
        CryptographicOperations.ZeroMemory(WelcomeSecret);
        CryptographicOperations.ZeroMemory(SenderDataSecret);
        CryptographicOperations.ZeroMemory(EncryptionSecret);
        CryptographicOperations.ZeroMemory(ExporterSecret);
        CryptographicOperations.ZeroMemory(ExternalSecret);
        CryptographicOperations.ZeroMemory(ConfirmationKey);
        CryptographicOperations.ZeroMemory(MembershipKey);
        CryptographicOperations.ZeroMemory(ResumptionPsk);
        CryptographicOperations.ZeroMemory(EpochAuthenticator);
        CryptographicOperations.ZeroMemory(InitSecret);
    }
}
