namespace Slim.Session.Internal;

/// <summary>
/// Counts work items posted to session loops and not yet run. Tests share one tracker between several layers and wait
/// for it to reach zero ("the network has settled") before moving virtual time; production code only pays an
/// interlocked add per item.
/// </summary>
/// <remarks>
/// Only posted work is counted. An operation awaited inside a loop item (a transport send, a token verification) is
/// counted while it runs synchronously; the test fakes complete synchronously, so quiescence is exact for them.
/// </remarks>
internal sealed class WorkTracker
{
    private readonly Lock _gate = new();
    private long _pending;
    private TaskCompletionSource? _idle;

    /// <summary>Items posted and not yet finished.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    public void Increment() => Interlocked.Increment(ref _pending);

    public void Decrement()
    {
        if (Interlocked.Decrement(ref _pending) != 0)
        {
            return;
        }

        TaskCompletionSource? waiter;
        lock (_gate)
        {
            if (Interlocked.Read(ref _pending) != 0)
            {
                return;
            }

            waiter = _idle;
            _idle = null;
        }

        waiter?.TrySetResult();
    }

    /// <summary>Completes when no work is pending (immediately if none is).</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate)
        {
            if (Interlocked.Read(ref _pending) == 0)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task;
        }
    }
}
