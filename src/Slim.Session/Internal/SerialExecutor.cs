using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Slim.Session.Internal;

/// <summary>
/// A single-threaded loop that owns a session's state: every inbound message, timer expiry, app call and every
/// continuation of an <c>await</c> inside the loop runs here, one at a time, in posting order.
/// </summary>
/// <remarks>
/// <para>
/// The executor is the <see cref="SynchronizationContext"/> of the code it runs, so an <c>await</c> (without
/// <c>ConfigureAwait(false)</c>) resumes on the loop. Protocol scripts can therefore be written as plain async
/// methods ("send the join request, await the reply, send the welcome") while state is only ever touched by one item
/// at a time. Items interleave only at awaits, like a JavaScript event loop. Code in this assembly that runs on a
/// loop must not use <c>ConfigureAwait(false)</c>.
/// </para>
/// <para>
/// Exceptions escaping an item are logged (they indicate a bug: peer input is validated and dropped before) and do
/// not stop the loop.
/// </para>
/// </remarks>
internal sealed class SerialExecutor : SynchronizationContext
{
    private readonly Channel<(SendOrPostCallback Callback, object? State)> _queue =
        Channel.CreateUnbounded<(SendOrPostCallback, object?)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly WorkTracker _tracker;
    private readonly ILogger _logger;
    private readonly string _name;

    public SerialExecutor(WorkTracker tracker, ILogger logger, string name)
    {
        _tracker = tracker;
        _logger = logger;
        _name = name;
        Completion = Task.Run(RunAsync);
    }

    /// <summary>Completes when the loop has stopped after <see cref="Complete"/>.</summary>
    public Task Completion { get; }

    /// <summary>True while the calling code runs on this loop.</summary>
    public bool IsCurrent => Current == this;

    /// <inheritdoc/>
    public override void Post(SendOrPostCallback d, object? state)
    {
        _tracker.Increment();
        if (!_queue.Writer.TryWrite((d, state)))
        {
            // The loop has stopped (session closed): late continuations are dropped.
            _tracker.Decrement();
        }
    }

    /// <inheritdoc/>
    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Synchronous dispatch onto a session loop is not supported.");

    /// <inheritdoc/>
    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs <paramref name="action"/> on the loop.</summary>
    public void Post(Action action) => Post(static s => ((Action)s!)(), action);

    /// <summary>Starts <paramref name="work"/> on the loop; a failure is logged.</summary>
    public void Run(Func<Task> work) => Post(static s => Start((Func<Task>)s!), new Func<Task>(Wrap(work)));

    /// <summary>Runs <paramref name="work"/> on the loop and returns its outcome to a caller outside the loop.</summary>
    public Task<T> InvokeAsync<T>(Func<Task<T>> work)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Run(async () =>
        {
            try
            {
                result.TrySetResult(await work());
            }
            catch (Exception ex)
            {
                result.TrySetException(ex);
            }
        });
        return result.Task;
    }

    /// <summary>Stops accepting work; items already queued still run.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    private Func<Task> Wrap(Func<Task> work) => async () =>
    {
        try
        {
            await work();
        }
        catch (OperationCanceledException)
        {
            // Cancellation ends a script (session closing); nothing to report.
        }
        catch (Exception ex)
        {
            Log.LoopItemFailed(_logger, _name, ex);
        }
    };

    private static void Start(Func<Task> work) => _ = work();

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                SetSynchronizationContext(this);
                try
                {
                    item.Callback(item.State);
                }
                catch (Exception ex)
                {
                    Log.LoopItemFailed(_logger, _name, ex);
                }
                finally
                {
                    SetSynchronizationContext(null);
                    _tracker.Decrement();
                }
            }
        }
    }
}
