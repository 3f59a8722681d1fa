using Slim.Protocol;
using Slim.Session;

namespace Slim.Client;

/// <summary>
/// A session of a <see cref="SlimApp"/> (official <c>Session</c>): publish to it, receive from it, and, as its
/// moderator, invite and remove members. Every call is thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// Calls that wait for the other side return tasks that fail with a <see cref="SlimSessionException"/> whose
/// <see cref="SlimException.ErrorCode"/> says why: <see cref="SlimErrorCode.SessionTimeout"/>,
/// <see cref="SlimErrorCode.ParticipantNotFound"/>, <see cref="SlimErrorCode.ParticipantAlreadyInGroup"/>,
/// <see cref="SlimErrorCode.SessionClosed"/>, <see cref="SlimErrorCode.NotModerator"/>,
/// <see cref="SlimErrorCode.DeliveryFailed"/>.
/// </para>
/// <para>
/// Received messages wait in a bounded queue (<see cref="SessionLayerOptions.ReceiveCapacity"/>); read them with
/// <see cref="GetMessageAsync"/> or <see cref="ReadAllAsync"/>. Disposing the session closes it
/// (<see cref="DeleteAsync"/>).
/// </para>
/// </remarks>
public sealed class SlimSession : IAsyncDisposable
{
    /// <summary>The payload type official SLIM reports for messages sent without one.</summary>
    public const string DefaultPayloadType = "msg";

    private readonly SlimApp _app;

    internal SlimSession(SlimApp app, SessionHandle handle)
    {
        _app = app;
        Handle = handle;
    }

    /// <summary>The session id, the same on every member.</summary>
    public uint Id => Handle.Id;

    /// <summary>Point-to-point or group.</summary>
    public SlimSessionType SessionType =>
        Handle.Kind == SessionKind.Group ? SlimSessionType.Group : SlimSessionType.PointToPoint;

    /// <summary>True when this app created the session (its moderator: it invites, removes and deletes).</summary>
    public bool IsInitiator => Handle.IsModerator;

    /// <summary>The app this session belongs to.</summary>
    public SlimApp App => _app;

    /// <summary>This app's full name in the session.</summary>
    public SlimName Source => Handle.LocalName;

    /// <summary>Group: the channel name. Point-to-point: the peer (its full name once it joined).</summary>
    public SlimName Destination => Handle.Destination;

    /// <summary>The session metadata, set by the moderator (<see cref="SlimSessionConfig.Metadata"/>).</summary>
    public IReadOnlyDictionary<string, string> Metadata => Handle.Metadata;

    /// <summary>True when MLS protects the session.</summary>
    public bool MlsEnabled => Handle.MlsEnabled;

    /// <summary>The retransmission interval when data is reliable, else null.</summary>
    public TimeSpan? RetryInterval => Handle.Interval;

    /// <summary>The retransmissions before giving up when data is reliable, else null.</summary>
    public int? MaxRetries => Handle.MaxRetries;

    /// <summary>Where the session is in its life cycle.</summary>
    public SessionState State => Handle.State;

    /// <summary>
    /// Completes with the reason when the session closes: <see cref="SessionCloseReason.Removed"/> when the moderator
    /// removed this app, <see cref="SessionCloseReason.ClosedByModerator"/> when it deleted the session, ...
    /// </summary>
    public Task<SessionCloseReason> Completion => Handle.Completion;

    /// <summary>The session-layer handle underneath, for what this type does not expose (going offline, ...).</summary>
    public SessionHandle Handle { get; }

    /// <summary>
    /// Publishes to the session: every group member, or the peer. Completes once the message is handed to the network;
    /// reliable sessions go on retransmitting it until every receiver acknowledged it
    /// (<see cref="PublishAndWaitAsync"/> waits for that).
    /// </summary>
    /// <param name="payload">The bytes.</param>
    /// <param name="payloadType">The content type; null for <see cref="DefaultPayloadType"/>.</param>
    /// <param name="metadata">Per-message metadata, delivered with the message.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>The message id.</returns>
    /// <exception cref="SlimSessionException"><see cref="SlimErrorCode.SessionClosed"/>.</exception>
    public ValueTask<uint> PublishAsync(
        ReadOnlyMemory<byte> payload,
        string? payloadType = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default) =>
        Handle.PublishAsync(payload, payloadType ?? DefaultPayloadType, metadata, cancellationToken);

    /// <summary>Publishes like <see cref="PublishAsync"/> and completes when every receiver acknowledged the message.</summary>
    /// <exception cref="SlimSessionException"><see cref="SlimErrorCode.DeliveryFailed"/> when some receivers never did.</exception>
    public Task<uint> PublishAndWaitAsync(
        ReadOnlyMemory<byte> payload,
        string? payloadType = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default) =>
        Handle.PublishAndWaitAsync(payload, payloadType ?? DefaultPayloadType, metadata, cancellationToken);

