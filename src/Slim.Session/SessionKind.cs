namespace Slim.Session;

/// <summary>The two kinds of SLIM sessions.</summary>
public enum SessionKind
{
    /// <summary>
    /// Two apps: the initiator (moderator) and one peer found by discovery. Data goes to the peer's full name
    /// (wire <c>SESSION_TYPE_POINT_TO_POINT</c>).
    /// </summary>
    PointToPoint = 1,

    /// <summary>
    /// A moderator and any number of invited participants sharing a data channel and a control channel
    /// (wire <c>SESSION_TYPE_MULTICAST</c>).
    /// </summary>
    Group = 2,
}

/// <summary>Life cycle of a session.</summary>
public enum SessionState
{
    /// <summary>Being set up: a point-to-point moderator waiting for its peer, or a participant waiting for its welcome.</summary>
    Establishing = 0,

    /// <summary>Established: messages flow.</summary>
    Active = 1,

    /// <summary>Closing: leaving, being removed, or deleting (waiting for the last replies).</summary>
    Closing = 2,

    /// <summary>Closed; every pending call failed with <see cref="Protocol.SlimErrorCode.SessionClosed"/>.</summary>
    Closed = 3,
}

/// <summary>Why a session closed.</summary>
public enum SessionCloseReason
{
    /// <summary>The session is not closed.</summary>
    None = 0,

    /// <summary>This app closed it (a moderator deleted it, a participant left voluntarily).</summary>
    ClosedLocally = 1,

    /// <summary>The moderator deleted the session (GROUP_CLOSE).</summary>
    ClosedByModerator = 2,

    /// <summary>The moderator removed this participant (LEAVE_REQUEST).</summary>
    Removed = 3,

    /// <summary>The peer of a point-to-point session, or the last participant of a group, left.</summary>
    PeerLeft = 4,

    /// <summary>Setting the session up failed (no reply to discovery or join, no welcome).</summary>
    EstablishmentFailed = 5,

    /// <summary>The session layer was disposed.</summary>
    LayerDisposed = 6,
}

/// <summary>Whether a member is reachable, as seen by this app.</summary>
public enum ParticipantStatus
{
    /// <summary>The member answers (heartbeats, acks): data is sent to it and its acks are awaited.</summary>
    Online = 0,

    /// <summary>
    /// The member missed heartbeats or acks (or announced a soft close). It stays in the roster, but data is no longer
    /// awaited from or sent to it until it is heard from again.
    /// </summary>
    Offline = 1,
}
