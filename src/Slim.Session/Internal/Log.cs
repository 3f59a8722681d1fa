using Microsoft.Extensions.Logging;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Session.Internal;

/// <summary>
/// Session-layer log messages (event ids 4000–4999, stable). Tokens, keys and payloads are never logged; names, ids and
/// reasons are.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(4001, LogLevel.Information, "Session {SessionId} created ({Kind}, {Role}) with {Peer}")]
    public static partial void SessionCreated(ILogger logger, uint sessionId, SessionKind kind, string role, SlimName peer);

    [LoggerMessage(4002, LogLevel.Information, "Session {SessionId} closed: {Reason}")]
    public static partial void SessionClosed(ILogger logger, uint sessionId, SessionCloseReason reason);

    [LoggerMessage(4003, LogLevel.Information, "Joined {Kind} session {SessionId} moderated by {Moderator}")]
    public static partial void SessionJoined(ILogger logger, uint sessionId, SessionKind kind, SlimName moderator);

    [LoggerMessage(4004, LogLevel.Information, "Removed from session {SessionId} by its moderator")]
    public static partial void SessionRemoved(ILogger logger, uint sessionId);

    [LoggerMessage(4005, LogLevel.Warning, "Setting up session {SessionId} with {Peer} failed")]
    public static partial void EstablishmentFailed(ILogger logger, uint sessionId, SlimName peer, Exception exception);

    [LoggerMessage(4006, LogLevel.Warning, "Session {SessionId}: no welcome arrived after the join; session discarded")]
    public static partial void WelcomeTimedOut(ILogger logger, uint sessionId);

    [LoggerMessage(4010, LogLevel.Information, "Session {SessionId}: {Participant} joined")]
    public static partial void ParticipantJoined(ILogger logger, uint sessionId, SlimName participant);

    [LoggerMessage(4011, LogLevel.Information, "Session {SessionId}: {Participant} left (voluntary: {Voluntary})")]
    public static partial void ParticipantLeft(ILogger logger, uint sessionId, SlimName participant, bool voluntary);

    [LoggerMessage(4012, LogLevel.Warning, "Session {SessionId}: {Participant} is offline ({Reason})")]
    public static partial void ParticipantOffline(ILogger logger, uint sessionId, SlimName participant, string reason);

    [LoggerMessage(4013, LogLevel.Information, "Session {SessionId}: {Participant} is online again")]
    public static partial void ParticipantOnline(ILogger logger, uint sessionId, SlimName participant);

    [LoggerMessage(4020, LogLevel.Warning, "Session {SessionId}: dropped {Type} from {Source}: {Reason} ({Detail})")]
    public static partial void Dropped(ILogger logger, uint sessionId, SessionMessageType type, SlimName source, string reason, string detail);

    [LoggerMessage(4021, LogLevel.Debug, "Session {SessionId}: ignored {Type} from {Source}: {Detail}")]
    public static partial void Ignored(ILogger logger, uint sessionId, SessionMessageType type, SlimName source, string detail);

    [LoggerMessage(4022, LogLevel.Debug, "No session {SessionId} for {Type} from {Source}; dropped")]
    public static partial void UnknownSession(ILogger logger, uint sessionId, SessionMessageType type, SlimName source);

    [LoggerMessage(4023, LogLevel.Warning, "Join request for session {SessionId} from {Source} rejected: {Reason} ({Detail})")]
    public static partial void JoinRejected(ILogger logger, uint sessionId, SlimName source, string reason, string detail);

    [LoggerMessage(4024, LogLevel.Warning, "Invalid message dropped: {Error}")]
    public static partial void InvalidMessage(ILogger logger, string error);

    [LoggerMessage(4025, LogLevel.Debug, "Ignored a {Kind} message (not a session message)")]
    public static partial void NotASessionMessage(ILogger logger, string kind);

    [LoggerMessage(4026, LogLevel.Debug, "Answered the discovery of session {SessionId} from {Requester}")]
    public static partial void DiscoveryAnswered(ILogger logger, uint sessionId, SlimName requester);

    [LoggerMessage(4030, LogLevel.Debug, "Session {SessionId}: retransmitting {Type} {MessageId} (attempt {Attempt})")]
    public static partial void ControlRetransmitted(ILogger logger, uint sessionId, SessionMessageType type, uint messageId, int attempt);

    [LoggerMessage(4031, LogLevel.Warning, "Session {SessionId}: {Type} {MessageId} unanswered by {Missing} member(s) after all retries")]
    public static partial void ControlRequestUnanswered(ILogger logger, uint sessionId, SessionMessageType type, uint messageId, int missing);

    [LoggerMessage(4032, LogLevel.Debug, "Session {SessionId}: retransmitting message {MessageId} to {Endpoint} (retry {Retry})")]
    public static partial void DataRetransmitted(ILogger logger, uint sessionId, uint messageId, SlimName endpoint, int retry);

    [LoggerMessage(4033, LogLevel.Warning, "Session {SessionId}: message {MessageId} not acknowledged by {Missing} receiver(s)")]
    public static partial void DeliveryFailed(ILogger logger, uint sessionId, uint messageId, int missing);

    [LoggerMessage(4034, LogLevel.Warning, "Session {SessionId}: {Count} message(s) from {Source} lost, starting at {FirstId}")]
    public static partial void MessagesLost(ILogger logger, uint sessionId, SlimName source, uint firstId, uint count);

    [LoggerMessage(4035, LogLevel.Warning, "Session {SessionId}: receive queue full; message {MessageId} from {Source} dropped")]
    public static partial void ReceiveQueueFull(ILogger logger, uint sessionId, SlimName source, uint messageId);

    [LoggerMessage(4036, LogLevel.Warning, "Session {SessionId}: the moderator did not answer our leave request")]
    public static partial void LeaveUnanswered(ILogger logger, uint sessionId);

    [LoggerMessage(4037, LogLevel.Warning, "Session {SessionId}: {Missing} member(s) did not acknowledge the close")]
    public static partial void CloseUnanswered(ILogger logger, uint sessionId, int missing);

    [LoggerMessage(4040, LogLevel.Warning, "Session {SessionId}: sending {Type} failed")]
    public static partial void SendFailed(ILogger logger, uint sessionId, SessionMessageType type, Exception exception);

    [LoggerMessage(4041, LogLevel.Warning, "Session {SessionId}: (un)subscribing the channels of {Channel} failed")]
    public static partial void SubscriptionFailed(ILogger logger, uint sessionId, SlimName channel, Exception exception);

    [LoggerMessage(4042, LogLevel.Warning, "Session {SessionId}: changing the route to {Name} failed")]
    public static partial void RouteFailed(ILogger logger, uint sessionId, SlimName name, Exception exception);

    [LoggerMessage(4043, LogLevel.Warning, "Session {SessionId}: moderator task {Task} failed")]
    public static partial void ModeratorTaskFailed(ILogger logger, uint sessionId, string task, Exception exception);

    [LoggerMessage(4044, LogLevel.Warning, "Session {SessionId}: MLS {Operation} failed")]
    public static partial void GroupSecurityFailed(ILogger logger, uint sessionId, string operation, Exception exception);

    [LoggerMessage(4045, LogLevel.Warning, "Session {SessionId}: the incoming-session queue is full; leaving the session")]
    public static partial void IncomingQueueFull(ILogger logger, uint sessionId);

    [LoggerMessage(4046, LogLevel.Information, "Session {SessionId}: {Source} is at epoch {TheirEpoch}, we are at {OurEpoch}; rejoining")]
    public static partial void EpochBehind(ILogger logger, uint sessionId, SlimName source, ulong theirEpoch, ulong ourEpoch);

    [LoggerMessage(4047, LogLevel.Warning, "Session {SessionId}: rejoin failed (no reply from the moderator)")]
    public static partial void RejoinFailed(ILogger logger, uint sessionId);

    [LoggerMessage(4099, LogLevel.Error, "Unexpected failure on the loop of {Loop}")]
    public static partial void LoopItemFailed(ILogger logger, string loop, Exception exception);
}
