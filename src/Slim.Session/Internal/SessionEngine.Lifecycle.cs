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

        var closing = _executor.InvokeAsync(async () =>
        {
            _closeTask ??= IsModerator ? EnqueueTask("delete", DeleteCoreAsync) : LeaveCoreAsync();
            await _closeTask;
            return true;
        });

        // The loop stops once the session is closed, so also complete when the session reports closed.
        return Task.WhenAny(closing, _closed.Task).Unwrap().WaitAsync(cancellationToken);
    }

    /// <summary>Ends the session at once, without telling anyone (layer disposal, failed establishment).</summary>
    public Task AbortAsync(SessionCloseReason reason)
    {
        if (State == SessionState.Closed)
        {
            return Task.CompletedTask;
        }

        var aborting = _executor.InvokeAsync(async () =>
        {
            await FinalizeAsync(reason);
            return true;
        });
        return Task.WhenAny(aborting, _closed.Task);
    }

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
            queued.Completion.TrySetException(closed);
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

        // Cancels every timer and wakes every waiting script (they unwind on the loop before it stops).
        await _lifetime.CancelAsync();
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
