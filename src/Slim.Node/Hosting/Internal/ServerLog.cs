using Microsoft.Extensions.Logging;
using Slim.DataPlane.Transport;

namespace Slim.Node.Hosting.Internal;

/// <summary>Log events of the server end of the gRPC transport (event ids 620-639).</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 620, Level = LogLevel.Information, Message = "SLIM gRPC server listening on {Scheme}://{Endpoint}")]
    public static partial void Listening(ILogger logger, string scheme, string endpoint);

    [LoggerMessage(EventId = 621, Level = LogLevel.Debug, Message = "gRPC stream accepted from {Remote}")]
    public static partial void StreamAccepted(ILogger logger, string remote);

    [LoggerMessage(EventId = 622, Level = LogLevel.Debug, Message = "gRPC stream from {Remote} ended with status {Status}")]
    public static partial void StreamEnded(ILogger logger, string remote, GrpcStatusCode status);

    [LoggerMessage(EventId = 623, Level = LogLevel.Error, Message = "The stream handler failed for {Remote}")]
    public static partial void HandlerFailed(ILogger logger, string remote, Exception exception);

    [LoggerMessage(EventId = 624, Level = LogLevel.Debug, Message = "Request {Method} {Path} from {Remote} rejected: {Reason}")]
    public static partial void RequestRejected(ILogger logger, string method, string path, string remote, string reason);

    [LoggerMessage(EventId = 625, Level = LogLevel.Information, Message = "SLIM gRPC server stopping: {Active} stream(s) open, draining for up to {DrainSeconds} s")]
    public static partial void Stopping(ILogger logger, int active, double drainSeconds);

    [LoggerMessage(EventId = 626, Level = LogLevel.Information, Message = "SLIM gRPC server stopped; {Remaining} handler(s) still running")]
    public static partial void Stopped(ILogger logger, int remaining);

    [LoggerMessage(EventId = 627, Level = LogLevel.Debug, Message = "Client certificate '{Subject}' rejected: {Reason}")]
    public static partial void ClientCertificateRejected(ILogger logger, string subject, string reason);

    [LoggerMessage(EventId = 628, Level = LogLevel.Debug, Message = "Could not complete the gRPC stream from {Remote}: {Reason}")]
    public static partial void CompleteFailed(ILogger logger, string remote, string reason);
    [LoggerMessage(EventId = 629, Level = LogLevel.Debug, Message = "The stream handler for {Remote} ended on the stream's abort: {Reason}")]
    public static partial void HandlerEndedByAbort(ILogger logger, string remote, string reason);
}
