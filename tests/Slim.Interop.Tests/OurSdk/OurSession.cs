using System.Collections.Concurrent;
using Slim.Client;
using Slim.Protocol;
using Slim.Session;
using Slim.Testing.Interop;
using Slim.Testing.Interop.Internal;
using ReceivedMessage = Slim.Session.SessionMessage;
using TestMessage = Slim.Testing.Interop.SessionMessage;
using TestParticipant = Slim.Testing.Interop.SessionParticipant;

namespace Slim.Interop.Tests.OurSdk;

/// <summary>A session of <see cref="OurApp"/> behind <see cref="ISessionUnderTest"/>.</summary>
public sealed class OurSession : ISessionUnderTest
{
    private readonly OurApp _app;
    private readonly SlimSession _session;
    private readonly Mailbox<TestMessage> _messages = new();
    private readonly Mailbox<SessionClosed> _closed = new();
    private readonly Mailbox<SessionError> _errors = new();
    private readonly ConcurrentDictionary<long, ReceivedMessage> _received = new();
    private readonly ConcurrentQueue<SessionNotification> _notifications = new();

    internal OurSession(OurApp app, SlimSession session)
    {
        _app = app;
        _session = session;
        _ = Task.Run(ReceiveAsync);
        _ = Task.Run(WatchNotificationsAsync);
    }

    /// <inheritdoc />
    public uint SessionId => _session.Id;

    /// <inheritdoc />
    public TestSessionKind Kind => _session.SessionType == SlimSessionType.Group ? TestSessionKind.Group : TestSessionKind.PointToPoint;

    /// <inheritdoc />
    public bool IsInitiator => _session.IsInitiator;

    /// <inheritdoc />
    public IReadOnlyList<TestMessage> ReceivedMessages => _messages.Snapshot();

    /// <summary>Every notification the session gave the app so far (offline/online members, lost messages, failed deliveries, ...).</summary>
    public IReadOnlyList<SessionNotification> Notifications => [.. _notifications];

    /// <summary>The SDK session.</summary>
    public SlimSession Session => _session;

    private string Label => $"{_app.Description} session {SessionId}";

    /// <inheritdoc />
    public Task InviteAsync(string participant, CancellationToken cancellationToken = default) =>
        _session.InviteAsync(SlimName.Parse(participant), cancellationToken);

    /// <inheritdoc />
    public Task RemoveAsync(string participant, CancellationToken cancellationToken = default) =>
        _session.RemoveAsync(SlimName.Parse(participant), cancellationToken);

    /// <inheritdoc />
    public async Task PublishAsync(ReadOnlyMemory<byte> payload, PublishOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (options?.WaitForAck ?? true)
        {
            await _session.PublishAndWaitAsync(payload, options?.PayloadType, options?.Metadata, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _session.PublishAsync(payload, options?.PayloadType, options?.Metadata, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task PublishToAsync(
        TestMessage replyTo, ReadOnlyMemory<byte> payload, PublishOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replyTo);
        if (!_received.TryGetValue(replyTo.Number, out var original))
        {
            throw new ArgumentException($"{Label} did not receive message {replyTo.Number}; reply through the session that did.", nameof(replyTo));
        }

        if (options?.WaitForAck ?? true)
        {
            await _session.PublishToAndWaitAsync(original, payload, options?.PayloadType, options?.Metadata, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _session.PublishToAsync(original, payload, options?.PayloadType, options?.Metadata, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task<TestMessage> WaitForMessageAsync(
        Func<TestMessage, bool>? match = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _messages.WaitAsync(
            match ?? (_ => true), consume: true, timeout ?? OfficialSlim.CommandTimeout, $"{Label}: waiting for a message", _app.RecentDiagnostics, cancellationToken);

    /// <inheritdoc />
    public Task<SessionClosed> WaitForClosedAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _closed.WaitAsync(
            _ => true, consume: false, timeout ?? OfficialSlim.CommandTimeout, $"{Label}: waiting for the session to close", _app.RecentDiagnostics, cancellationToken);

    /// <inheritdoc />
    public Task<SessionError> WaitForErrorAsync(
        Func<SessionError, bool>? match = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _errors.WaitAsync(
            match ?? (_ => true), consume: true, timeout ?? OfficialSlim.CommandTimeout, $"{Label}: waiting for a session error", _app.RecentDiagnostics, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<TestParticipant>> GetParticipantsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TestParticipant>>(
        [
            .. _session.GetParticipants().Select(p => new TestParticipant(
                p.Name.ToString("P"), SlimName.FormatInstanceId(p.Name.Id), p.Status == ParticipantStatus.Online)),
        ]);

    /// <inheritdoc />
    public Task DeleteAsync(CancellationToken cancellationToken = default) => _session.DeleteAsync(cancellationToken);

    private async Task ReceiveAsync()
    {
        await foreach (var message in _session.ReadAllAsync().ConfigureAwait(false))
        {
            var number = _app.NextMessageNumber();
            _received[number] = message;
            _messages.Add(new TestMessage(
                number,
                message.SessionId,
                message.Source.ToString("P"),
                SlimName.FormatInstanceId(message.Source.Id),
                message.Destination.ToString("F"),
                message.PayloadType,
                message.Metadata,
                message.Payload));
        }

        var reason = await _session.Completion.ConfigureAwait(false);
        _closed.Add(new SessionClosed(SessionId, reason.ToString()));
    }

    // The official bindings report a member's voluntary departure to the moderator as the session error
    // "participant disconnected: <name>"; our notifications say the same thing, and are mapped to that text.
    private async Task WatchNotificationsAsync()
    {
        await foreach (var notification in _session.ReadNotificationsAsync().ConfigureAwait(false))
        {
            _notifications.Enqueue(notification);
            if (notification is ParticipantLeftNotification { Voluntary: true } left)
            {
                _errors.Add(new SessionError(SessionId, "SessionError", $"participant disconnected: {left.Participant}"));
            }
        }
    }
}
