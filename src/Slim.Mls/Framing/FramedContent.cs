using Slim.Mls.Codec;
using Slim.Mls.Framing.Internal;

namespace Slim.Mls.Framing;

/// <summary>
/// The content of a handshake or application message before protection (RFC 9420 section 6):
/// <code>
/// struct {
///     opaque group_id&lt;V&gt;;
///     uint64 epoch;
///     Sender sender;
///     opaque authenticated_data&lt;V&gt;;
///     ContentType content_type;                 // uint8
///     select (FramedContent.content_type) {
///         case application: opaque application_data&lt;V&gt;;
///         case proposal:    Proposal proposal;   // no length prefix
///         case commit:      Commit commit;       // no length prefix
///     };
/// } FramedContent;
/// </code>
/// </summary>
/// <remarks>
/// <see cref="Content"/> holds the application data itself, or the encoded Proposal or Commit: the framing layer finds
/// where a Proposal or Commit ends by walking its grammar, and the group layer decodes it into its own types.
/// </remarks>
public sealed class FramedContent : ITlsEncodable, ITlsDecodable<FramedContent>
{
    /// <summary>Creates a FramedContent.</summary>
    /// <param name="groupId">The group identifier.</param>
    /// <param name="epoch">The epoch the message belongs to.</param>
    /// <param name="sender">The sender.</param>
    /// <param name="authenticatedData">Application-supplied data authenticated but not encrypted.</param>
    /// <param name="contentType">Application, proposal or commit.</param>
    /// <param name="content">Application data, or the encoded Proposal or Commit.</param>
    public FramedContent(byte[] groupId, ulong epoch, Sender sender, byte[] authenticatedData, ContentType contentType, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        ArgumentNullException.ThrowIfNull(authenticatedData);
        ArgumentNullException.ThrowIfNull(content);
        if (contentType is not (ContentType.Application or ContentType.Proposal or ContentType.Commit))
        {
            throw new MlsException(MlsErrorCode.InvalidContentType, $"Content type {(byte)contentType} is not defined.");
        }

        GroupId = groupId;
        Epoch = epoch;
        Sender = sender;
        AuthenticatedData = authenticatedData;
        ContentType = contentType;
        Content = content;
    }

    /// <summary>The group identifier.</summary>
    public byte[] GroupId { get; }

    /// <summary>The epoch.</summary>
    public ulong Epoch { get; }

    /// <summary>The sender.</summary>
    public Sender Sender { get; }

    /// <summary>The caller's authenticated (not encrypted) data.</summary>
    public byte[] AuthenticatedData { get; }

    /// <summary>The content type.</summary>
    public ContentType ContentType { get; }

    /// <summary>Application data, or the encoded Proposal or Commit.</summary>
    public byte[] Content { get; }

    /// <inheritdoc />
    public static FramedContent ReadFrom(ref TlsReader reader)
    {
        var groupId = reader.ReadVectorBytes();
        var epoch = reader.ReadUInt64();
        var sender = Sender.ReadFrom(ref reader);
        var authenticatedData = reader.ReadVectorBytes();
        var contentType = (ContentType)reader.ReadUInt8();
        var content = MessageStructure.ReadContent(ref reader, contentType);
        return new FramedContent(groupId, epoch, sender, authenticatedData, contentType, content);
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteVector(GroupId);
        writer.WriteUInt64(Epoch);
        Sender.WriteTo(ref writer);
        writer.WriteVector(AuthenticatedData);
        writer.WriteUInt8((byte)ContentType);
        WriteContent(ref writer, ContentType, Content);
    }

    /// <summary>Writes the content <c>select</c> (shared with PrivateMessageContent).</summary>
    internal static void WriteContent(ref TlsWriter writer, ContentType contentType, byte[] content)
    {
        if (contentType == ContentType.Application)
        {
            writer.WriteVector(content);
        }
        else
        {
            writer.WriteBytes(content);
        }
    }
}
