using Slim.Mls.Codec;
using Slim.Mls.Framing.Internal;

namespace Slim.Mls.Framing;

/// <summary>
/// The envelope of everything MLS sends (RFC 9420 section 6):
/// <code>
/// struct {
///     ProtocolVersion version = mls10;   // uint16
///     WireFormat wire_format;            // uint16
///     select (MLSMessage.wire_format) {
///         case mls_public_message:  PublicMessage public_message;
///         case mls_private_message: PrivateMessage private_message;
///         case mls_welcome:         Welcome welcome;
///         case mls_group_info:      GroupInfo group_info;
///         case mls_key_package:     KeyPackage key_package;
///     };
/// } MLSMessage;
/// </code>
/// Public and private messages are decoded here; a Welcome, GroupInfo or KeyPackage is delimited by walking its
/// grammar and kept encoded in <see cref="Body"/> for the group layer to decode.
/// </summary>
public sealed class MlsMessage : ITlsEncodable, ITlsDecodable<MlsMessage>
{
    private MlsMessage(WireFormat wireFormat, PublicMessage? publicMessage, PrivateMessage? privateMessage, byte[]? body)
    {
        WireFormat = wireFormat;
        PublicMessage = publicMessage;
        PrivateMessage = privateMessage;
        Body = body;
    }

    /// <summary>Always <see cref="ProtocolVersion.Mls10"/>.</summary>
    public ProtocolVersion Version => ProtocolVersion.Mls10;

    /// <summary>What the message carries.</summary>
    public WireFormat WireFormat { get; }

    /// <summary>The PublicMessage, when <see cref="WireFormat"/> says so.</summary>
    public PublicMessage? PublicMessage { get; }

    /// <summary>The PrivateMessage, when <see cref="WireFormat"/> says so.</summary>
    public PrivateMessage? PrivateMessage { get; }

    /// <summary>The encoded Welcome, GroupInfo or KeyPackage, when <see cref="WireFormat"/> says so.</summary>
    public byte[]? Body { get; }

    /// <summary>Wraps a PublicMessage.</summary>
    public static MlsMessage From(PublicMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new MlsMessage(WireFormat.PublicMessage, message, null, null);
    }

    /// <summary>Wraps a PrivateMessage.</summary>
    public static MlsMessage From(PrivateMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new MlsMessage(WireFormat.PrivateMessage, null, message, null);
    }

    /// <summary>Wraps an encoded Welcome, GroupInfo or KeyPackage (its structure is checked).</summary>
    /// <exception cref="MlsDecodeException">The body is not a valid encoding of that structure.</exception>
    public static MlsMessage FromBody(WireFormat wireFormat, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (wireFormat is not (WireFormat.Welcome or WireFormat.GroupInfo or WireFormat.KeyPackage))
        {
            throw new MlsException(MlsErrorCode.WrongWireFormat, $"{wireFormat} is not carried as an encoded body.");
        }

        var reader = new TlsReader(body);
        SkipBody(ref reader, wireFormat);
        reader.EnsureEnd();
        return new MlsMessage(wireFormat, null, null, body);
    }

    /// <summary>Decodes a whole MLSMessage.</summary>
    /// <exception cref="MlsDecodeException">The bytes are not one valid MLSMessage.</exception>
    public static MlsMessage Decode(ReadOnlySpan<byte> encoded) => TlsCodec.Deserialize<MlsMessage>(encoded);

    /// <summary>Encodes the message.</summary>
    public byte[] ToBytes() => TlsCodec.Serialize(this);

    /// <inheritdoc />
    public static MlsMessage ReadFrom(ref TlsReader reader)
    {
        var version = reader.ReadUInt16();
        if (version != (ushort)ProtocolVersion.Mls10)
        {
            throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"Protocol version {version} is not mls10", -2);
        }

        var wireFormat = (WireFormat)reader.ReadUInt16();
        switch (wireFormat)
        {
            case WireFormat.PublicMessage:
                return new MlsMessage(wireFormat, PublicMessage.ReadFrom(ref reader), null, null);
            case WireFormat.PrivateMessage:
                return new MlsMessage(wireFormat, null, PrivateMessage.ReadFrom(ref reader), null);
            case WireFormat.Welcome:
            case WireFormat.GroupInfo:
            case WireFormat.KeyPackage:
                var start = reader.Position;
                SkipBody(ref reader, wireFormat);
                return new MlsMessage(wireFormat, null, null, reader.Buffer[start..reader.Position].ToArray());
            default:
                throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"Unknown wire format {(ushort)wireFormat}", -2);
        }
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteUInt16((ushort)ProtocolVersion.Mls10);
        writer.WriteUInt16((ushort)WireFormat);
        if (PublicMessage is not null)
        {
            PublicMessage.WriteTo(ref writer);
        }
        else if (PrivateMessage is not null)
        {
            PrivateMessage.WriteTo(ref writer);
        }
        else
        {
            writer.WriteBytes(Body);
        }
    }

    private static void SkipBody(ref TlsReader reader, WireFormat wireFormat)
    {
        switch (wireFormat)
        {
            case WireFormat.Welcome:
                MessageStructure.SkipWelcome(ref reader);
                break;
            case WireFormat.GroupInfo:
                MessageStructure.SkipGroupInfo(ref reader);
                break;
            default:
                MessageStructure.SkipKeyPackage(ref reader);
                break;
        }
    }
}
