using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Slim.Node.Hosting.Internal;

/// <summary>
/// The <see cref="GrpcServerStream.Output"/>: Kestrel's response body writer, whose flushes report
/// <see cref="FlushResult.IsCompleted"/> once the stream is aborted or completed (Kestrel itself silently drops
/// writes to a reset stream) and whose failures become <see cref="Slim.DataPlane.Transport.SlimTransportException"/>.
/// Completing this writer completes the stream.
/// </summary>
internal sealed class ServerResponseWriter : PipeWriter
{
    private static readonly FlushResult Ended = new(isCanceled: false, isCompleted: true);

    private readonly PipeWriter _inner;
    private readonly GrpcServerStream _owner;

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

    public override void CancelPendingFlush() => _inner.CancelPendingFlush();

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

    private FlushResult Check(FlushResult result) => _owner.IsCompleted ? Ended : result;

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
