namespace Slim.Testing.Interop;

/// <summary>One app's view of a point-to-point or group session.</summary>
public interface ISessionUnderTest
{
    /// <summary>The session id, the same on every member.</summary>
    uint SessionId { get; }

    /// <summary>Point-to-point or group.</summary>
    TestSessionKind Kind { get; }

    /// <summary>True on the app that created the session (the moderator).</summary>
    bool IsInitiator { get; }

    /// <summary>Invites <paramref name="participant"/> (a name without id) and returns once the invitation completed.</summary>
    Task InviteAsync(string participant, CancellationToken cancellationToken = default);

    /// <summary>Removes <paramref name="participant"/> from the group and returns once the removal completed.</summary>
    Task RemoveAsync(string participant, CancellationToken cancellationToken = default);

    /// <summary>Publishes to the session (the peer, or every group member).</summary>
    Task PublishAsync(
        ReadOnlyMemory<byte> payload, PublishOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Replies to the sender of <paramref name="replyTo"/> only.</summary>
    Task PublishToAsync(
        SessionMessage replyTo,
        ReadOnlyMemory<byte> payload,
        PublishOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns the first received message that matches <paramref name="match"/> (any when null) and was not returned by an
    /// earlier call, waiting for it if needed.
    /// </summary>
    Task<SessionMessage> WaitForMessageAsync(
        Func<SessionMessage, bool>? match = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Waits until this member learns that the session ended (removed, closed by the moderator, or deleted).</summary>
    Task<SessionClosed> WaitForClosedAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns the first session error (a problem reported by the session that does not end it, e.g. "participant
    /// disconnected" on a moderator) matching <paramref name="match"/> and not returned before, waiting for it if needed.
    /// </summary>
    Task<SessionError> WaitForErrorAsync(
        Func<SessionError, bool>? match = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>The members as this app sees them.</summary>
    Task<IReadOnlyList<SessionParticipant>> GetParticipantsAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes the session: a moderator closes it for everyone, a participant leaves.</summary>
    Task DeleteAsync(CancellationToken cancellationToken = default);

    /// <summary>Every message received so far, in arrival order.</summary>
    IReadOnlyList<SessionMessage> ReceivedMessages { get; }
}
