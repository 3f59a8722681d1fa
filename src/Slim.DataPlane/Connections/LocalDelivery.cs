using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Connections;

/// <summary>
/// A routing failure reported to the local app that sent the message (remote senders are never told).
/// </summary>
public sealed class RoutingError
{
    /// <summary>Creates an error for <paramref name="message"/>.</summary>
    public RoutingError(SlimErrorCode code, string reason, Message message)
    {
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentNullException.ThrowIfNull(message);
        Code = code;
        Reason = reason;
        Message = message;
    }

    /// <summary>Why the message was not routed (<see cref="SlimErrorCode.NoRoute"/> for a destination nobody subscribed).</summary>
    public SlimErrorCode Code { get; }

    /// <summary>A human-readable description.</summary>
    public string Reason { get; }

    /// <summary>The message that could not be routed (the app's own message, as the processor received it).</summary>
    public Message Message { get; }

    /// <summary>The session id of the failed publish, if it has a session header.</summary>
    public uint? SessionId => Message.GetSessionHeader()?.SessionId;

    /// <summary>The message id of the failed publish, if it has a session header.</summary>
    public uint? MessageId => Message.GetSessionHeader()?.MessageId;

    /// <summary>The session message type of the failed publish, if it has a session header.</summary>
    public SessionMessageType? SessionMessageType => Message.GetSessionHeader()?.SessionMessageType;

    /// <inheritdoc/>
    public override string ToString() => $"{Code}: {Reason}";
}

/// <summary>
/// One item delivered to a local app: a message routed to it, or a routing error about a message it sent.
/// </summary>
public readonly struct LocalDelivery
{
    /// <summary>A delivered message.</summary>
    public LocalDelivery(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Message = message;
        Error = null;
    }

    /// <summary>A routing error.</summary>
    public LocalDelivery(RoutingError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Message = null;
        Error = error;
    }

    /// <summary>The message (header MAC stripped, <c>incoming_conn</c> = the connection it came from); null for an error.</summary>
    public Message? Message { get; }

    /// <summary>The routing error; null for a message.</summary>
    public RoutingError? Error { get; }

    /// <summary>True when this item is a routing error.</summary>
    public bool IsError => Error is not null;
}
