using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Slim.Protocol;

namespace Slim.DataPlane.Transport.Internal;

/// <summary>
/// The client end of one <c>OpenChannel</c> call: one <see cref="HttpMessageInvoker"/> (hence one TCP connection),
/// one duplex request whose body is fed by <see cref="Output"/>, and the response body as <see cref="Input"/>.
/// </summary>
internal sealed class GrpcClientStream : IFrameStream
{
    private readonly HttpMessageInvoker _invoker;
    private readonly GrpcClientOptions _options;
    private readonly ILogger _logger;
    private readonly Pipe _sendPipe;
    private readonly DuplexPipeContent _content;
    private readonly HttpRequestMessage _request;

    // Cancelling the call resets the HTTP/2 stream; neither source has a timer, so neither needs disposing, and their
    // tokens stay valid after the stream is disposed.
    private readonly CancellationTokenSource _call = new();
    private readonly CancellationTokenSource _aborted = new();

    private HttpResponseMessage? _response;
    private GrpcResponseReader? _input;
    private string? _headerStatus;
    private string? _headerMessage;
    private Exception? _completionError;
    private int _outputCompleted;
    private int _disposed;
    private int _failureReported;

    public GrpcClientStream(HttpMessageInvoker invoker, GrpcClientOptions options)
    {
        _invoker = invoker;
        _options = options;
        _logger = options.LoggerFactory.CreateLogger<GrpcClientStream>();
        RemoteDescription = options.Endpoint.GetLeftPart(UriPartial.Authority);
        // 64 KiB segments: each segment is one write to the HTTP/2 stream, and with smaller ones a full send pipe holds
        // more buffers than the shared array pool keeps, so a fast writer made it allocate (measured: 112 B per 1 KiB
        // message with 16 KiB segments, 17 B with 64 KiB).
        _sendPipe = new Pipe(new PipeOptions(
            pauseWriterThreshold: options.MaxPendingSendBytes,
            resumeWriterThreshold: options.MaxPendingSendBytes / 2,
            minimumSegmentSize: 64 * 1024,
            useSynchronizationContext: false));
        _content = new DuplexPipeContent(_sendPipe.Reader, this);
        _request = BuildRequest(options, _content);
    }

    public PipeReader Input => _input ?? throw new InvalidOperationException("The stream is not open.");

    public PipeWriter Output => _sendPipe.Writer;

    public string RemoteDescription { get; }

    public CancellationToken Aborted => _aborted.Token;

    /// <summary>Cancelled when the call is cancelled locally (disposal, <see cref="CompleteAsync"/> with an error).</summary>
    internal CancellationToken CallToken => _call.Token;