    /// <summary>
    /// Replies to the sender of <paramref name="message"/> only (official <c>publish_to</c>). In a point-to-point
    /// session this is <see cref="PublishAsync"/>.
    /// </summary>
    /// <exception cref="SlimSessionException"><see cref="SlimErrorCode.UnknownDestination"/> when the sender is no longer a member.</exception>
    public ValueTask<uint> PublishToAsync(
        SessionMessage message,
        ReadOnlyMemory<byte> payload,
        string? payloadType = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return PublishToAsync(message.Source, payload, payloadType, metadata, cancellationToken);
    }

    /// <summary>Sends to one member only (by full name).</summary>
    /// <exception cref="SlimSessionException"><see cref="SlimErrorCode.UnknownDestination"/> for a non-member.</exception>
    public ValueTask<uint> PublishToAsync(
        SlimName member,
        ReadOnlyMemory<byte> payload,
        string? payloadType = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default) =>
        Handle.PublishToAsync(member, payload, payloadType ?? DefaultPayloadType, metadata, cancellationToken);

    /// <summary>Like <see cref="PublishToAsync(SessionMessage, ReadOnlyMemory{byte}, string?, IReadOnlyDictionary{string, string}?, CancellationToken)"/>, and completes when the member acknowledged it.</summary>
    public Task<uint> PublishToAndWaitAsync(
        SessionMessage message,
        ReadOnlyMemory<byte> payload,
        string? payloadType = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Handle.PublishToAndWaitAsync(message.Source, payload, payloadType ?? DefaultPayloadType, metadata, cancellationToken);
    }

    /// <summary>Receives the next message (in order per sender when the session is reliable).</summary>
    /// <param name="timeout">Gives up after this long; null waits until cancelled.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SlimSessionException">
    /// <see cref="SlimErrorCode.SessionTimeout"/> after <paramref name="timeout"/>; <see cref="SlimErrorCode.SessionClosed"/>
    /// once the session closed and every message was read.
    /// </exception>
    public ValueTask<SessionMessage> GetMessageAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Handle.GetMessageAsync(timeout, cancellationToken);

    /// <summary>Every message as it arrives; the sequence ends when the session closes.</summary>
    public IAsyncEnumerable<SessionMessage> ReadAllAsync(CancellationToken cancellationToken = default) =>
        Handle.ReadAllAsync(cancellationToken);

    /// <summary>
    /// What happens besides messages: lost messages (<see cref="MessageLostNotification"/>), members joining, leaving
    /// or going offline, failed deliveries, and the close. Bounded: the oldest are dropped if nobody reads them.
    /// </summary>
    public IAsyncEnumerable<SessionNotification> ReadNotificationsAsync(CancellationToken cancellationToken = default) =>
        Handle.ReadNotificationsAsync(cancellationToken);

    /// <summary>Moderator of a group: finds an instance of <paramref name="participant"/> and adds it to the group.</summary>
    /// <exception cref="SlimSessionException">
    /// <see cref="SlimErrorCode.ParticipantAlreadyInGroup"/>, <see cref="SlimErrorCode.SessionTimeout"/> (no answer),
    /// <see cref="SlimErrorCode.NotModerator"/>, <see cref="SlimErrorCode.CannotInviteToPointToPoint"/>,
    /// <see cref="SlimErrorCode.SessionClosed"/>.
    /// </exception>
    public Task InviteAsync(SlimName participant, CancellationToken cancellationToken = default) =>
        Handle.InviteAsync(participant, cancellationToken);

    /// <summary>Moderator of a group: removes a member (by name, or full name); it is told and its session closes.</summary>
    /// <exception cref="SlimSessionException">
    /// <see cref="SlimErrorCode.ParticipantNotFound"/>, <see cref="SlimErrorCode.SessionTimeout"/> (it did not answer;
    /// it is removed anyway), <see cref="SlimErrorCode.NotModerator"/>, <see cref="SlimErrorCode.SessionClosed"/>.
    /// </exception>
    public Task RemoveAsync(SlimName participant, CancellationToken cancellationToken = default) =>
        Handle.RemoveAsync(participant, cancellationToken);

    /// <summary>Everyone in the session as this app sees it, this app included (official <c>participants_list</c>).</summary>
    public IReadOnlyList<SessionParticipant> GetParticipants() => Handle.Participants;

    /// <summary>
    /// Closes the session: the moderator deletes it for every member; a participant leaves it. Completes once closed.
    /// </summary>
    public Task DeleteAsync(CancellationToken cancellationToken = default) => Handle.CloseAsync(cancellationToken);

    /// <summary>Closes the session (<see cref="DeleteAsync"/>).</summary>
    public async ValueTask DisposeAsync() => await DeleteAsync().ConfigureAwait(false);

    /// <inheritdoc/>
    public override string ToString() => Handle.ToString();

    internal void OnClosed() => _app.OnSessionClosed(this);
}
