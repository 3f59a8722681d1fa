using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Session.Internal;

// Control requests: a command sent to one member or to the group, retransmitted verbatim (same id) every control
// interval until every expected member replied or the retries ran out.
internal sealed partial class SessionEngine
{
    private readonly Dictionary<uint, PendingRequest> _requests = new();

    /// <summary>
    /// Sends <paramref name="request"/> and waits for replies of one of <paramref name="replyTypes"/> with the same
    /// message id: from every name in <paramref name="expected"/>, or (when null) from anyone, the first reply ending the
    /// wait. Retransmits on every control interval; after the last retry returns whoever did not reply.
    /// </summary>
    /// <exception cref="OperationCanceledException">The session closed meanwhile.</exception>
    private async Task<RequestOutcome> RequestAsync(
        Message request, SessionMessageType[] replyTypes, IEnumerable<SlimName>? expected)
    {
        var id = request.Publish.Session.MessageId;
        var type = request.Publish.Session.SessionMessageType;
        var pending = new PendingRequest(replyTypes, expected);
        _requests[id] = pending;
        try
        {
            // Sent at least once, even when no reply is awaited (every member offline): they may still be listening.
            pending.CheckDone();
            for (var attempt = 0; ; attempt++)
            {
                if (attempt == 0)
                {
                    await SendAsync(request);
                }
                else if (!pending.Done.Task.IsCompleted)
                {
                    Log.ControlRetransmitted(_logger, Id, type, id, attempt);
                    await SendAsync(CopyForResend(request), retransmission: true);
                }

                if (await WaitAsync(pending.Done.Task, _controlInterval))
                {
                    return pending.Outcome();
                }

                if (attempt >= _controlRetries)
                {
                    var outcome = pending.Outcome();
                    Log.ControlRequestUnanswered(_logger, Id, type, id, outcome.Missing.Count);
                    return outcome;
                }
            }
        }
        finally
        {
            _requests.Remove(id);
        }
    }

    /// <summary>A reply (ack, nack, join/leave/discovery/rejoin reply) arrived: hand it to the request waiting for it.</summary>
    private void OnReply(Message message, SlimName source)
    {
        var session = message.Publish.Session;
        if (!_requests.TryGetValue(session.MessageId, out var pending) || !pending.TryAccept(source, session.SessionMessageType, message))
        {
            Ignore(session.SessionMessageType, source, "no request waits for this reply");
        }
    }

    /// <summary>A member went away (left, removed, offline): stop waiting for its replies.</summary>
    private void ForgetExpectedReplies(SlimName member)
    {
        foreach (var pending in _requests.Values)
        {
            pending.Forget(member);
        }
    }

    /// <summary>True when <paramref name="signal"/> completed before <paramref name="timeout"/> (virtual time).</summary>
    /// <remarks>
    /// The waiter is completed directly by whoever ends the wait: the signal's completion (a handler on this loop), the
    /// timer callback, or the session's cancellation. Each posts the continuation onto the loop from its own call, so no
    /// step runs outside a loop item (which the tests' quiescence tracking relies on). For that, signals must be created
    /// WITHOUT <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/>: that option would move the continuation
    /// below to the thread pool first. Combinators (<c>Task.WhenAny</c>) are avoided for the same reason.
    /// </remarks>
    /// <exception cref="OperationCanceledException">The session closed.</exception>
    private async Task<bool> WaitAsync(Task signal, TimeSpan timeout)
    {
        if (signal.IsCompleted)
        {
            return true;
        }

        var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timer = _services.Time.CreateTimer(
            static s => ((TaskCompletionSource<bool>)s!).TrySetResult(false), waiter, timeout, Timeout.InfiniteTimeSpan);
        using var cancellation = Lifetime.Register(static s => ((TaskCompletionSource<bool>)s!).TrySetCanceled(), waiter);
        _ = signal.ContinueWith(
            static (_, s) => ((TaskCompletionSource<bool>)s!).TrySetResult(true),
            waiter,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return await waiter.Task;
    }

    /// <summary>A signal for <see cref="WaitAsync"/>: completed on the loop, continuations run where it is completed.</summary>
    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.None);

    private readonly record struct RequestOutcome(
        IReadOnlyDictionary<SlimName, Message> Replies, IReadOnlyList<SlimName> Missing)
    {
        public Message? First => Replies.Values.FirstOrDefault();

        public bool AllReplied => Missing.Count == 0;
    }

    private sealed class PendingRequest
    {
        private readonly SessionMessageType[] _replyTypes;
        private readonly HashSet<SlimName>? _expected;
        private readonly Dictionary<SlimName, Message> _replies = new();

        public PendingRequest(SessionMessageType[] replyTypes, IEnumerable<SlimName>? expected)
        {
            _replyTypes = replyTypes;
            _expected = expected is null ? null : [.. expected];
        }

        public TaskCompletionSource Done { get; } = NewSignal();

        public bool TryAccept(SlimName source, SessionMessageType type, Message reply)
        {
            if (Array.IndexOf(_replyTypes, type) < 0 || (_expected is not null && !_expected.Contains(source)))
            {
                return false;
            }

            _replies.TryAdd(source, reply);
            CheckDone();
            return true;
        }

        public void Forget(SlimName member)
        {
            if (_expected is not null && !_replies.ContainsKey(member) && _expected.Remove(member))
            {
                CheckDone();
            }
        }

        public void CheckDone()
        {
            var done = _expected is null ? _replies.Count > 0 : _expected.All(_replies.ContainsKey);
            if (done)
            {
                Done.TrySetResult();
            }
        }

        public RequestOutcome Outcome()
        {
            var missing = _expected is null
                ? (_replies.Count == 0 ? [default] : [])
                : _expected.Where(e => !_replies.ContainsKey(e)).ToList();
            return new RequestOutcome(new Dictionary<SlimName, Message>(_replies), missing);
        }
    }
}
