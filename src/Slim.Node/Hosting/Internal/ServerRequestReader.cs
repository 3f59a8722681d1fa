using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Slim.Node.Hosting.Internal;

/// <summary>
/// The <see cref="GrpcServerStream.Input"/>: Kestrel's request body reader with transport failures (client reset,
/// lost connection) turned into <see cref="Slim.DataPlane.Transport.SlimTransportException"/>. A cancelled
/// caller token stays an <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed class ServerRequestReader : PipeReader
{
    private readonly PipeReader _inner;
    private readonly GrpcServerStream _owner;

    public ServerRequestReader(PipeReader inner, GrpcServerStream owner)
    {
        _inner = inner;
        _owner = owner;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ValueTask<ReadResult> pending;
        try
        {
            pending = _inner.ReadAsync(cancellationToken);
        }
        catch (Exception ex) when (!IsCallerCancellation(ex, cancellationToken))
        {
            return ValueTask.FromException<ReadResult>(_owner.OnTransportFailure(ex, "receiving from"));
        }

        return pending.IsCompletedSuccessfully ? pending : AwaitReadAsync(pending, cancellationToken);
    }

    public override bool TryRead(out ReadResult result)
    {
        try
        {
            return _inner.TryRead(out result);
        }
        catch (Exception ex)
        {
            throw _owner.OnTransportFailure(ex, "receiving from");
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        try
        {
            // Kestrel accounts for consumed bytes (body size limit) here, so this can fail too.
            _inner.AdvanceTo(consumed, examined);
        }
        catch (Exception ex) when (ex is not InvalidOperationException and not ArgumentOutOfRangeException)
        {
            throw _owner.OnTransportFailure(ex, "receiving from");
        }
    }

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _inner.CompleteAsync(exception);

    private static bool IsCallerCancellation(Exception ex, CancellationToken cancellationToken) =>
        ex is OperationCanceledException && cancellationToken.IsCancellationRequested;

    // Pooled: this runs once per read or flush that does not complete at once, on every stream.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> AwaitReadAsync(ValueTask<ReadResult> pending, CancellationToken cancellationToken)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsCallerCancellation(ex, cancellationToken))
        {
            throw _owner.OnTransportFailure(ex, "receiving from");
        }
    }
}
