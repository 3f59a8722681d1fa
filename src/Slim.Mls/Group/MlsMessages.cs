using Slim.Mls.Codec;
using Slim.Mls.Framing;
using Slim.Mls.KeyPackages;
using Slim.Mls.Welcome;

namespace Slim.Mls.Group;

/// <summary>
/// Wrapping and unwrapping the group-layer structures that travel as MLSMessages (SLIM carries a KeyPackage in
/// JOIN_REPLY and a Welcome in GROUP_WELCOME, both as MLSMessage bytes).
/// </summary>
public static class MlsMessages
{
    /// <summary>The KeyPackage as an MLSMessage (wire format mls_key_package).</summary>
    public static MlsMessage FromKeyPackage(KeyPackage keyPackage)
    {
        ArgumentNullException.ThrowIfNull(keyPackage);
        return MlsMessage.FromBody(WireFormat.KeyPackage, keyPackage.Encoded);
    }

    /// <summary>The GroupInfo as an MLSMessage (wire format mls_group_info).</summary>
    public static MlsMessage FromGroupInfo(GroupInfo groupInfo)
    {
        ArgumentNullException.ThrowIfNull(groupInfo);
        return MlsMessage.FromBody(WireFormat.GroupInfo, TlsCodec.Serialize(groupInfo));
    }

    /// <summary>Decodes an MLSMessage that must carry a KeyPackage of the same protocol version.</summary>
    /// <exception cref="MlsException">Malformed bytes (<see cref="MlsDecodeException"/>) or another wire format or version.</exception>
    public static KeyPackage ReadKeyPackage(ReadOnlySpan<byte> mlsMessage)
    {
        var message = Expect(mlsMessage, WireFormat.KeyPackage);
        var keyPackage = TlsCodec.Deserialize<KeyPackage>(message.Body);
        return keyPackage.Version == message.Version
            ? keyPackage
            : throw new MlsException(MlsErrorCode.UnsupportedProtocolVersion, "The KeyPackage's version differs from its MLSMessage's.");
    }

    /// <summary>Decodes an MLSMessage that must carry a GroupInfo.</summary>
    /// <exception cref="MlsException">Malformed bytes (<see cref="MlsDecodeException"/>) or another wire format.</exception>
    public static GroupInfo ReadGroupInfo(ReadOnlySpan<byte> mlsMessage) => TlsCodec.Deserialize<GroupInfo>(Expect(mlsMessage, WireFormat.GroupInfo).Body);

    private static MlsMessage Expect(ReadOnlySpan<byte> bytes, WireFormat wireFormat)
    {
        var message = MlsMessage.Decode(bytes);
        return message.WireFormat == wireFormat
            ? message
            : throw new MlsException(MlsErrorCode.WrongWireFormat, $"Expected {wireFormat}, got {message.WireFormat}.");
    }
}