    private bool Disposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Sends the request and waits for the response headers, within the connect timeout.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _options.TimeProvider);
        HttpResponseMessage response;
        using (cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _call))
        using (timeout.Token.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _call))
        {
            try
            {
                response = await _invoker.SendAsync(_request, _call.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (timeout.IsCancellationRequested)
                {
                    throw ConnectFailed(
                        GrpcStatusCode.DeadlineExceeded,
                        $"no response from {RemoteDescription} within the connect timeout ({_options.ConnectTimeout.TotalSeconds:0.###} s)",
                        ex);
                }

                throw ConnectFailed(GrpcStatusCode.Unavailable, $"cannot open a stream to {RemoteDescription}: {Describe(ex)}", ex);
            }
        }

        _response = response;
        CheckResponseHeaders(response);
        var body = await response.Content.ReadAsStreamAsync(CancellationToken.None).ConfigureAwait(false);
        _input = new GrpcResponseReader(
            PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true)),
            this);
        TransportMetrics.ClientStreamsOpened.Add(1);
        ClientLog.StreamOpened(_logger, RemoteDescription);
    }

    public async ValueTask CompleteAsync(Exception? error = null)
    {
        if (Interlocked.Exchange(ref _outputCompleted, 1) != 0)
        {
            return;
        }

        if (error is null)
        {
            // The pump sends what is left, then ends the request body (END_STREAM).
            await _sendPipe.Writer.CompleteAsync().ConfigureAwait(false);
            return;
        }

        // A gRPC client cannot send a status: an error ends the call with a reset.
        Volatile.Write(ref _completionError, error);
        await _sendPipe.Writer.CompleteAsync(error).ConfigureAwait(false);
        _call.Cancel();
        _aborted.Cancel();
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        _aborted.Cancel();
        _call.Cancel();
        if (!_content.Started)
        {
            // No pump will ever drain the send pipe: release a writer that may be waiting on it.
            _sendPipe.Reader.Complete(new SlimTransportException(SlimErrorCode.TransportFailed, GrpcStatusCode.Cancelled, "the stream was disposed"));
        }

        _response?.Dispose();
        _request.Dispose();
        _invoker.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads the call's final status once the response body has ended; null when it is OK.</summary>
    internal SlimTransportException? ReadEndStatus()
    {
        var trailers = _response!.TrailingHeaders;
        var status = FirstValue(trailers, GrpcProtocol.StatusHeader) ?? _headerStatus;
        var message = FirstValue(trailers, GrpcProtocol.MessageHeader) ?? _headerMessage;
        SlimTransportException? error;
        if (status is null)
        {
            error = new SlimTransportException(SlimErrorCode.NotGrpcResponse, GrpcStatusCode.Internal, "the response ended without a grpc-status trailer");
        }
        else if (!GrpcProtocol.TryParseStatus(status, out var code))
        {
            error = new SlimTransportException(SlimErrorCode.NotGrpcResponse, GrpcStatusCode.Unknown, $"invalid grpc-status '{status}'");
        }
        else
        {
            ClientLog.StreamEnded(_logger, RemoteDescription, code);
            error = code == GrpcStatusCode.OK
                ? null
                : new SlimTransportException(SlimErrorCode.GrpcStatus, code, GrpcProtocol.DecodeMessage(message));
        }

        if (error is not null)
        {
            TransportMetrics.ClientStreamFailures.Add(1);
        }

        return error;
    }

    /// <summary>Translates a failure of the response body and marks the stream aborted.</summary>
    internal SlimTransportException OnReceiveFailed(Exception ex)
    {
        if (ex is SlimTransportException transport)
        {
            return transport;
        }

        var error = Disposed || _call.IsCancellationRequested
            ? new SlimTransportException(SlimErrorCode.TransportFailed, GrpcStatusCode.Cancelled, "the stream was cancelled locally", ex)
            : new SlimTransportException(SlimErrorCode.TransportFailed, StatusOf(ex), $"receiving from {RemoteDescription} failed: {Describe(ex)}", ex);
        ReportFailure(error);
        return error;
    }

    /// <summary>
    /// Translates a failure of the request body and marks the stream aborted. Returns null when the body stopped
    /// because the server had already ended the call: the writer then sees its output completed, not an error, and
    /// the Input reports the call's status.
    /// </summary>
    internal Exception? OnSendFailed(Exception ex)
    {
        if (ex is SlimTransportException || ReferenceEquals(ex, Volatile.Read(ref _completionError)))
        {
            // Already translated, or the error the writer completed the output with itself.
            return ex;
        }

        // The handler stops the request body once the response has ended; the trailers were stored before that.
        if (!Disposed && !_call.IsCancellationRequested && _response is { } response
            && response.TrailingHeaders.NonValidated.Contains(GrpcProtocol.StatusHeader))
        {
            return null;
        }

        var error = Disposed || _call.IsCancellationRequested
            ? new SlimTransportException(SlimErrorCode.TransportFailed, GrpcStatusCode.Cancelled, "the stream was cancelled locally", ex)
            : new SlimTransportException(SlimErrorCode.TransportFailed, StatusOf(ex), $"sending to {RemoteDescription} failed: {Describe(ex)}", ex);
        ReportFailure(error);
        return error;
    }

    private void ReportFailure(SlimTransportException error)
    {
        if (Interlocked.Exchange(ref _failureReported, 1) == 0 && !Disposed)
        {
            TransportMetrics.ClientStreamFailures.Add(1);
            ClientLog.StreamFailed(_logger, RemoteDescription, error.StatusDetail);
        }

        _aborted.Cancel();
    }

    private void CheckResponseHeaders(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var http = (int)response.StatusCode;
            throw new SlimTransportException(
                SlimErrorCode.NotGrpcResponse,
                GrpcProtocol.StatusFromHttp(http),
                $"{RemoteDescription} answered HTTP {http} instead of a gRPC response")
            {
                HttpStatusCode = http,
            };
        }

        var contentType = FirstValue(response.Content.Headers, "content-type");
        if (contentType is null || !GrpcProtocol.IsGrpcContentType(contentType))
        {
            throw new SlimTransportException(
                SlimErrorCode.NotGrpcResponse,
                GrpcStatusCode.Unknown,
                $"{RemoteDescription} answered content-type '{contentType}' instead of {GrpcProtocol.ContentType}");
        }

        // A status among the headers means a trailers-only response: the call is already over.
        _headerStatus = FirstValue(response.Headers, GrpcProtocol.StatusHeader);
        _headerMessage = FirstValue(response.Headers, GrpcProtocol.MessageHeader);
        if (_headerStatus is not null)
        {
            if (!GrpcProtocol.TryParseStatus(_headerStatus, out var code))
            {
                throw new SlimTransportException(SlimErrorCode.NotGrpcResponse, GrpcStatusCode.Unknown, $"invalid grpc-status '{_headerStatus}'");
            }

            if (code != GrpcStatusCode.OK)
            {
                throw new SlimTransportException(SlimErrorCode.GrpcStatus, code, GrpcProtocol.DecodeMessage(_headerMessage));
            }
        }
    }

    private SlimTransportException ConnectFailed(GrpcStatusCode status, string detail, Exception inner)
    {
        TransportMetrics.ClientConnectFailures.Add(1);
        ClientLog.ConnectFailed(_logger, RemoteDescription, detail);
        return new SlimTransportException(SlimErrorCode.ConnectFailed, status, detail, inner);
    }

    private static HttpRequestMessage BuildRequest(GrpcClientOptions options, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Endpoint, GrpcProtocol.OpenChannelPath))
        {
            // Trap 1: a request message defaults to HTTP/1.1 whatever the invoker's defaults are.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.UserAgent.Add(UserAgent);
        if (options.Tls?.ServerName is { } serverName)
        {
            // SocketsHttpHandler takes both the SNI name and :authority from the Host header.
            request.Headers.Host = options.Endpoint.IsDefaultPort ? serverName : $"{serverName}:{options.Endpoint.Port}";
        }

        foreach (var (name, value) in options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    private static readonly ProductInfoHeaderValue UserAgent = new("slim-dotnet", typeof(GrpcClientStream).Assembly.GetName().Version?.ToString(3) ?? "0");

    private static string? FirstValue(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) && values.Count > 0 ? FirstOf(values) : null;

    private static string? FirstOf(HeaderStringValues values)
    {
        foreach (var value in values)
        {
            return value;
        }

        return null;
    }

    private static GrpcStatusCode StatusOf(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is HttpProtocolException protocol)
            {
                // HTTP/2 error codes: CANCEL (0x8) is a cancellation, REFUSED_STREAM (0x7) may be retried.
                return protocol.ErrorCode switch
                {
                    0x8 => GrpcStatusCode.Cancelled,
                    0x7 => GrpcStatusCode.Unavailable,
                    _ => GrpcStatusCode.Internal,
                };
            }
        }

        return GrpcStatusCode.Unavailable;
    }

    private static string Describe(Exception ex)
    {
        var message = ex.Message;
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            message += " -> " + inner.Message;
        }

        return message;
    }
}
