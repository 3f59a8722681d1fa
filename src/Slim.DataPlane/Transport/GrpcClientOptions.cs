using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Slim.DataPlane.Transport;

/// <summary>
/// How <see cref="GrpcStreamClient"/> opens an <c>OpenChannel</c> stream to a SLIM node.
/// </summary>
/// <remarks>
/// <c>http://</c> endpoints speak HTTP/2 in clear text with prior knowledge (h2c); <c>https://</c> endpoints speak
/// HTTP/2 over TLS negotiated with ALPN <c>h2</c>, configured by <see cref="Tls"/>. Each stream gets its own TCP
/// connection (a SLIM link is one connection), with <c>TCP_NODELAY</c> set.
/// </remarks>
public sealed record GrpcClientOptions
{
    /// <summary>Options for <c>http://127.0.0.1:46357</c> with every other value at its default.</summary>
    public static GrpcClientOptions Default { get; } = new();

    /// <summary>
    /// The node to connect to: <c>http://host:port</c> (h2c) or <c>https://host:port</c> (TLS). Only the scheme,
    /// host and port are used; the request path is always <see cref="GrpcProtocol.OpenChannelPath"/>.
    /// </summary>
    public Uri Endpoint { get; init; } = new("http://127.0.0.1:" + GrpcProtocol.DefaultPort);

    /// <summary>TLS settings for <c>https://</c> endpoints; null uses the system trust store and no client certificate.</summary>
    public GrpcClientTlsOptions? Tls { get; init; }

    /// <summary>
    /// Bound on opening the stream: TCP connect, TLS handshake, HTTP/2 setup and the server's response headers.
    /// Default 10 s.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Extra request headers (gRPC metadata), for example <c>authorization</c>. Names are sent in lower case.
    /// The reserved names <c>content-type</c>, <c>te</c>, <c>host</c> and pseudo-headers may not be set here.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>
    /// Interval between HTTP/2 PING frames that detect a dead connection; <see cref="Timeout.InfiniteTimeSpan"/>
    /// disables them. Default 60 s (as the official SLIM client's <c>http2_keepalive</c>).
    /// </summary>
    public TimeSpan KeepAlivePingInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a PING may go unanswered before the connection is declared dead. Default 10 s.</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Initial HTTP/2 receive window of the stream, in bytes (65,535 to 16 MiB). Default 2 MiB, like the server.
    /// The connection-level receive window is managed by <see cref="System.Net.Http.SocketsHttpHandler"/> and is
    /// not configurable.
    /// </summary>
    public int InitialStreamWindowSize { get; init; } = 2 * 1024 * 1024;

    /// <summary>
    /// Bytes written to <see cref="IFrameStream.Output"/> and not yet sent before the writer's flush waits.
    /// Default 1 MiB.
    /// </summary>
    public int MaxPendingSendBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Bytes received and not yet read from <see cref="IFrameStream.Input"/> before the transport stops reading from
    /// the connection (the server then blocks on HTTP/2 flow control). Default 1 MiB.
    /// </summary>
    public int MaxPendingReceiveBytes { get; init; } = 1024 * 1024;

    /// <summary>Clock for the connect timeout.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Logger factory for transport diagnostics.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}

/// <summary>TLS settings of a client stream (used only for <c>https://</c> endpoints).</summary>
/// <remarks>
/// Server certificates are validated against the system trust store (unless
/// <see cref="IncludeSystemTrust"/> is false) and against the roots in <see cref="CaFile"/> and
/// <see cref="TrustedCertificates"/>; the host name checked is <see cref="ServerName"/> when set, otherwise the
/// endpoint's host.
/// </remarks>
public sealed record GrpcClientTlsOptions
{
    /// <summary>PEM file of CA certificates whose roots are trusted for the server certificate.</summary>
    public string? CaFile { get; init; }

    /// <summary>CA certificates trusted for the server certificate (in addition to <see cref="CaFile"/>).</summary>
    public IReadOnlyList<X509Certificate2> TrustedCertificates { get; init; } = [];

    /// <summary>Whether the system trust store is trusted as well as the configured CAs. Default true.</summary>
    public bool IncludeSystemTrust { get; init; } = true;

    /// <summary>PEM file of the client certificate for mutual TLS (optionally followed by its chain).</summary>
    public string? CertificateFile { get; init; }

    /// <summary>PEM file of the client certificate's private key (PKCS#8, PKCS#1 or SEC1; unencrypted).</summary>
    public string? KeyFile { get; init; }

    /// <summary>Accept any server certificate. For tests and development only: it removes all server authentication.</summary>
    public bool InsecureSkipVerify { get; init; }

    /// <summary>
    /// The name sent in SNI, used as the HTTP/2 <c>:authority</c> and checked against the server certificate,
    /// instead of the endpoint's host.
    /// </summary>
    public string? ServerName { get; init; }
}
