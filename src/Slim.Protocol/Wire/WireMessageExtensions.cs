using System.Runtime.CompilerServices;

namespace Slim.Protocol.Wire;

/// <summary>Allocation-free accessors a router and a session layer need on any wire message.</summary>
public static class WireMessageExtensions
{
    /// <summary>The kind of the message (which <c>message_type</c> is set).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MessageKind Kind(this Message message) => (MessageKind)message.MessageTypeCase;

    /// <summary>The routing header of a Subscribe, Unsubscribe or Publish; null for Link, SubscriptionAck or none.</summary>
    public static SLIMHeader? GetSlimHeader(this Message message) => message.MessageTypeCase switch
    {
        Message.MessageTypeOneofCase.Publish => message.Publish.Header,
        Message.MessageTypeOneofCase.Subscribe => message.Subscribe.Header,
        Message.MessageTypeOneofCase.Unsubscribe => message.Unsubscribe.Header,
        _ => null,
    };

    /// <summary>The session header of a Publish; null for every other kind.</summary>
    public static SessionHeader? GetSessionHeader(this Message message) =>
        message.MessageTypeCase == Message.MessageTypeOneofCase.Publish ? message.Publish.Session : null;

    /// <summary>The session message type of a Publish, or <see cref="SessionMessageType.Unspecified"/>.</summary>
    public static SessionMessageType GetSessionMessageType(this Message message) =>
        message.GetSessionHeader()?.SessionMessageType ?? SessionMessageType.Unspecified;

    /// <summary>
    /// The <c>payload_type</c> of an application payload; <c>""</c> for a command payload or no content. This is
    /// the value that goes into the header-integrity AAD.
    /// </summary>
    public static string GetPayloadType(this Publish publish) =>
        publish.Msg?.ContentTypeCase == Content.ContentTypeOneofCase.AppPayload
            ? publish.Msg.AppPayload.PayloadType
            : string.Empty;

    /// <summary>
    /// True for command (control) messages, types 5–20 (DISCOVERY_REQUEST … REJOIN_REPLY). Official SLIM signs
    /// every command with <c>e2e_header_sig</c>.
    /// </summary>
    public static bool IsCommand(this SessionMessageType type) =>
        type >= SessionMessageType.DiscoveryRequest && type <= SessionMessageType.RejoinReply;

    /// <summary>True for data messages, types 1–4 (MSG, MSG_ACK, RTX_REQUEST, RTX_REPLY).</summary>
    public static bool IsData(this SessionMessageType type) =>
        type >= SessionMessageType.Msg && type <= SessionMessageType.RtxReply;

    /// <summary>True when the metadata map holds <paramref name="key"/> with the value <c>TRUE</c>.</summary>
    public static bool HasFlag(this Message message, string key) =>
        message.Metadata.TryGetValue(key, out var value) && value == SlimConstants.MetadataTrue;
}
