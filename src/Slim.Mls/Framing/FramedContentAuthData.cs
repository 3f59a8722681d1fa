using Slim.Mls.Codec;

namespace Slim.Mls.Framing;

/// <summary>
/// The authentication of a FramedContent (RFC 9420 section 6.1):
/// <code>
/// struct {
///     opaque signature&lt;V&gt;;          // SignWithLabel(., "FramedContentTBS", FramedContentTBS)
///     select (FramedContent.content_type) {
///         case commit: MAC confirmation_tag;   // opaque&lt;V&gt;
///         case application:
///         case proposal: struct{};
///     };
/// } FramedContentAuthData;
/// </code>
/// Its encoding depends on the content type, which the caller supplies.
/// </summary>
/// <param name="Signature">The signature.</param>
/// <param name="ConfirmationTag">The confirmation tag (commits only; null otherwise).</param>
public sealed record FramedContentAuthData(byte[] Signature, byte[]? ConfirmationTag)
{
    /// <summary>Reads the auth data of a message of <paramref name="contentType"/>.</summary>
    public static FramedContentAuthData ReadFrom(ref TlsReader reader, ContentType contentType)
    {
        var signature = reader.ReadVectorBytes();
        var tag = contentType == ContentType.Commit ? reader.ReadVectorBytes() : null;
        return new FramedContentAuthData(signature, tag);
    }

    /// <summary>Writes the auth data of a message of <paramref name="contentType"/>.</summary>
    /// <exception cref="MlsException">A commit lacks its confirmation tag, or another type carries one.</exception>
    public void WriteTo(ref TlsWriter writer, ContentType contentType)
    {
        writer.WriteVector(Signature);
        if (contentType == ContentType.Commit)
        {
            writer.WriteVector(ConfirmationTag ?? throw new MlsException(MlsErrorCode.InvalidState, "A commit needs its confirmation tag before it is encoded."));
        }
        else if (ConfirmationTag is not null)
        {
            throw new MlsException(MlsErrorCode.InvalidContentType, "Only commits carry a confirmation tag.");
        }
    }
}
