using System.IO.Pipelines;

namespace Slim.DataPlane.Transport;

/// <summary>
/// One open <c>OpenChannel</c> gRPC stream, seen as two byte pipes carrying gRPC-framed messages
/// (1 byte compressed flag, 4 bytes big-endian length, protobuf bytes).
/// </summary>
/// <remarks>
/// This is the seam between the routing engine and the transports: the server end is Kestrel (in
/// <c>Slim.Node/Hosting</c>), the client end is <see cref="System.Net.Http.HttpClient"/> over HTTP/2
/// (<c>Transport/GrpcStreamClient</c>), and tests use in-memory pipes. The connection that owns the stream runs one
/// read loop over <see cref="Input"/> and one write loop over <see cref="Output"/>; neither end of the stream
/// knows anything of SLIM messages.
/// <para>Endings: once the stream can no longer carry our bytes (the peer ended the call, reset it, or the connection
/// died), flushes of <see cref="Output"/> return <c>IsCompleted</c>, as for any pipe whose reader went away.
/// <see cref="Input"/> tells why: it completes for a normal end, and throws <see cref="SlimTransportException"/>
/// (after the bytes that arrived before) for an error status, a reset or a lost connection, which also cancel
/// <see cref="Aborted"/>. A cancelled caller token stays an <see cref="OperationCanceledException"/>.</para>
/// <para>Threading: <see cref="CompleteAsync"/> writes on the same HTTP/2 stream as <see cref="Output"/>, so call
/// it from the writer of <see cref="Output"/> or once that writer has stopped. <see cref="IAsyncDisposable.DisposeAsync"/>
/// aborts the stream if it is still open and may be called from any thread.</para>
/// </remarks>
public interface IFrameStream : IAsyncDisposable
{
    /// <summary>Framed bytes received from the peer. Completes when the peer ends its half of the stream.</summary>
    PipeReader Input { get; }

    /// <summary>Framed bytes to send to the peer. The writer flushes; the transport never buffers past a flush.</summary>
    PipeWriter Output { get; }

    /// <summary>A short description of the peer for logs (for example <c>127.0.0.1:53122</c> or a URI).</summary>
    string RemoteDescription { get; }

    /// <summary>Cancelled when the underlying stream is aborted or reset by either side.</summary>
    CancellationToken Aborted { get; }

    /// <summary>
    /// Ends our half of the stream. A server end writes the gRPC trailers (<c>grpc-status</c> 0 when
    /// <paramref name="error"/> is null, otherwise an error status and <c>grpc-message</c>); a client end completes
    /// the request body. Idempotent.
    /// </summary>
    ValueTask CompleteAsync(Exception? error = null);
}
