using Slim.Protocol;

namespace Slim.Session;

/// <summary>An application message received in a session, with its per-message metadata.</summary>
/// <remarks>
/// To answer only its sender in a group, pass <see cref="Source"/> to <see cref="SessionHandle.PublishToAsync"/>.
/// </remarks>
public sealed class SessionMessage
{
    internal SessionMessage(
        uint sessionId,
        uint messageId,
        SlimName source,
        SlimName destination,
        string payloadType,
        ReadOnlyMemory<byte> payload,
        IReadOnlyDictionary<string, string> metadata,
        bool isDirect,
        string identity,
        ulong? incomingConnection)
    {
        SessionId = sessionId;
        MessageId = messageId;
        Source = source;
        Destination = destination;
        PayloadType = payloadType;
        Payload = payload;
        Metadata = metadata;
        IsDirect = isDirect;
        Identity = identity;
        IncomingConnection = incomingConnection;
    }

    /// <summary>The session the message belongs to.</summary>
    public uint SessionId { get; }

    /// <summary>The sender's message id (1, 2, 3, ... per sender; a random id above 2^31 for a direct message).</summary>
    public uint MessageId { get; }

    /// <summary>The sender's full name (with its instance id).</summary>
    public SlimName Source { get; }

    /// <summary>Where it was sent: the group's data channel, or this app's name (point-to-point, direct messages).</summary>
    public SlimName Destination { get; }

    /// <summary>The application payload type (for example <c>text/plain</c>); may be empty.</summary>
    public string PayloadType { get; }

    /// <summary>The payload (decrypted when the session uses MLS).</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The sender's per-message metadata (<c>Message.metadata</c>), protocol keys removed.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>True for a message sent to this app only (a group reply: PUBLISH_TO).</summary>
    public bool IsDirect { get; }

    /// <summary>The sender's identity token as carried in the header (verified only on MLS sessions' control messages).</summary>
    public string Identity { get; }

    /// <summary>The local connection the message arrived on (<c>incoming_conn</c>), when the data plane set it.</summary>
    public ulong? IncomingConnection { get; }

    /// <inheritdoc/>
    public override string ToString() => $"message {MessageId} from {Source} ({Payload.Length} bytes)";
}
