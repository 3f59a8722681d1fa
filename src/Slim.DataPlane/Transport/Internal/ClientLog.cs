using Microsoft.Extensions.Logging;

namespace Slim.DataPlane.Transport.Internal;

/// <summary>Log events of the client end of the gRPC transport (event ids 600-619).</summary>
internal static partial class ClientLog
{
    [LoggerMessage(EventId = 600, Level = LogLevel.Debug, Message = "gRPC stream opened to {Endpoint}")]
    public static partial void StreamOpened(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 601, Level = LogLevel.Debug, Message = "gRPC stream to {Endpoint} could not be opened: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 602, Level = LogLevel.Debug, Message = "gRPC stream to {Endpoint} failed: {Reason}")]
    public static partial void StreamFailed(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 603, Level = LogLevel.Debug, Message = "gRPC stream to {Endpoint} ended by the server with status {Status}")]
    public static partial void StreamEnded(ILogger logger, string endpoint, GrpcStatusCode status);
}
