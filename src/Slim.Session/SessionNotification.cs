using Slim.Protocol;

namespace Slim.Session;

/// <summary>
/// Something the app may want to know about a session besides its messages. Read them with
/// <see cref="SessionHandle.ReadNotificationsAsync"/>.
/// </summary>
public abstract record SessionNotification
{
    private protected SessionNotification()
    {
    }
}

/// <summary>
/// Reliable messages from <paramref name="Source"/> could not be recovered (the sender no longer had them, or the
/// retransmission requests ran out); delivery continues after them. Ids wrap after 2^31 − 1.
/// </summary>
/// <param name="Source">The sender's full name.</param>
/// <param name="FirstMessageId">The id of the first lost message.</param>
/// <param name="Count">How many consecutive ids were lost.</param>
public sealed record MessageLostNotification(SlimName Source, uint FirstMessageId, uint Count) : SessionNotification;

/// <summary>A member joined the session.</summary>
/// <param name="Participant">Its full name.</param>
public sealed record ParticipantJoinedNotification(SlimName Participant) : SessionNotification;

/// <summary>A member left or was removed.</summary>
/// <param name="Participant">Its full name.</param>
/// <param name="Voluntary">True when it left on its own (official: "participant disconnected").</param>
public sealed record ParticipantLeftNotification(SlimName Participant, bool Voluntary) : SessionNotification;

/// <summary>A member went offline (missed heartbeats or acks, soft close) or came back online.</summary>
/// <param name="Participant">Its full name.</param>
/// <param name="Status">The new status.</param>
public sealed record ParticipantStatusNotification(SlimName Participant, ParticipantStatus Status) : SessionNotification;

/// <summary>A published message was not acknowledged by some receivers; they were marked offline.</summary>
/// <param name="MessageId">The message id.</param>
/// <param name="Missing">The receivers that never acknowledged it.</param>
public sealed record DeliveryFailedNotification(uint MessageId, IReadOnlyList<SlimName> Missing) : SessionNotification;

/// <summary>The session closed.</summary>
/// <param name="Reason">Why.</param>
public sealed record SessionClosedNotification(SessionCloseReason Reason) : SessionNotification;
