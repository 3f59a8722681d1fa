using System.IO.Pipelines;

namespace Slim.DataPlane.Transport.Internal;

/// <summary>
/// The <see cref="IFrameStream.Input"/> of a client stream: the receive pipe, with the call's end translated.
/// </summary>
/// <remarks>
/// When the call ended with <c>grpc-status</c> 0 the reader completes normally. Otherwise (an error status, a reset, a
/// lost connection) the bytes still unread are first delivered as not completed, for as long as the consumer makes
/// progress on them, and then the read throws the recorded <see cref="SlimTransportException"/>. This way messages
/// that preceded an error are not lost, and a loop that stops on <c>IsCompleted</c> still sees the error.
/// </remarks>
internal sealed class GrpcResponseReader : PipeReader
{
    private readonly PipeReader _inner;
    private readonly GrpcClientStream _owner;
    private long _lastTailLength = -1;

    public GrpcResponseReader(PipeReader inner, GrpcClientStream owner)
    {
        _inner = inner;
        _owner = owner;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var pending = _inner.ReadAsync(cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitReadAsync(pending);
        }

        var result = pending.Result;
        if (!result.IsCompleted)
        {
            return new ValueTask<ReadResult>(result);
        }

        try
        {
            return new ValueTask<ReadResult>(OnEnd(result));
        }
        catch (SlimTransportException ex)
        {
            return ValueTask.FromException<ReadResult>(ex);
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!_inner.TryRead(out result))
        {
            return false;
        }

        if (result.IsCompleted)
        {
            result = OnEnd(result);
        }

        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => _inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => _inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _inner.CompleteAsync(exception);

    // Pooled: this runs once per read that does not complete at once, on every stream.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> AwaitReadAsync(ValueTask<ReadResult> pending)
    {
        var result = await pending.ConfigureAwait(false);
        return result.IsCompleted ? OnEnd(result) : result;
    }

    private ReadResult OnEnd(ReadResult result)
    {
        var error = _owner.EndError;
        if (error is null || result.IsCanceled)
        {
            return result;
        }

        var length = result.Buffer.Length;
        if (length == 0 || length == _lastTailLength)
        {
            throw error;
        }

        _lastTailLength = length;
        return new ReadResult(result.Buffer, isCanceled: false, isCompleted: false);
    }
}
