namespace Slim.DataPlane.Tables;

/// <summary>
/// The kind of a connection, as SLIM v2 classifies it. The numeric order is the order in which an anycast
/// (<c>fanout == 1</c>) lookup tries the kinds: Local first, then Remote, Peer and Edge.
/// </summary>
public enum ConnectionType
{
    /// <summary>An app in the same process; messages are handed over without framing, MAC or ttl change.</summary>
    Local = 0,

    /// <summary>A node-to-node link that carries traffic but no subscription propagation (routes are static).</summary>
    Remote = 1,

    /// <summary>A node-to-node link over which subscriptions propagate in both directions.</summary>
    Peer = 2,

    /// <summary>An SDK (app process) connected to this node: the official SDK's default link type.</summary>
    Edge = 3,
}

/// <summary>Which connection kinds a lookup may return.</summary>
[Flags]
public enum ConnectionTypeFilter
{
    /// <summary>No kind: every lookup fails.</summary>
    None = 0,

    /// <summary><see cref="ConnectionType.Local"/>.</summary>
    Local = 1 << ConnectionType.Local,

    /// <summary><see cref="ConnectionType.Remote"/>.</summary>
    Remote = 1 << ConnectionType.Remote,

    /// <summary><see cref="ConnectionType.Peer"/>.</summary>
    Peer = 1 << ConnectionType.Peer,

    /// <summary><see cref="ConnectionType.Edge"/>.</summary>
    Edge = 1 << ConnectionType.Edge,

    /// <summary>Every kind (the normal lookup).</summary>
    All = Local | Remote | Peer | Edge,

    /// <summary>Every kind but peers: used for publishes that arrived from a peer in a full mesh.</summary>
    ExcludePeer = Local | Remote | Edge,
}
