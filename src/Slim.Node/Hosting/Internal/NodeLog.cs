using Microsoft.Extensions.Logging;

namespace Slim.Node.Hosting.Internal;

/// <summary>Log events of the node host (event ids 640-669). Credentials never appear in them.</summary>
internal static partial class NodeLog
{
    [LoggerMessage(EventId = 640, Level = LogLevel.Information,
        Message = "SLIM node {ServiceId} starting: node id {NodeId}, configuration {Source}, {Version}")]
    public static partial void Starting(ILogger logger, string serviceId, string nodeId, string source, string version);

    [LoggerMessage(EventId = 641, Level = LogLevel.Information,
        Message = "SLIM node {ServiceId} started: serving on {Endpoints}; {Links} link(s) to other nodes; header MAC {Strictness}")]
    public static partial void Started(ILogger logger, string serviceId, string endpoints, int links, string strictness);

    [LoggerMessage(EventId = 642, Level = LogLevel.Information, Message = "Configuration note: {Notice}")]
    public static partial void Notice(ILogger logger, string notice);

    [LoggerMessage(EventId = 643, Level = LogLevel.Information,
        Message = "The controller section of the configuration is accepted and ignored: this node has no controller agent yet")]
    public static partial void ControllerIgnored(ILogger logger);

    [LoggerMessage(EventId = 644, Level = LogLevel.Information,
        Message = "Link to {Endpoint} up: {Type} connection {ConnectionId}, link {LinkId}, remote node {RemoteNodeId}")]
    public static partial void LinkUp(ILogger logger, string endpoint, string type, ulong connectionId, string linkId, string remoteNodeId);

    [LoggerMessage(EventId = 645, Level = LogLevel.Warning,
        Message = "Link to {Endpoint} could not be opened (attempt {Attempt}): {Error}; next attempt in {Delay}")]
    public static partial void LinkConnectFailed(ILogger logger, string endpoint, int attempt, string error, TimeSpan delay);

    [LoggerMessage(EventId = 646, Level = LogLevel.Error,
        Message = "Link to {Endpoint} given up after {Attempts} failed attempt(s): {Error}")]
    public static partial void LinkGaveUp(ILogger logger, string endpoint, int attempts, string error);

    [LoggerMessage(EventId = 647, Level = LogLevel.Information, Message = "Link to {Endpoint} down; reconnecting")]
    public static partial void LinkDown(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 648, Level = LogLevel.Information,
        Message = "SLIM node {ServiceId} shutting down ({Reason}): draining connections for up to {Drain}")]
    public static partial void ShuttingDown(ILogger logger, string serviceId, string reason, TimeSpan drain);

    [LoggerMessage(EventId = 649, Level = LogLevel.Information, Message = "SLIM node {ServiceId} stopped after {Elapsed} ms")]
    public static partial void Stopped(ILogger logger, string serviceId, long elapsed);

    [LoggerMessage(EventId = 650, Level = LogLevel.Warning,
        Message = "The drain timeout of {Drain} ran out; the remaining connections were aborted")]
    public static partial void DrainTimedOut(ILogger logger, TimeSpan drain);

    [LoggerMessage(EventId = 651, Level = LogLevel.Information, Message = "Metrics of SLIM node {ServiceId}:{Metrics}")]
    public static partial void Metrics(ILogger logger, string serviceId, NodeMetricsSnapshot metrics);

    [LoggerMessage(EventId = 652, Level = LogLevel.Warning, Message = "Stream from {Remote} rejected: {Reason}")]
    public static partial void StreamRejected(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 653, Level = LogLevel.Error, Message = "SLIM node failed to start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 654, Level = LogLevel.Warning, Message = "Signal {Signal} received again while shutting down: exiting now")]
    public static partial void ForcedExit(ILogger logger, string signal);
}
