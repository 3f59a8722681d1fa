using System.IO.Pipelines;
using System.Net;

namespace Slim.DataPlane.Transport.Internal;

/// <summary>
/// The request body of a client stream: whatever the owner writes to its send pipe, copied to the HTTP/2 request
/// stream for as long as the call lives.
/// </summary>
/// <remarks>
/// The handler calls <see cref="SerializeToStreamAsync(Stream, TransportContext?, CancellationToken)"/> once, as
/// soon as the request starts. It flushes at once so the request HEADERS leave even before the first message
/// (otherwise a server that waits for a message and a client that waits for the response headers deadlock), then
/// forwards each batch the writer flushed and flushes after it. The writer's own flushes decide batching.
/// </remarks>
internal sealed class DuplexPipeContent : HttpContent
{
    private readonly PipeReader _source;
    private readonly GrpcClientStream _owner;
    private int _started;

    public DuplexPipeContent(PipeReader source, GrpcClientStream owner)
    {
        _source = source;
        _owner = owner;
        Headers.TryAddWithoutValidation("content-type", GrpcProtocol.ContentType);
    }

    /// <summary>True once the handler has started sending the body (the pump owns the send pipe's reader).</summary>
    public bool Started => Volatile.Read(ref _started) != 0;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The request body of a gRPC stream can be sent only once.");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _owner.CallToken);
        var token = linked.Token;
        Exception? failure = null;
        try
        {
            await stream.FlushAsync(token).ConfigureAwait(false);
            while (true)
            {
                var result = await _source.ReadAsync(token).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    // Written inline (not through a helper) so that a write that completes later allocates nothing:
                    // this method's one state machine serves every await of the stream's life.
                    if (buffer.IsSingleSegment)
                    {
                        await stream.WriteAsync(buffer.First, token).ConfigureAwait(false);
                    }
                    else
                    {
                        foreach (var segment in buffer)
                        {
                            await stream.WriteAsync(segment, token).ConfigureAwait(false);
                        }
                    }

                    _source.AdvanceTo(buffer.End);
                    await stream.FlushAsync(token).ConfigureAwait(false);
                }
                else
                {
                    _source.AdvanceTo(buffer.End);
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            failure = ex;
            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested && !_owner.CallToken.IsCancellationRequested)
            {
                // The handler stopped the body because the stream ended on the server's side (response complete, reset,
                // or connection lost). Ending quietly lets it still return the response it has, whose body and status
                // then tell what happened; rethrowing would make an open attempt fail with this bare cancellation.
                return;
            }

            throw;
        }
        finally
        {
            await _source.CompleteAsync(failure is null ? null : _owner.OnSendFailed(failure)).ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
