using System.Net;
using System.Net.Sockets;
using Slim.DataPlane.Transport.Internal;
using Slim.Protocol;

namespace Slim.DataPlane.Transport;

/// <summary>
/// Opens <c>OpenChannel</c> streams to a SLIM node over HTTP/2 (<see cref="HttpMessageInvoker"/> on
/// <see cref="SocketsHttpHandler"/>), without grpc-dotnet.
/// </summary>
public static class GrpcStreamClient
{
    /// <summary>Smallest initial HTTP/2 window (the protocol default).</summary>
    private const int MinWindowSize = 65_535;

    /// <summary>Largest initial stream window SocketsHttpHandler accepts by default.</summary>
    private const int MaxWindowSize = 16 * 1024 * 1024;

    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-type", "te", "host", "content-length", "connection", "transfer-encoding", "upgrade", "keep-alive", "proxy-connection",
    };

    /// <summary>
    /// Opens one stream on a new TCP connection and waits for the server's response headers.
    /// </summary>
    /// <param name="options">Endpoint, TLS, timeouts and HTTP/2 settings.</param>
    /// <param name="cancellationToken">Cancels the attempt (not the stream once it is returned).</param>
    /// <returns>
    /// The open stream. Its <see cref="IFrameStream.Input"/> completes when the server ends the call with
    /// <c>grpc-status</c> 0, and throws a <see cref="SlimTransportException"/> (code
    /// <see cref="SlimErrorCode.GrpcStatus"/>) for any other status, after the messages that preceded it. Disposing
    /// the stream resets the call and closes the connection.
    /// </returns>
    /// <exception cref="SlimTransportException">
    /// <see cref="SlimErrorCode.ConnectFailed"/> when the connection, the TLS handshake or the response headers fail
    /// or time out; <see cref="SlimErrorCode.NotGrpcResponse"/> for a non-200 status or a content-type other than
    /// <c>application/grpc</c>; <see cref="SlimErrorCode.GrpcStatus"/> for a trailers-only response with a non-OK
    /// status. <see cref="SlimTransportException.StatusCode"/> holds the gRPC status in every case.
    /// </exception>
    /// <exception cref="SlimException">
    /// <see cref="SlimErrorCode.InvalidArgument"/> for unusable options; <see cref="SlimErrorCode.TlsConfigurationInvalid"/>
    /// when a TLS file cannot be loaded.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<IFrameStream> ConnectAsync(GrpcClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var handler = CreateHandler(options);
        var stream = new GrpcClientStream(new HttpMessageInvoker(handler, disposeHandler: true), options);
        try
        {
            await stream.OpenAsync(cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static void Validate(GrpcClientOptions options)
    {
        var endpoint = options.Endpoint;
        if (endpoint is null || !endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw Invalid($"Endpoint must be an absolute http:// or https:// URI, not '{endpoint}'.");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero && options.ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            throw Invalid("ConnectTimeout must be positive or infinite.");
        }

        // SocketsHttpHandler counts PING delays in whole seconds.
        if (options.KeepAlivePingInterval < TimeSpan.FromSeconds(1) && options.KeepAlivePingInterval != Timeout.InfiniteTimeSpan)
        {
            throw Invalid("KeepAlivePingInterval must be at least 1 s, or infinite.");
        }

        if (options.KeepAlivePingTimeout < TimeSpan.FromSeconds(1) && options.KeepAlivePingTimeout != Timeout.InfiniteTimeSpan)
        {
            throw Invalid("KeepAlivePingTimeout must be at least 1 s, or infinite.");
        }

        if (options.InitialStreamWindowSize is < MinWindowSize or > MaxWindowSize)
        {
            throw Invalid($"InitialStreamWindowSize must be between {MinWindowSize} and {MaxWindowSize}.");
        }

        if (options.MaxPendingSendBytes < 1024 || options.MaxPendingReceiveBytes < 1024)
        {
            throw Invalid("MaxPendingSendBytes and MaxPendingReceiveBytes must be at least 1024.");
        }

        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        ArgumentNullException.ThrowIfNull(options.LoggerFactory);
        foreach (var (name, _) in options.Headers)
        {
            if (string.IsNullOrEmpty(name) || name[0] == ':' || ReservedHeaders.Contains(name))
            {
                throw Invalid($"The request header '{name}' is reserved by the transport.");
            }
        }
    }

    private static SlimException Invalid(string message) => new(SlimErrorCode.InvalidArgument, message);

    private static SocketsHttpHandler CreateHandler(GrpcClientOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = ConnectSocketAsync,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            EnableMultipleHttp2Connections = false,
            InitialHttp2StreamWindowSize = options.InitialStreamWindowSize,
            KeepAlivePingDelay = options.KeepAlivePingInterval,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,

            // The connect timeout is enforced over the whole opening, with the options' clock.
            ConnectTimeout = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        };
        if (options.Endpoint.Scheme == Uri.UriSchemeHttps)
        {
            handler.SslOptions = ClientTls.Create(options.Tls);
        }

        return handler;
    }

    private static async ValueTask<Stream> ConnectSocketAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = Socket.OSSupportsIPv6
            ? new Socket(SocketType.Stream, ProtocolType.Tcp)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Messages are small and latency-sensitive; batching is done by the writers' flushes.
            socket.NoDelay = true;
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
