using Microsoft.Extensions.Logging;
using Slim.Protocol;

namespace Slim.Client.Internal;

/// <summary>Log messages of the SDK (category <c>Slim.Client</c>, event ids 7000–7099).</summary>
internal static partial class Log
{
    [LoggerMessage(7001, LogLevel.Information, "Connected to {Endpoint} (connection {ConnectionId}, default: {IsDefault})")]
    public static partial void Connected(ILogger logger, ulong connectionId, string endpoint, bool isDefault);

    [LoggerMessage(7002, LogLevel.Information, "Connection {ConnectionId} to {Endpoint} is {State}")]
    public static partial void ConnectionState(ILogger logger, ulong connectionId, string endpoint, SlimConnectionState state);

    [LoggerMessage(7003, LogLevel.Information, "Connection {ConnectionId} to {Endpoint} closed")]
    public static partial void Disconnected(ILogger logger, ulong connectionId, string endpoint);

    [LoggerMessage(7004, LogLevel.Warning, "A state-change handler of connection {ConnectionId} threw")]
    public static partial void StateHandlerFailed(ILogger logger, ulong connectionId, Exception exception);

    [LoggerMessage(7010, LogLevel.Information, "App {Name} created")]
    public static partial void AppCreated(ILogger logger, SlimName name);

    [LoggerMessage(7011, LogLevel.Information, "App {Name} closed")]
    public static partial void AppClosed(ILogger logger, SlimName name);

    [LoggerMessage(7012, LogLevel.Debug, "App {Name}: a message it sent could not be routed ({Code}: {Reason}); session {SessionId}, {Type}")]
    public static partial void RoutingError(
        ILogger logger, SlimName name, SlimErrorCode code, string reason, uint? sessionId, Protocol.Wire.SessionMessageType? type);

    [LoggerMessage(7013, LogLevel.Warning, "App {Name}: could not subscribe {Subscription} on connection {ConnectionId}")]
    public static partial void SubscriptionFailed(ILogger logger, SlimName name, SlimName subscription, ulong connectionId, Exception exception);

    [LoggerMessage(7014, LogLevel.Warning, "App {Name}: closing session {SessionId} failed")]
    public static partial void SessionCloseFailed(ILogger logger, SlimName name, uint sessionId, Exception exception);

    [LoggerMessage(7015, LogLevel.Warning, "App {Name}: {Count} session(s) did not close within {Timeout}; ended without telling their peers")]
    public static partial void SessionsAbandoned(ILogger logger, SlimName name, int count, TimeSpan timeout);

    [LoggerMessage(7099, LogLevel.Error, "App {Name}: unexpected failure while handing a message to the session layer")]
    public static partial void DispatchFailed(ILogger logger, SlimName name, Exception exception);
}
