using Slim.Mls.Codec;
using Slim.Mls.Credentials;

namespace Slim.Mls.Extensions;

/// <summary>
/// One entry of the <c>external_senders</c> GroupContext extension (RFC 9420 section 12.1.8.1):
/// <code>
/// struct { SignaturePublicKey signature_key; Credential credential; } ExternalSender;
/// ExternalSender external_senders&lt;V&gt;;
/// </code>
/// </summary>
/// <param name="SignatureKey">The sender's signature public key.</param>
/// <param name="Credential">The sender's credential.</param>
public sealed record ExternalSender(byte[] SignatureKey, Credential Credential) : ITlsEncodable, ITlsDecodable<ExternalSender>
{
    /// <inheritdoc />
    public static ExternalSender ReadFrom(ref TlsReader reader)
    {
        var key = reader.ReadVectorBytes();
        return new ExternalSender(key, Credential.ReadFrom(ref reader));
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteVector(SignatureKey);
        Credential.WriteTo(ref writer);
    }

    /// <summary>Decodes the body of an <c>external_senders</c> extension.</summary>
    /// <exception cref="MlsDecodeException">The body is malformed.</exception>
    public static ExternalSender[] DecodeList(ReadOnlySpan<byte> extensionData)
    {
        var reader = new TlsReader(extensionData);
        var list = TlsCodec.ReadList<ExternalSender>(ref reader);
        reader.EnsureEnd();
        return list;
    }

    /// <summary>The <c>external_senders</c> extension carrying <paramref name="senders"/>.</summary>
    public static Extension ToExtension(IReadOnlyList<ExternalSender> senders)
    {
        var writer = new TlsWriter();
        try
        {
            TlsCodec.WriteList(ref writer, senders);
            return new Extension(ExtensionType.ExternalSenders, writer.ToArray());
        }
        finally
        {
            writer.Dispose();
        }
    }
}
