using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Slim.DataPlane.Transport;
using Slim.Node.Hosting.Internal;

namespace Slim.Node.Hosting;

/// <summary>
/// The server end of one <c>OpenChannel</c> call, as handed to the handler of <see cref="GrpcStreamServer"/>.
/// </summary>
/// <remarks>
/// <para>The response headers are already on the wire when the handler receives the stream. <see cref="Input"/> is
/// the request body; <see cref="Output"/> the response body. Both translate transport failures into
/// <see cref="SlimTransportException"/>; once the stream is aborted or completed, <see cref="Output"/>'s flushes
/// return <see cref="FlushResult.IsCompleted"/> instead of writing into the void.</para>
/// <para>The stream is valid while the handler's task runs: the server completes it with <c>grpc-status</c> 0 when
/// the handler returns without completing it, and with <see cref="GrpcStatusCode.Internal"/> when the handler throws.
/// Like every <see cref="IFrameStream"/>, <see cref="CompleteAsync"/> writes on the same HTTP/2 stream as
/// <see cref="Output"/>, so call it from the writer of <see cref="Output"/> (or once it has stopped writing);
/// <see cref="DisposeAsync"/> (an abort) may be called from anywhere.</para>
/// </remarks>
public sealed class GrpcServerStream : IFrameStream
{
    private readonly HttpContext _context;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _aborted = new();
    private readonly ServerRequestReader _input;
    private readonly ServerResponseWriter _output;
    private readonly CancellationTokenRegistration _abortRegistration;
    private int _completed;

    internal GrpcServerStream(HttpContext context, ILogger logger)
    {
        _context = context;
        _logger = logger;
        var connection = context.Connection;
        RemoteEndPoint = connection.RemoteIpAddress is { } address ? new IPEndPoint(address, connection.RemotePort) : null;
        RemoteDescription = RemoteEndPoint?.ToString() ?? connection.Id;
        _input = new ServerRequestReader(context.Request.BodyReader, this);
        _output = new ServerResponseWriter(context.Response.BodyWriter, this);
        _abortRegistration = context.RequestAborted.UnsafeRegister(static s => ((GrpcServerStream)s!).OnAborted(), this);
    }

    /// <inheritdoc />
    public PipeReader Input => _input;

    /// <inheritdoc />
    public PipeWriter Output => _output;

    /// <inheritdoc />
    public string RemoteDescription { get; }

    /// <inheritdoc />
    public CancellationToken Aborted => _aborted.Token;

    /// <summary>The client's address and port, when the connection has one.</summary>
    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>The certificate the client presented (mutual TLS), or null.</summary>
    public X509Certificate2? ClientCertificate => _context.Connection.ClientCertificate;

    /// <summary>True once our half of the stream has ended (trailers sent) or the stream was aborted.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    /// <summary>The <c>grpc-status</c> sent in the trailers, once they were sent.</summary>
    public GrpcStatusCode? SentStatus { get; private set; }

    /// <summary>
    /// A request header (gRPC metadata such as <c>authorization</c>), multiple values joined with commas; null when
    /// absent.
    /// </summary>
    public string? GetRequestHeader(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _context.Request.Headers.TryGetValue(name, out var values) ? values.ToString() : null;
    }

    /// <summary>
    /// Ends the response with trailers: <c>grpc-status</c> 0 when <paramref name="error"/> is null, otherwise the
    /// status of <see cref="GrpcProtocol.StatusFromException"/> and the error's message as <c>grpc-message</c>
    /// (<see cref="SlimTransportException.StatusDetail"/> for a transport exception). Idempotent; never throws.
    /// </summary>
    public ValueTask CompleteAsync(Exception? error = null)
    {
        if (error is null)
        {
            return CompleteWithStatusAsync(GrpcStatusCode.OK, null);
        }

        var detail = error is SlimTransportException transport ? transport.StatusDetail : error.Message;
        return CompleteWithStatusAsync(GrpcProtocol.StatusFromException(error), detail);
    }

    /// <summary>Aborts the stream (HTTP/2 RST_STREAM) unless it was completed. Safe from any thread.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _context.Abort();
            _aborted.Cancel();
        }

        return ValueTask.CompletedTask;
    }

    internal async ValueTask CompleteWithStatusAsync(GrpcStatusCode status, string? detail)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        SentStatus = status;
        if (_aborted.IsCancellationRequested)
        {
            return;
        }

        try
        {
            var response = _context.Response;
            response.AppendTrailer(GrpcProtocol.StatusHeader, GrpcProtocol.FormatStatus(status));
            if (!string.IsNullOrEmpty(detail))
            {
                response.AppendTrailer(GrpcProtocol.MessageHeader, GrpcProtocol.EncodeMessage(detail));
            }

            await response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            // The client went away first; there is nobody to tell.
            ServerLog.CompleteFailed(_logger, RemoteDescription, ex.Message);
        }
    }

    /// <summary>Called when the handler has returned: the HTTP context is about to be recycled.</summary>
    internal void Detach() => _abortRegistration.Dispose();

    /// <summary>Translates a failure of the request or response body.</summary>
    internal SlimTransportException OnTransportFailure(Exception ex, string direction)
    {
        if (ex is SlimTransportException transport)
        {
            return transport;
        }

        _aborted.Cancel();
        return new SlimTransportException(
            Protocol.SlimErrorCode.TransportFailed,
            GrpcStatusCode.Unavailable,
            $"{direction} {RemoteDescription} failed: {ex.Message}",
            ex);
    }

    private void OnAborted()
    {
        Volatile.Write(ref _completed, 1);
        _aborted.Cancel();
    }
}
