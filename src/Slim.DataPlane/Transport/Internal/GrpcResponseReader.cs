using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Slim.DataPlane.Transport.Internal;

/// <summary>
/// The <see cref="IFrameStream.Input"/> of a client stream: the response body, read straight from the HTTP/2
/// response stream, with the call's end translated.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A read failure (reset, lost connection, disposal) becomes a <see cref="SlimTransportException"/> and
/// cancels <see cref="IFrameStream.Aborted"/>; a cancelled <c>cancellationToken</c> stays an
/// <see cref="OperationCanceledException"/>.</item>
/// <item>At the end of the body the trailers are read. With <c>grpc-status</c> 0 the reader completes normally.
/// Otherwise the bytes still unread are first delivered as not completed, for as long as the consumer makes
/// progress on them; then the read throws the status as a <see cref="SlimTransportException"/>. This way messages
/// that preceded an error status are not lost, and a loop that stops on <c>IsCompleted</c> still sees the error.</item>
/// </list>
/// </remarks>
internal sealed class GrpcResponseReader : PipeReader
{
    private readonly PipeReader _inner;
    private readonly GrpcClientStream _owner;
    private bool _ended;
    private SlimTransportException? _endError;
    private long _lastTailLength = -1;

    public GrpcResponseReader(PipeReader inner, GrpcClientStream owner)
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
            return ValueTask.FromException<ReadResult>(Translate(ex));
        }

        if (pending.IsCompletedSuccessfully)
        {
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

        return AwaitReadAsync(pending, cancellationToken);
    }

    public override bool TryRead(out ReadResult result)
    {
        bool read;
        try
        {
            read = _inner.TryRead(out result);
        }
        catch (Exception ex) when (ex is not SlimTransportException)
        {
            throw Translate(ex);
        }

        if (read && result.IsCompleted)
        {
            result = OnEnd(result);
        }

        return read;
    }

    public override void AdvanceTo(SequencePosition consumed) => _inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => _inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _inner.CompleteAsync(exception);

    private static bool IsCallerCancellation(Exception ex, CancellationToken cancellationToken) =>
        ex is OperationCanceledException && cancellationToken.IsCancellationRequested;

    // Pooled: this runs once per read or flush that does not complete at once, on every stream.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> AwaitReadAsync(ValueTask<ReadResult> pending, CancellationToken cancellationToken)
    {
        ReadResult result;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsCallerCancellation(ex, cancellationToken) && ex is not SlimTransportException)
        {
            throw Translate(ex);
        }

        return result.IsCompleted ? OnEnd(result) : result;
    }

    private ReadResult OnEnd(ReadResult result)
    {
        if (!_ended)
        {
            _ended = true;
            _endError = _owner.ReadEndStatus();
        }

        if (_endError is null || result.IsCanceled)
        {
            return result;
        }

        var length = result.Buffer.Length;
        if (length == 0 || length == _lastTailLength)
        {
            throw _endError;
        }

        _lastTailLength = length;
        return new ReadResult(result.Buffer, isCanceled: false, isCompleted: false);
    }

    private SlimTransportException Translate(Exception ex) => _owner.OnReceiveFailed(ex);
}
