using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Slim.DataPlane.Transport;
using Slim.Node.Hosting.Internal;
using Slim.Protocol;

namespace Slim.Node.Hosting;

/// <summary>
/// Serves SLIM's <c>OpenChannel</c> gRPC stream over HTTP/2 on Kestrel, without grpc-dotnet: every call runs
/// <c>handler</c> for its whole life with a <see cref="GrpcServerStream"/>.
/// </summary>
/// <remarks>
/// <para>Built on a bare generic host with <c>UseKestrelCore</c>: no configuration sources, no console logging, no
/// signal handling, no middleware besides one request delegate; logs go to the given <see cref="ILoggerFactory"/>.</para>
/// <para>For each <c>POST /dataplane.proto.v1.DataPlaneService/OpenChannel</c> with <c>content-type:
/// application/grpc</c> the response headers (status 200, <c>application/grpc</c>) are flushed to the wire before
/// the handler runs, so clients that wait for them before their first message proceed. The handler's token is
/// cancelled when the client resets the stream or the connection dies, and when the server stops. Other paths get a
/// trailers-only <c>grpc-status</c> 12 (UNIMPLEMENTED), other content types HTTP 415, other methods HTTP 405.</para>
/// <para>Request body size and data-rate limits are removed (a stream lives as long as its link); HTTP/2 windows are
/// raised (connection 4 MiB, stream 2 MiB by default).</para>
/// </remarks>
public sealed class GrpcStreamServer : IAsyncDisposable
{
    private const int StateNew = 0;
    private const int StateStarting = 1;
    private const int StateStarted = 2;
    private const int StateStopped = 3;

    private readonly GrpcServerOptions _options;
    private readonly Func<IFrameStream, CancellationToken, Task> _handler;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<GrpcServerStream, byte> _active = new();
    private readonly List<IPEndPoint> _endpoints;
    private IHost? _host;
    private IReadOnlyList<IPEndPoint> _bound = [];
    private int _state;

    /// <summary>Creates a server; nothing listens until <see cref="StartAsync"/>.</summary>
    /// <param name="options">Endpoints, TLS and HTTP/2 settings.</param>
    /// <param name="handler">
    /// Runs once per <c>OpenChannel</c> call, for the call's whole life. The stream it receives is a
    /// <see cref="GrpcServerStream"/> (request headers, client certificate). Completing the stream sends the trailers;
    /// returning without completing sends <c>grpc-status</c> 0, throwing sends 13 (INTERNAL).
    /// </param>
    /// <param name="loggerFactory">Where the server and Kestrel log; null discards logs.</param>
    /// <exception cref="SlimException">
    /// <see cref="SlimErrorCode.EndpointBindFailed"/> for an endpoint that does not parse;
    /// <see cref="SlimErrorCode.InvalidArgument"/> for a window, stream limit or keep-alive setting out of range.
    /// </exception>
    public GrpcStreamServer(GrpcServerOptions options, Func<IFrameStream, CancellationToken, Task> handler, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        _options = options;
        _handler = handler;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<GrpcStreamServer>();
        if (options.Endpoints.Count == 0)
        {
            throw new SlimException(SlimErrorCode.EndpointBindFailed, "At least one endpoint is required.");
        }

        _endpoints = options.Endpoints.Select(ParseEndpoint).ToList();
        Validate(options);
    }

    /// <summary>The endpoints actually bound (with the ports picked for port 0), in the order of the options; empty before start.</summary>
    public IReadOnlyList<IPEndPoint> BoundEndpoints => _bound;

    /// <summary>True when the endpoints serve TLS.</summary>
    public bool IsTls => _options.Tls is not null;

    /// <summary>Number of handlers currently running.</summary>
    public int ActiveStreams => _active.Count;

    /// <summary>Binds every endpoint and starts accepting connections.</summary>
    /// <exception cref="SlimException">
    /// <see cref="SlimErrorCode.EndpointBindFailed"/> when an endpoint cannot be bound;
    /// <see cref="SlimErrorCode.TlsConfigurationInvalid"/> when the certificate, key or client CA cannot be loaded;
    /// <see cref="SlimErrorCode.InvalidState"/> when the server was already started.
    /// </exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, StateStarting, StateNew) != StateNew)
        {
            throw new SlimException(SlimErrorCode.InvalidState, "The server was already started.");
        }

