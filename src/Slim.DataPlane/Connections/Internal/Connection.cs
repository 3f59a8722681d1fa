using Slim.DataPlane.Tables;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Connections.Internal;

/// <summary>What happened to a message handed to a connection.</summary>
internal enum DeliveryResult
{
    /// <summary>Queued for the peer (or handed to the local app).</summary>
    Delivered,

    /// <summary>The bounded queue is full; the message was not taken.</summary>
    QueueFull,

    /// <summary>The connection is closed; the message was not taken.</summary>
    Closed,
}

/// <summary>
/// A connection as the processor sees it: an id, a type and a way to hand it messages. A message handed over
/// belongs to the connection from then on (the processor gives every output its own instance).
/// </summary>
internal abstract class Connection
{
    protected Connection(ulong id, ConnectionType type, string description)
    {
        Id = id;
        Type = type;
        Description = description;
    }

    public ulong Id { get; }

    public ConnectionType Type { get; }

    /// <summary>The peer, for logs (an address, a URI or "local app").</summary>
    public string Description { get; }

    public bool IsLocal => Type == ConnectionType.Local;

    /// <summary>The negotiated link id ("" for local connections).</summary>
    public virtual string LinkId => string.Empty;

    /// <summary>The peer's node id from the last link negotiation ("" for local connections).</summary>
    public virtual string RemoteNodeId => string.Empty;

    /// <summary>False while an outbound link is down between two attempts.</summary>
    public virtual bool IsConnected => true;

    /// <summary>True when messages on this connection carry a header MAC.</summary>
    public virtual bool HasHeaderMac => false;

    /// <summary>Hands a message over without waiting; never blocks.</summary>
    public abstract DeliveryResult TryDeliver(Message message);

    /// <summary>Hands a message over, waiting for queue space (used only for a local sender's single target).</summary>
    public abstract ValueTask<DeliveryResult> DeliverAsync(Message message, CancellationToken cancellationToken);
}
