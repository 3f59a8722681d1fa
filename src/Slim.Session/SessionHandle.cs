using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Slim.Protocol;
using Slim.Session.Internal;

namespace Slim.Session;

/// <summary>
/// An open session: publish to it, receive from it, and (as its moderator) invite and remove members. Disposing it
/// closes it gracefully: a moderator deletes the session, a participant leaves it.
/// </summary>
/// <remarks>Thread-safe: every call is queued onto the session's loop.</remarks>
public sealed class SessionHandle : IAsyncDisposable
{
    private readonly SessionEngine _engine;

    internal SessionHandle(SessionEngine engine)
    {
        _engine = engine;
    }

    /// <summary>The session id (chosen by the moderator).</summary>
    public uint Id => _engine.Id;

    /// <summary>Point-to-point or group.</summary>
    public SessionKind Kind => _engine.Kind;

    /// <summary>True when this app created the session (it invites, removes and deletes).</summary>
    public bool IsModerator => _engine.IsModerator;

    /// <summary>This app's full name in the session.</summary>
    public SlimName LocalName => _engine.LocalName;

    /// <summary>Group: the channel name. Point-to-point: the peer (its full name once it joined).</summary>
    public SlimName Destination => _engine.ChannelName;

    /// <summary>The session metadata (sent by the moderator with the join request).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _engine.Metadata;

    /// <summary>True when the session is protected by MLS.</summary>
    public bool MlsEnabled => _engine.MlsEnabled;

    /// <summary>The retransmission interval, when data is reliable.</summary>
    public TimeSpan? Interval => _engine.Timers is { } t ? TimeSpan.FromMilliseconds(t.Timeout) : null;

    /// <summary>The retransmissions before giving up, when data is reliable.</summary>
    public int? MaxRetries => _engine.Timers is { } t ? (int)Math.Min(t.MaxRetries, int.MaxValue) : null;

    /// <summary>Where the session is in its life cycle.</summary>
    public SessionState State => _engine.State;

    /// <summary>Everyone in the session, this app included, with their status (a snapshot).</summary>
    public IReadOnlyList<SessionParticipant> Participants => _engine.Participants;

    /// <summary>Completes with the reason when the session closes.</summary>
    public Task<SessionCloseReason> Completion => _engine.Closed;

    /// <summary>
    /// Publishes to the session: the group's data channel, or the peer. Returns the message id once it is sent; with
    /// reliability on, it is retransmitted until every receiver acknowledged it.
    /// </summary>
    /// <exception cref="SlimSessionException"><see cref="SlimErrorCode.SessionClosed"/>, or an MLS failure.</exception>
    public ValueTask<uint> PublishAsync(
        ReadOnlyMemory<byte> payload,
        string payloadType = "",
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default) =>
        new(_engine.PublishAsync(payload, payloadType, metadata, target: null, wait: false, cancellationToken));

    /// <summary>Like <see cref="PublishAsync"/>, but completes when every receiver acknowledged the message.</summary>
    /// <exception cref="SlimSessionException"><see cref="SlimErrorCode.DeliveryFailed"/> when some never did.</exception>
    public Task<uint> PublishAndWaitAsync(
        ReadOnlyMemory<byte> payload,
        string payloadType = "",
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default) =>
        _engine.PublishAsync(payload, payloadType, metadata, target: null, wait: true, cancellationToken);

    /// <summary>
    /// Sends to one member only (a group reply: PUBLISH_TO), for example the <see cref="SessionMessage.Source"/> of a
    /// received message. In a point-to-point session this is the same as <see cref="PublishAsync"/>.
    /// </summary>
    /// <exception cref="SlimSessionException"><see cref="SlimErrorCode.UnknownDestination"/> for a non-member.</exception>
    public ValueTask<uint> PublishToAsync(
        SlimName destination,
        ReadOnlyMemory<byte> payload,
        string payloadType = "",
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default) =>
        new(_engine.PublishAsync(payload, payloadType, metadata, destination, wait: false, cancellationToken));

    /// <summary>Like <see cref="PublishToAsync"/>, but completes when the member acknowledged the message.</summary>
    public Task<uint> PublishToAndWaitAsync(
        SlimName destination,
        ReadOnlyMemory<byte> payload,
        string payloadType = "",
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default) =>
        _engine.PublishAsync(payload, payloadType, metadata, destination, wait: true, cancellationToken);

