namespace Slim.Protocol.Wire;

/// <summary>
/// The kind of a top-level <see cref="Message"/>; the values are the field numbers of the
/// <c>message_type</c> oneof (and equal <see cref="Message.MessageTypeOneofCase"/>).
/// </summary>
public enum MessageKind
{
    /// <summary>No <c>message_type</c> set: invalid on the wire.</summary>
    None = 0,

    /// <summary>A subscription for the header's destination name.</summary>
    Subscribe = 1,

    /// <summary>Removal of a subscription.</summary>
    Unsubscribe = 2,

    /// <summary>A session-layer message (data or command) routed by the header's destination.</summary>
    Publish = 3,

    /// <summary>Link negotiation: the first message on every connection.</summary>
    Link = 5,

    /// <summary>A node's answer to a Subscribe/Unsubscribe with a non-zero subscription id.</summary>
    SubscriptionAck = 6,
}
