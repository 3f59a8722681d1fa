using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;

namespace Slim.Mls.Welcome;

/// <summary>
/// A Welcome (RFC 9420 section 12.4.3.1):
/// <code>
/// struct {
///   CipherSuite cipher_suite;
///   EncryptedGroupSecrets secrets&lt;V&gt;;
///   opaque encrypted_group_info&lt;V&gt;;
/// } Welcome;
/// </code>
/// </summary>
/// <param name="CipherSuite">The group's cipher suite.</param>
/// <param name="Secrets">One entry per new member.</param>
/// <param name="EncryptedGroupInfo">The GroupInfo sealed with the welcome key and nonce.</param>
public sealed record WelcomeMessage(CipherSuiteId CipherSuite, IReadOnlyList<EncryptedGroupSecrets> Secrets, byte[] EncryptedGroupInfo)
    : ITlsEncodable, ITlsDecodable<WelcomeMessage>
{
    /// <inheritdoc />
    public static WelcomeMessage ReadFrom(ref TlsReader reader)
    {
        var suite = (CipherSuiteId)reader.ReadUInt16();
        var secrets = TlsCodec.ReadList<EncryptedGroupSecrets>(ref reader);
        return new WelcomeMessage(suite, secrets, reader.ReadVectorBytes());
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteUInt16((ushort)CipherSuite);
        TlsCodec.WriteList(ref writer, Secrets);
        writer.WriteVector(EncryptedGroupInfo);
    }
}
