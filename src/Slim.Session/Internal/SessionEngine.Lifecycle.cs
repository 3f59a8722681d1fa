using Slim.Protocol;

namespace Slim.Session.Internal;

// Closing: a moderator deletes the session, a participant leaves; either may be closed by the other side; the layer
// may abort. Finalization fails everything still pending and unregisters the session.
internal sealed partial class SessionEngine
{
    /// <summary>Graceful close from the app: a moderator deletes the session, a participant leaves it.</summary>
    public Task CloseAsync(CancellationToken cancellationToken)
    {
        if (State == SessionState.Closed)
        {
            return Task.CompletedTask;
        }

        return WithCancellation(_executor.InvokeAsync(async () =>
        {
            if (_state == (int)SessionState.Closed)
            {
                return true;
            }

            _closeTask ??= IsModerator ? EnqueueTask("delete", DeleteCoreAsync) : LeaveCoreAsync();
            await _closeTask;
            return true;
        }), cancellationToken);
    }

    /// <summary>Ends the session at once, without telling anyone (layer disposal, failed establishment).</summary>
    public Task AbortAsync(SessionCloseReason reason) =>
        State == SessionState.Closed
            ? Task.CompletedTask
            : _executor.InvokeAsync(async () =>
            {
                await FinalizeAsync(reason);
                return true;
            });

    /// <summary>The task itself when the token cannot cancel (no extra continuation hop), else a cancellable wait on it.</summary>
    private static Task<T> WithCancellation<T>(Task<T> task, CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled ? task.WaitAsync(cancellationToken) : task;

    private static Task WithCancellation(Task task, CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled ? task.WaitAsync(cancellationToken) : task;

    private async Task CloseLocallyAsync(SessionCloseReason reason)
    {
        if (_state == (int)SessionState.Closed)
        {
            return;
        }

        _state = (int)SessionState.Closing;
        await FinalizeAsync(reason);
    }

    private async Task FinalizeAsync(SessionCloseReason reason)
    {
        if (_state == (int)SessionState.Closed)
        {
            return;
        }

        _state = (int)SessionState.Closing;
        await UnsubscribeChannelsAsync();
        await RemoveAllRoutesAsync();
        _state = (int)SessionState.Closed;

        var closed = ClosedException();
        while (_taskQueue.TryDequeue(out var queued))
        {
            // A queued delete has nothing left to do: the session is closed, which is what it asked for.
            if (queued.Kind == "delete")
            {
                queued.Completion.TrySetResult();
            }
            else
            {
                queued.Completion.TrySetException(closed);
            }
        }

        foreach (var delivery in _deliveries.Values.Concat(_awaitingEndpoint))
        {
            delivery.AllAcked.TrySetResult();
            delivery.Waiter?.TrySetException(closed);
        }

        _deliveries.Clear();
        _awaitingEndpoint.Clear();
        _received.Writer.TryComplete();
        Notify(new SessionClosedNotification(reason));
        _notifications.Writer.TryComplete();

        // Cancels every timer and wakes every waiting script (they unwind on the loop). Synchronous on purpose: the
        // callbacks post the scripts' continuations from this loop item, so no work escapes the loop (or the tests'
        // quiescence tracking).
        _lifetime.Cancel();
        _security?.Dispose();

        Log.SessionClosed(_logger, Id, reason);
        _services.Metrics.SessionClosed(Kind, reason);
        var peers = _members.Select(m => m.Name).ToList();
        _services.Layer.OnSessionClosed(this, peers);
        _closed.TrySetResult(reason);

        // The loop keeps running: late continuations (app calls, unwinding scripts) must still complete. An idle loop
        // nobody references is collected with the session; the layer stops the loops it still holds when disposed.
    }
}
