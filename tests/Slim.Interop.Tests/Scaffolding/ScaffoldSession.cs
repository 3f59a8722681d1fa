using Slim.Protocol;
using Slim.Session;
using Slim.Testing.Interop;
using TestMessage = Slim.Testing.Interop.SessionMessage;
using TestParticipant = Slim.Testing.Interop.SessionParticipant;

namespace Slim.Interop.Tests.Scaffolding;

/// <summary>TEST SCAFFOLDING: a <see cref="SessionHandle"/> behind <see cref="ISessionUnderTest"/>.</summary>
internal sealed class ScaffoldSession : ISessionUnderTest
{
    private readonly ScaffoldApp _app;
    private readonly SessionHandle _handle;
    private readonly Inbox<TestMessage> _messages = new();
    private readonly Inbox<SessionError> _errors = new();

    public ScaffoldSession(ScaffoldApp app, SessionHandle handle)
    {
        _app = app;
        _handle = handle;
        _ = Task.Run(PumpMessagesAsync);
        _ = Task.Run(PumpNotificationsAsync);
    }

    public uint SessionId => _handle.Id;

    public TestSessionKind Kind => _handle.Kind == SessionKind.Group ? TestSessionKind.Group : TestSessionKind.PointToPoint;

    public bool IsInitiator => _handle.IsModerator;

    public IReadOnlyList<TestMessage> ReceivedMessages => _messages.Snapshot();

    public Task InviteAsync(string participant, CancellationToken cancellationToken = default) =>
        _handle.InviteAsync(SlimName.Parse(participant), cancellationToken);

    public Task RemoveAsync(string participant, CancellationToken cancellationToken = default) =>
        _handle.RemoveAsync(SlimName.Parse(participant), cancellationToken);

    public async Task PublishAsync(ReadOnlyMemory<byte> payload, PublishOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (type, metadata) = (options?.PayloadType ?? "msg", options?.Metadata);
        if (options?.WaitForAck ?? true)
        {
            await _handle.PublishAndWaitAsync(payload, type, metadata, cancellationToken);
        }
        else
        {
            await _handle.PublishAsync(payload, type, metadata, cancellationToken);
        }
    }

    public async Task PublishToAsync(TestMessage replyTo, ReadOnlyMemory<byte> payload, PublishOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replyTo);
        var to = SlimName.Parse($"{replyTo.Source}/{replyTo.SourceId}");
        var (type, metadata) = (options?.PayloadType ?? "msg", options?.Metadata);
        if (options?.WaitForAck ?? true)
        {
            await _handle.PublishToAndWaitAsync(to, payload, type, metadata, cancellationToken);
        }
        else
        {
            await _handle.PublishToAsync(to, payload, type, metadata, cancellationToken);
        }
    }

    public Task<TestMessage> WaitForMessageAsync(Func<TestMessage, bool>? match = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _messages.TakeAsync(match ?? (_ => true), timeout ?? OfficialSlim.CommandTimeout, () => $"{_app.Description} session {SessionId}: no matching message.\n{_app.RecentDiagnostics()}", cancellationToken);

    public async Task<SessionClosed> WaitForClosedAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        try
        {
            var reason = await _handle.Completion.WaitAsync(timeout ?? OfficialSlim.CommandTimeout, cancellationToken);
            return new SessionClosed(SessionId, reason.ToString());
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{_app.Description} session {SessionId} did not close.\n{_app.RecentDiagnostics()}");
        }
    }

    public Task<SessionError> WaitForErrorAsync(Func<SessionError, bool>? match = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _errors.TakeAsync(match ?? (_ => true), timeout ?? OfficialSlim.CommandTimeout, () => $"{_app.Description} session {SessionId}: no matching error.\n{_app.RecentDiagnostics()}", cancellationToken);

    public Task<IReadOnlyList<TestParticipant>> GetParticipantsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TestParticipant>>(
            [.. _handle.Participants.Select(p => new TestParticipant(p.Name.ToString("P"), SlimName.FormatInstanceId(p.Name.Id), p.Status == ParticipantStatus.Online))]);

    public Task DeleteAsync(CancellationToken cancellationToken = default) => _handle.CloseAsync(cancellationToken);

    private async Task PumpMessagesAsync()
    {
        await foreach (var message in _handle.ReadAllAsync())
        {
            _messages.Add(new TestMessage(
                _app.NextMessageNumber(),
                message.SessionId,
                message.Source.ToString("P"),
                SlimName.FormatInstanceId(message.Source.Id),
                message.Destination.ToString(),
                message.PayloadType,
                message.Metadata,
                message.Payload));
        }
    }

    private async Task PumpNotificationsAsync()
    {
        await foreach (var notification in _handle.ReadNotificationsAsync())
        {
            // The official moderator reports a member's own leave as "participant disconnected: <name>/<id>".
            if (notification is ParticipantLeftNotification { Voluntary: true } left)
            {
                _errors.Add(new SessionError(SessionId, "SessionError", $"participant disconnected: {left.Participant}"));
            }
        }
    }

    /// <summary>Items that waiters take once each, in arrival order.</summary>
    private sealed class Inbox<T>
        where T : class
    {
        private readonly List<T> _items = [];
        private readonly HashSet<int> _taken = [];
        private readonly List<(Func<T, bool> Match, TaskCompletionSource<T> Completion)> _waiters = [];

        public IReadOnlyList<T> Snapshot()
        {
            lock (_items)
            {
                return [.. _items];
            }
        }

        public void Add(T item)
        {
            TaskCompletionSource<T>? completion = null;
            lock (_items)
            {
                _items.Add(item);
                var waiter = _waiters.FindIndex(w => w.Match(item));
                if (waiter >= 0)
                {
                    completion = _waiters[waiter].Completion;
                    _waiters.RemoveAt(waiter);
                    _taken.Add(_items.Count - 1);
                }
            }

            completion?.TrySetResult(item);
        }

        public async Task<T> TakeAsync(Func<T, bool> match, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken)
        {
            TaskCompletionSource<T> completion;
            lock (_items)
            {
                for (var i = 0; i < _items.Count; i++)
                {
                    if (!_taken.Contains(i) && match(_items[i]))
                    {
                        _taken.Add(i);
                        return _items[i];
                    }
                }

                completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((match, completion));
            }

            try
            {
                return await completion.Task.WaitAsync(timeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                lock (_items)
                {
                    _waiters.RemoveAll(w => w.Completion == completion);
                }

                throw new TimeoutException(describe());
            }
        }
    }
}