    /// <summary>Receives the next message (in order per sender when reliable).</summary>
    /// <param name="timeout">Gives up after this long (on the layer's clock); null waits until cancelled.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SlimSessionException">
    /// <see cref="SlimErrorCode.SessionTimeout"/> after <paramref name="timeout"/>; <see cref="SlimErrorCode.SessionClosed"/>
    /// once the session is closed and every received message was read.
    /// </exception>
    public async ValueTask<SessionMessage> GetMessageAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (_engine.Received.TryRead(out var ready))
        {
            return ready;
        }

        using var timer = timeout is { } t ? new CancellationTokenSource(t, _engine.TimeProvider) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer?.Token ?? CancellationToken.None);
        try
        {
            return await _engine.Received.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            throw new SlimSessionException(SlimErrorCode.SessionTimeout, $"No message arrived in session {Id} within {timeout}.");
        }
        catch (ChannelClosedException)
        {
            throw new SlimSessionException(SlimErrorCode.SessionClosed, $"Session {Id} is closed.");
        }
    }

    /// <summary>Takes a message that already arrived, without waiting.</summary>
    public bool TryGetMessage(out SessionMessage message) => _engine.Received.TryRead(out message!);

    /// <summary>Every message, as it arrives; ends when the session closes.</summary>
    public IAsyncEnumerable<SessionMessage> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _engine.Received.ReadAllAsync(cancellationToken);

    /// <summary>
    /// Lost messages, members joining, leaving and going offline, failed deliveries, and the close, as they happen
    /// (bounded: the oldest are dropped if nobody reads them). Ends when the session closes.
    /// </summary>
    public async IAsyncEnumerable<SessionNotification> ReadNotificationsAsync(
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var notification in _engine.Notifications.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return notification;
        }
    }

    /// <summary>Takes a notification that already happened, without waiting.</summary>
    public bool TryGetNotification(out SessionNotification notification) =>
        _engine.Notifications.TryRead(out notification!);

    /// <summary>Moderator of a group: discovers an instance of <paramref name="participant"/> and adds it.</summary>
    /// <exception cref="SlimSessionException">
    /// <see cref="SlimErrorCode.CannotInviteToPointToPoint"/>, <see cref="SlimErrorCode.NotModerator"/>,
    /// <see cref="SlimErrorCode.ParticipantAlreadyInGroup"/>, <see cref="SlimErrorCode.SessionTimeout"/> (no answer),
    /// <see cref="SlimErrorCode.SessionClosed"/>.
    /// </exception>
    /// <remarks>Cancelling stops waiting; the invitation itself runs to its end.</remarks>
    public Task InviteAsync(SlimName participant, CancellationToken cancellationToken = default) =>
        _engine.InviteAsync(participant, cancellationToken);

    /// <summary>Moderator of a group: removes a member (by full name, or by name when only one instance is a member).</summary>
    /// <exception cref="SlimSessionException">
    /// <see cref="SlimErrorCode.ParticipantNotFound"/>, <see cref="SlimErrorCode.CannotInviteToPointToPoint"/>,
    /// <see cref="SlimErrorCode.NotModerator"/>, <see cref="SlimErrorCode.SessionTimeout"/> (it did not answer; it is
    /// removed anyway), <see cref="SlimErrorCode.SessionClosed"/>.
    /// </exception>
    public Task RemoveAsync(SlimName participant, CancellationToken cancellationToken = default) =>
        _engine.RemoveAsync(participant, cancellationToken);

    /// <summary>
    /// Group members: announce going offline without leaving (official "soft close"). The others mark this member
    /// offline, stop sending it data and stop waiting for its acks; it stops heartbeating until
    /// <see cref="GoOnlineAsync"/>.
    /// </summary>
    /// <exception cref="SlimSessionException">
    /// <see cref="SlimErrorCode.CannotInviteToPointToPoint"/> on a point-to-point session, <see cref="SlimErrorCode.SessionClosed"/>.
    /// </exception>
    public Task GoOfflineAsync(CancellationToken cancellationToken = default) => _engine.SetOnlineAsync(false, cancellationToken);

    /// <summary>
    /// Group members: announce being back online. Members at the same MLS epoch mark this member online again; with MLS,
    /// if some are at another epoch, this member asks the moderator to rejoin.
    /// </summary>
    public Task GoOnlineAsync(CancellationToken cancellationToken = default) => _engine.SetOnlineAsync(true, cancellationToken);

    /// <summary>
    /// Closes the session: a moderator deletes it (every member is told), a participant leaves it. Completes once
    /// closed; waiting on members' replies is bounded by the control retries.
    /// </summary>
    public Task CloseAsync(CancellationToken cancellationToken = default) => _engine.CloseAsync(cancellationToken);

    /// <summary>Closes the session gracefully (<see cref="CloseAsync"/>).</summary>
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} session {Id} ({(IsModerator ? "moderator" : "participant")}, {State})";
}
