using Slim.DataPlane.Tables;

namespace Slim.DataPlane.Connections;

/// <summary>A connection of a processor, as listed by <see cref="Processing.MessageProcessor.GetConnections"/>.</summary>
/// <param name="Id">The connection id (what routes and <c>forward_to</c> refer to).</param>
/// <param name="Type">Local, Remote, Peer or Edge.</param>
/// <param name="Description">The peer (address or URI) or "local app".</param>
/// <param name="LinkId">The negotiated link id ("" for local connections).</param>
/// <param name="RemoteNodeId">The peer's node id from the last negotiation ("" for local connections).</param>
/// <param name="IsConnected">False while an outbound link is reconnecting.</param>
/// <param name="HasHeaderMac">True when messages on the connection carry a header MAC.</param>
public sealed record ConnectionInfo(
    ulong Id, ConnectionType Type, string Description, string LinkId, string RemoteNodeId, bool IsConnected, bool HasHeaderMac);
