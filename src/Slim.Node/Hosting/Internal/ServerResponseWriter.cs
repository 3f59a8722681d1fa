using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Slim.Node.Hosting.Internal;

/// <summary>
/// The <see cref="GrpcServerStream.Output"/>: Kestrel's response body writer, whose flushes report
/// <see cref="FlushResult.IsCompleted"/> once the stream is aborted or completed (Kestrel itself silently drops
/// writes to a reset stream) and whose failures become <see cref="Slim.DataPlane.Transport.SlimTransportException"/>.
/// Completing this writer completes the stream.
/// </summary>
/// <remarks>
/// <see cref="CancelPendingFlush"/> keeps the <see cref="PipeWriter"/> contract that Kestrel's HTTP/2 body writer does
/// not: Kestrel releases a flush that waits for HTTP/2 flow control but reports it as not cancelled, so a writer that
/// cancels a flush stuck on a peer that stopped reading (the data plane's stall detection) would never learn it. Here
/// the pending flush, or the next one when none is pending, reports <see cref="FlushResult.IsCanceled"/>.
/// </remarks>
internal sealed class ServerResponseWriter : PipeWriter
{
    private static readonly FlushResult Ended = new(isCanceled: false, isCompleted: true);

    private static readonly FlushResult Canceled = new(isCanceled: true, isCompleted: false);

    private readonly PipeWriter _inner;
    private readonly GrpcServerStream _owner;
    private int _cancelRequested;

    public ServerResponseWriter(PipeWriter inner, GrpcServerStream owner)
    {
        _inner = inner;
        _owner = owner;
    }

    public override bool CanGetUnflushedBytes => _inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => _inner.UnflushedBytes;

    public override void Advance(int bytes) => _inner.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);

    public override void CancelPendingFlush()
    {
        Volatile.Write(ref _cancelRequested, 1);
        if (!_owner.IsCompleted)
        {
            try
            {
                _inner.CancelPendingFlush();
            }
            catch (ObjectDisposedException)
            {
                // The response completed meanwhile: the flag alone reports the cancellation.
            }
        }
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_owner.IsCompleted)
        {
            return new ValueTask<FlushResult>(Ended);
        }

        ValueTask<FlushResult> pending;
        try
        {
            pending = _inner.FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (!IsCallerCancellation(ex, cancellationToken))
        {
            return ValueTask.FromException<FlushResult>(_owner.OnTransportFailure(ex, "sending to"));
        }

        if (pending.IsCompletedSuccessfully)
        {
            return new ValueTask<FlushResult>(Check(pending.Result));
        }

        return AwaitFlushAsync(pending, cancellationToken);
    }

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        if (_owner.IsCompleted)
        {
            return new ValueTask<FlushResult>(Ended);
        }

        ValueTask<FlushResult> pending;
        try
        {
            pending = _inner.WriteAsync(source, cancellationToken);
        }
        catch (Exception ex) when (!IsCallerCancellation(ex, cancellationToken))
        {
            return ValueTask.FromException<FlushResult>(_owner.OnTransportFailure(ex, "sending to"));
        }

        if (pending.IsCompletedSuccessfully)
        {
            return new ValueTask<FlushResult>(Check(pending.Result));
        }

        return AwaitFlushAsync(pending, cancellationToken);
    }

    public override void Complete(Exception? exception = null) => _ = _owner.CompleteAsync(exception).AsTask();

    public override ValueTask CompleteAsync(Exception? exception = null) => _owner.CompleteAsync(exception);

    private static bool IsCallerCancellation(Exception ex, CancellationToken cancellationToken) =>
        ex is OperationCanceledException && cancellationToken.IsCancellationRequested;

    private FlushResult Check(FlushResult result)
    {
        if (_owner.IsCompleted)
        {
            return Ended;
        }

        return Interlocked.Exchange(ref _cancelRequested, 0) != 0 ? Canceled : result;
    }

    // Pooled: this runs once per read or flush that does not complete at once, on every stream.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> AwaitFlushAsync(ValueTask<FlushResult> pending, CancellationToken cancellationToken)
    {
        try
        {
            return Check(await pending.ConfigureAwait(false));
        }
        catch (Exception ex) when (!IsCallerCancellation(ex, cancellationToken))
        {
            throw _owner.OnTransportFailure(ex, "sending to");
        }
    }
}
