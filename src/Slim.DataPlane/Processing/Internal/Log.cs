using Microsoft.Extensions.Logging;
using Slim.DataPlane.Tables;

namespace Slim.DataPlane.Processing.Internal;

/// <summary>
/// Source-generated log messages of the data plane. Event ids 3000–3099 are stable. Nothing here logs a key,
/// a MAC or an identity token.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "Connection {ConnectionId} opened: {Type} {Peer}, link {LinkId}, remote node {RemoteNodeId}, header MAC {HeaderMac}")]
    public static partial void ConnectionOpened(
        ILogger logger, ulong connectionId, ConnectionType type, string peer, string linkId, string remoteNodeId, bool headerMac);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information,
        Message = "Connection {ConnectionId} ({Type} {Peer}) closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, ulong connectionId, ConnectionType type, string peer, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning,
        Message = "Link negotiation as {Role} with {Peer} failed ({Reason}): {Detail}")]
    public static partial void NegotiationFailed(ILogger logger, string role, string peer, string reason, string detail);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug,
        Message = "Dropped a malformed message from connection {ConnectionId}: {Error}")]
    public static partial void MalformedMessage(ILogger logger, ulong connectionId, string? error);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug,
        Message = "Dropped an invalid message from connection {ConnectionId}: {Error}")]
    public static partial void InvalidMessage(ILogger logger, ulong connectionId, string? error);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug,
        Message = "Dropped a {Kind} from connection {ConnectionId}: ttl expired")]
    public static partial void TtlExpired(ILogger logger, string kind, ulong connectionId);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning,
        Message = "Dropped a {Kind} from connection {ConnectionId} ({Peer}): header MAC {Reason}")]
    public static partial void HeaderMacFailed(ILogger logger, string kind, ulong connectionId, string peer, string reason);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Debug,
        Message = "No route for {Destination} (fanout {Fanout}) from connection {ConnectionId}")]
    public static partial void NoRoute(ILogger logger, string destination, uint fanout, ulong connectionId);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Debug,
        Message = "Dropped a message for connection {ConnectionId}: its outbound queue is full")]
    public static partial void QueueFull(ILogger logger, ulong connectionId);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Debug,
        Message = "Ignored a link message on the already negotiated connection {ConnectionId}")]
    public static partial void RepeatedLink(ILogger logger, ulong connectionId);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning,
        Message = "Connection {ConnectionId} ({Peer}) stopped reading for {Timeout}; disconnecting it")]
    public static partial void WriteStalled(ILogger logger, ulong connectionId, string peer, TimeSpan timeout);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Debug,
        Message = "{Operation} of {Name} for connection {ConnectionId} failed: {Error}")]
    public static partial void SubscriptionFailed(ILogger logger, string operation, string name, ulong connectionId, string error);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Warning,
        Message = "No SubscriptionAck from connection {ConnectionId} for subscription {SubscriptionId} after {Attempts} attempts")]
    public static partial void SubscriptionAckTimeout(ILogger logger, ulong connectionId, ulong subscriptionId, int attempts);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Information,
        Message = "Link {LinkId} to {Peer} lost ({Reason}); reconnecting")]
    public static partial void LinkLost(ILogger logger, string linkId, string peer, string reason);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Debug,
        Message = "Reconnect attempt {Attempt} of link {LinkId} to {Peer} failed: {Error}; next attempt in {Delay}")]
    public static partial void ReconnectAttemptFailed(ILogger logger, int attempt, string linkId, string peer, string error, TimeSpan delay);

    [LoggerMessage(EventId = 3017, Level = LogLevel.Information,
        Message = "Link {LinkId} to {Peer} re-established as connection {ConnectionId}; {Count} subscriptions sent")]
    public static partial void LinkReestablished(ILogger logger, string linkId, string peer, ulong connectionId, int count);

    [LoggerMessage(EventId = 3018, Level = LogLevel.Debug,
        Message = "Sent {Count} subscriptions to the new peer connection {ConnectionId}")]
    public static partial void PeerSyncSent(ILogger logger, int count, ulong connectionId);

    [LoggerMessage(EventId = 3019, Level = LogLevel.Debug,
        Message = "Ignored a SubscriptionAck {SubscriptionId} from connection {ConnectionId} that nothing waits for")]
    public static partial void UnexpectedAck(ILogger logger, ulong subscriptionId, ulong connectionId);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Warning,
        Message = "Link {LinkId} to {Peer} closed after {Attempts} failed reconnect attempts")]
    public static partial void LinkGaveUp(ILogger logger, string linkId, string peer, int attempts);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Error,
        Message = "Connection {ConnectionId} ({Peer}) failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, ulong connectionId, string peer, Exception exception);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Warning,
        Message = "Closing connection {ConnectionId} ({Peer}): {Reason}")]
    public static partial void ClosingConnection(ILogger logger, ulong connectionId, string peer, string reason);

    [LoggerMessage(EventId = 3023, Level = LogLevel.Debug,
        Message = "Routing error for local connection {ConnectionId} dropped: its queue is full")]
    public static partial void LocalErrorDropped(ILogger logger, ulong connectionId);

    [LoggerMessage(EventId = 3024, Level = LogLevel.Error,
        Message = "A background subscription task failed")]
    public static partial void BackgroundFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3025, Level = LogLevel.Error,
        Message = "Processing a message from connection {ConnectionId} ({Peer}) failed; the message was dropped")]
    public static partial void MessageFailed(ILogger logger, ulong connectionId, string peer, Exception exception);
}
