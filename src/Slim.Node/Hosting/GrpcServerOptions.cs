using Slim.DataPlane.Transport;

namespace Slim.Node.Hosting;

/// <summary>How <see cref="GrpcStreamServer"/> listens for <c>OpenChannel</c> streams.</summary>
public sealed record GrpcServerOptions
{
    /// <summary>Options listening on <c>0.0.0.0:46357</c> in clear text (h2c), every other value at its default.</summary>
    public static GrpcServerOptions Default { get; } = new();

    /// <summary>
    /// Where to listen, each as <c>host:port</c>: an IPv4 literal, a bracketed IPv6 literal (<c>[::1]:46357</c>) or
    /// <c>localhost</c> (IPv4 loopback). Port 0 picks a free port; <see cref="GrpcStreamServer.BoundEndpoints"/>
    /// reports it. Default <c>0.0.0.0:46357</c>.
    /// </summary>
    public IReadOnlyList<string> Endpoints { get; init; } = ["0.0.0.0:" + GrpcProtocol.DefaultPort];

    /// <summary>TLS for every endpoint; null serves HTTP/2 in clear text with prior knowledge (h2c).</summary>
    public GrpcServerTlsOptions? Tls { get; init; }

    /// <summary>Initial HTTP/2 receive window of a connection, in bytes. Default 4 MiB.</summary>
    public int InitialConnectionWindowSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Initial HTTP/2 receive window of a stream, in bytes. Default 2 MiB.</summary>
    public int InitialStreamWindowSize { get; init; } = 2 * 1024 * 1024;

    /// <summary>Streams one connection may have open at once. Default 100 (SLIM uses one per connection).</summary>
    public int MaxStreamsPerConnection { get; init; } = 100;

    /// <summary>
    /// Interval between HTTP/2 PING frames that detect a dead client; <see cref="Timeout.InfiniteTimeSpan"/> disables
    /// them. Default 120 s (as the official SLIM server's <c>keepalive.time</c>).
    /// </summary>
    public TimeSpan KeepAlivePingInterval { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How long a PING may go unanswered before the connection is closed. Default 20 s.</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Acknowledge every TCP segment at once (Linux <c>TCP_QUICKACK</c>, set again after each read). Clients whose
    /// sockets run Nagle's algorithm otherwise wait for the node's delayed ACK, up to 40 ms, before each write that
    /// follows another (a MSG_ACK then a reply). Default true; ignored where the option does not exist.
    /// </summary>
    public bool TcpQuickAck { get; init; } = true;
}

/// <summary>
/// TLS settings of a server: its certificate and, for mutual TLS, the CA that client certificates must chain to. The
/// certificate and its key come either from files (<see cref="CertificateFile"/> and <see cref="KeyFile"/>) or
/// from PEM text (<see cref="CertificatePem"/> and <see cref="KeyPem"/>), never from both.
/// </summary>
public sealed record GrpcServerTlsOptions
{
    /// <summary>PEM file of the server certificate, optionally followed by its intermediate certificates.</summary>
    public string? CertificateFile { get; init; }

    /// <summary>PEM file of the server certificate's private key (PKCS#8, PKCS#1 or SEC1; unencrypted).</summary>
    public string? KeyFile { get; init; }

    /// <summary>The server certificate as PEM text (optionally followed by its intermediates), instead of <see cref="CertificateFile"/>.</summary>
    public string? CertificatePem { get; init; }

    /// <summary>The private key as PEM text, instead of <see cref="KeyFile"/>.</summary>
    public string? KeyPem { get; init; }

    /// <summary>
    /// PEM file of the CA certificates client certificates must chain to. When set (or <see cref="ClientCaPem"/>),
    /// every client must present a valid certificate (mutual TLS); when neither is set, none is requested.
    /// </summary>
    public string? ClientCaFile { get; init; }

    /// <summary>The client CA certificates as PEM text, instead of <see cref="ClientCaFile"/>.</summary>
    public string? ClientCaPem { get; init; }

    /// <summary>
    /// TLS versions the server accepts; <see cref="System.Security.Authentication.SslProtocols.None"/> (the default)
    /// lets the operating system choose (TLS 1.2 and 1.3).
    /// </summary>
    public System.Security.Authentication.SslProtocols EnabledProtocols { get; init; }
}