        var listeners = new List<ListenOptions>();
        IHost? host = null;
        try
        {
            var https = _options.Tls is { } tls ? ServerTls.Create(tls, _logger) : null;
            host = new HostBuilder()
                .ConfigureServices(services =>
                {
                    services.AddSingleton<ILoggerFactory>(new HostLoggerFactory(_loggerFactory));
                    services.AddSingleton<IHostLifetime, QuietHostLifetime>();
                })
                .ConfigureWebHost(
                    web => web
                        .UseKestrelCore()
                        .ConfigureKestrel(kestrel => ConfigureKestrel(kestrel, https, listeners))
                        .Configure(app => app.Run(HandleAsync)),
                    webHostOptions => webHostOptions.SuppressEnvironmentConfiguration = true)
                .Build();
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            host?.Dispose();
            Volatile.Write(ref _state, StateStopped);
            if (ex is IOException)
            {
                throw new SlimException(SlimErrorCode.EndpointBindFailed, $"Cannot bind {string.Join(", ", _options.Endpoints)}: {ex.Message}", ex);
            }

            throw;
        }

        _host = host;
        _bound = listeners.Select(l => l.IPEndPoint!).ToArray();
        Volatile.Write(ref _state, StateStarted);
        foreach (var endpoint in _bound)
        {
            ServerLog.Listening(_logger, IsTls ? "https" : "http", endpoint.ToString());
        }
    }

    /// <summary>
    /// Stops gracefully: stops accepting connections, cancels every handler's token, waits up to
    /// <paramref name="drainTimeout"/> for the handlers to return, then aborts the connections that remain.
    /// </summary>
    /// <remarks>
    /// Streams still open when the handlers return get their trailers. After the drain timeout Kestrel aborts the
    /// remaining connections (their handlers see <see cref="IFrameStream.Aborted"/> and failing reads) and gives
    /// them a short grace to return; a handler that ignores all of that is left behind. Idempotent.
    /// </remarks>
    public async Task StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, StateStopped, StateStarted) != StateStarted)
        {
            return;
        }

        ServerLog.Stopping(_logger, _active.Count, drainTimeout.TotalSeconds);
        _stopping.Cancel();
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(drainTimeout < TimeSpan.Zero ? TimeSpan.Zero : drainTimeout);
        try
        {
            await _host!.StopAsync(drain.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested)
        {
            // Kestrel aborted what was left when the drain ended.
        }
        finally
        {
            _host!.Dispose();
            ServerLog.Stopped(_logger, _active.Count);
        }
    }

    /// <summary>Stops without draining (<see cref="StopAsync"/> with a zero timeout).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
    }

    private void ConfigureKestrel(KestrelServerOptions kestrel, HttpsConnectionAdapterOptions? https, List<ListenOptions> listeners)
    {
        kestrel.AddServerHeader = false;
        var limits = kestrel.Limits;

        // A stream lives as long as its link: no body size limit and no minimum data rate, which would otherwise stop
        // a stream after ~30 MB or kill an idle one.
        limits.MaxRequestBodySize = null;
        limits.MinRequestBodyDataRate = null;
        limits.MinResponseDataRate = null;
        limits.Http2.InitialConnectionWindowSize = _options.InitialConnectionWindowSize;
        limits.Http2.InitialStreamWindowSize = _options.InitialStreamWindowSize;
        limits.Http2.MaxStreamsPerConnection = _options.MaxStreamsPerConnection;
        limits.Http2.KeepAlivePingDelay = _options.KeepAlivePingInterval;
        limits.Http2.KeepAlivePingTimeout = _options.KeepAlivePingTimeout;

        foreach (var endpoint in _endpoints)
        {
            kestrel.Listen(endpoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (_options.TcpQuickAck)
                {
                    // Outermost, so it sees the TCP socket below TLS.
                    listen.Use(QuickAckTransport.Middleware);
                }

                if (https is not null)
                {
                    listen.UseHttps(https);
                }

                listeners.Add(listen);
            });
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            Reject(context, StatusCodes.Status405MethodNotAllowed, "method not allowed");
            return;
        }

        if (request.ContentType is not { } contentType || !GrpcProtocol.IsGrpcContentType(contentType))
        {
            Reject(context, StatusCodes.Status415UnsupportedMediaType, "not a gRPC content type");
            return;
        }

        if (!string.Equals(request.Path.Value, GrpcProtocol.OpenChannelPath, StringComparison.Ordinal))
        {
            RejectWithStatus(context, GrpcStatusCode.Unimplemented, $"Method {request.Path.Value} is not implemented.");
            return;
        }

        if (_stopping.IsCancellationRequested)
        {
            RejectWithStatus(context, GrpcStatusCode.Unavailable, "The server is shutting down.");
            return;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        var stream = new GrpcServerStream(context, _logger);
        _active.TryAdd(stream, 0);
        ServerMetrics.StreamsAccepted.Add(1);
        ServerMetrics.StreamsActive.Add(1);
        ServerLog.StreamAccepted(_logger, stream.RemoteDescription);
        try
        {
            // StartAsync alone does not put HEADERS on the wire under HTTP/2; the flush does.
            await response.StartAsync(context.RequestAborted).ConfigureAwait(false);
            await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            await RunHandlerAsync(stream).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is (OperationCanceledException or IOException) && context.RequestAborted.IsCancellationRequested)
        {
            // The client left before the headers were out.
        }
        finally
        {
            stream.Detach();
            _active.TryRemove(stream, out _);
            ServerMetrics.StreamsActive.Add(-1);
            ServerLog.StreamEnded(_logger, stream.RemoteDescription, stream.SentStatus ?? GrpcStatusCode.Cancelled);
        }
    }

    private async Task RunHandlerAsync(GrpcServerStream stream)
    {
        using var token = CancellationTokenSource.CreateLinkedTokenSource(stream.Aborted, _stopping.Token);
        try
        {
            await _handler(stream, token.Token).ConfigureAwait(false);
            await stream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException && token.IsCancellationRequested)
        {
            await stream.CompleteWithStatusAsync(
                _stopping.IsCancellationRequested ? GrpcStatusCode.Unavailable : GrpcStatusCode.Cancelled,
                _stopping.IsCancellationRequested ? "The server is shutting down." : null).ConfigureAwait(false);
        }
        catch (Exception ex) when (stream.Aborted.IsCancellationRequested)
        {
            // The client reset the stream or the connection died, and the handler noticed: nobody to tell, nothing wrong here.
            ServerLog.HandlerEndedByAbort(_logger, stream.RemoteDescription, ex.Message);
        }
        catch (Exception ex)
        {
            ServerMetrics.HandlerFailures.Add(1);
            ServerLog.HandlerFailed(_logger, stream.RemoteDescription, ex);
            await stream.CompleteWithStatusAsync(GrpcStatusCode.Internal, "The stream handler failed.").ConfigureAwait(false);
        }
    }

    private void Reject(HttpContext context, int httpStatus, string reason)
    {
        ServerMetrics.RequestsRejected.Add(1);
        ServerLog.RequestRejected(_logger, context.Request.Method, context.Request.Path.Value ?? string.Empty, RemoteOf(context), reason);
        context.Response.StatusCode = httpStatus;
    }

    private void RejectWithStatus(HttpContext context, GrpcStatusCode status, string message)
    {
        ServerMetrics.RequestsRejected.Add(1);
        ServerLog.RequestRejected(_logger, context.Request.Method, context.Request.Path.Value ?? string.Empty, RemoteOf(context), message);

        // Trailers-only: the status travels in the only HEADERS frame, which ends the stream.
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = GrpcProtocol.FormatStatus(status);
        response.Headers[GrpcProtocol.MessageHeader] = GrpcProtocol.EncodeMessage(message);
    }

    private static string RemoteOf(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } address
            ? new IPEndPoint(address, context.Connection.RemotePort).ToString()
            : context.Connection.Id;

    private static IPEndPoint ParseEndpoint(string text)
    {
        var colon = text?.LastIndexOf(':') ?? -1;
        if (text is null || colon <= 0 || colon == text.Length - 1)
        {
            throw BadEndpoint(text, "expected host:port");
        }

        var hostPart = text[..colon];
        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
        {
            throw BadEndpoint(text, "the port must be a number from 0 to 65535");
        }

        IPAddress? address;
        if (string.Equals(hostPart, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
        }
        else if (hostPart.StartsWith('[') && hostPart.EndsWith(']'))
        {
            if (!IPAddress.TryParse(hostPart.AsSpan(1, hostPart.Length - 2), out address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                throw BadEndpoint(text, "the bracketed host must be an IPv6 address");
            }
        }
        else if (!IPAddress.TryParse(hostPart, out address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw BadEndpoint(text, "the host must be an IPv4 address, [IPv6 address] or localhost");
        }

        return new IPEndPoint(address, port);
    }

    private static void Validate(GrpcServerOptions options)
    {
        const int minWindow = 65_535;
        if (options.InitialConnectionWindowSize < minWindow || options.InitialStreamWindowSize < minWindow)
        {
            throw new SlimException(SlimErrorCode.InvalidArgument, $"HTTP/2 windows must be at least {minWindow} bytes.");
        }

        if (options.MaxStreamsPerConnection < 1)
        {
            throw new SlimException(SlimErrorCode.InvalidArgument, "MaxStreamsPerConnection must be at least 1.");
        }

        // Kestrel counts PING delays in whole seconds.
        foreach (var (name, value) in new[] { ("KeepAlivePingInterval", options.KeepAlivePingInterval), ("KeepAlivePingTimeout", options.KeepAlivePingTimeout) })
        {
            if (value < TimeSpan.FromSeconds(1) && value != Timeout.InfiniteTimeSpan)
            {
                throw new SlimException(SlimErrorCode.InvalidArgument, $"{name} must be at least 1 s, or infinite.");
            }
        }
    }

    private static SlimException BadEndpoint(string? text, string reason) =>
        new(SlimErrorCode.EndpointBindFailed, $"Invalid endpoint '{text}': {reason}.");
}
