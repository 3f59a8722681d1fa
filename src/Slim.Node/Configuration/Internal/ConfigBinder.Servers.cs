using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Slim.Node.Hosting;
using Slim.Protocol;

namespace Slim.Node.Configuration.Internal;

/// <summary><c>dataplane.servers[]</c> entries: endpoint, TLS (file or PEM sources, client CA for mTLS), HTTP/2 limits, auth.</summary>
internal sealed partial class ConfigBinder
{
    private static readonly string[] ServerKeys =
    [
        "endpoint", "tls", "http2_only", "max_frame_size", "max_concurrent_streams", "max_header_list_size", "read_buffer_size",
        "write_buffer_size", "keepalive", "auth", "metadata", "require_header_mac", "negotiation_timeout_secs",
        "link_hmac_timeout_secs", "link_hmac_poll_interval_ms", "tcp_quickack",
    ];

    private (NodeServerOptions Server, ServerSettings Settings) BindServer(ConfigValue value)
    {
        var map = value.Map(ServerKeys);
        var endpointValue = map.Require("endpoint", "every server needs an endpoint to listen on, e.g. \"0.0.0.0:46357\"");
        var endpoint = ParseServerEndpoint(endpointValue);
        var transport = new GrpcServerOptions { Endpoints = [endpoint], Tls = BindServerTls(map.Get("tls"), value) };

        if (map.Get("http2_only") is { } http2Only && !http2Only.Bool())
        {
            Notices.Add($"{http2Only.Path}: the node always serves HTTP/2 only (gRPC needs it); false is ignored.");
        }

        var maxMessageSize = SlimConstants.DefaultMaxMessageSize;
        if (map.Get("max_frame_size") is { } frame)
        {
            maxMessageSize = (int)frame.Integer(1, 1024) * 1024 * 1024;
        }

        if (map.Get("max_concurrent_streams") is { } streams)
        {
            transport = transport with { MaxStreamsPerConnection = (int)streams.Integer(1, int.MaxValue) };
        }

        foreach (var ignored in new[] { "max_header_list_size", "read_buffer_size", "write_buffer_size" })
        {
            if (map.Get(ignored) is { } size)
            {
                _ = size.Integer(0, long.MaxValue);
                Notices.Add($"{size.Path}: not applied by this node (Kestrel's defaults are used).");
            }
        }

        if (map.Get("keepalive") is { } keepalive)
        {
            var k = keepalive.Map("max_connection_idle", "max_connection_age", "max_connection_age_grace", "time", "timeout");
            if (k.Get("time") is { } time)
            {
                transport = transport with { KeepAlivePingInterval = PingSetting(time) };
            }

            if (k.Get("timeout") is { } timeout)
            {
                transport = transport with { KeepAlivePingTimeout = PingSetting(timeout) };
            }

            foreach (var ignored in new[] { "max_connection_idle", "max_connection_age", "max_connection_age_grace" })
            {
                if (k.Get(ignored) is { } duration)
                {
                    _ = duration.Duration();
                    Notices.Add($"{duration.Path}: not applied by this node (a link stays open as long as both ends want it).");
                }
            }
        }

        var basic = map.Get("auth") is { } auth ? BindAuth(auth) : null;
        _ = map.Get("metadata")?.OpenMap();
        var requireMac = map.Get("require_header_mac")?.Bool() ?? true;
        var negotiation = SlimConstants.LinkNegotiationTimeout;
        if ((map.Get("negotiation_timeout_secs") ?? map.Get("link_hmac_timeout_secs")) is { } seconds)
        {
            negotiation = TimeSpan.FromSeconds(seconds.Integer(1, 3600));
        }

        _ = map.Get("link_hmac_poll_interval_ms")?.Integer(0, int.MaxValue);
        if (map.Get("tcp_quickack") is { } quickAck)
        {
            transport = transport with { TcpQuickAck = quickAck.Bool() };
        }

        return (new NodeServerOptions { Transport = transport, BasicAuth = basic }, new ServerSettings(requireMac, negotiation, maxMessageSize));
    }

    /// <summary>Kestrel counts PING intervals in whole seconds; 0 turns the pings off.</summary>
    private static TimeSpan PingSetting(ConfigValue value)
    {
        var duration = value.Duration();
        if (duration == TimeSpan.Zero)
        {
            return Timeout.InfiniteTimeSpan;
        }

        return duration < TimeSpan.FromSeconds(1)
            ? throw value.Error("HTTP/2 keepalive settings must be at least 1s (or 0s to turn the pings off)")
            : duration;
    }

    /// <summary>host:port with an IPv4 literal, a bracketed IPv6 literal or localhost (a server binds addresses, not names).</summary>
    private static string ParseServerEndpoint(ConfigValue value)
    {
        var text = value.NonEmptyString("the endpoint").Trim();
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var name = text[..scheme];
            throw value.Error(name is "ws" or "wss" or "unix"
                ? $"{name}:// servers are not supported by this node; give a gRPC endpoint as host:port, e.g. \"0.0.0.0:46357\""
                : $"give the server endpoint as host:port without a scheme, e.g. \"0.0.0.0:46357\" (TLS is set by the tls section), not '{text}'");
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw value.Error($"'{text}' is not host:port, e.g. \"0.0.0.0:46357\"");
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
        {
            throw value.Error($"'{text}': the port must be a number from 0 to 65535");
        }

        var host = text[..colon];
        var valid = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (host.StartsWith('[') && host.EndsWith(']') && IPAddress.TryParse(host.AsSpan(1, host.Length - 2), out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6)
            || (IPAddress.TryParse(host, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork);
        return valid
            ? text
            : throw value.Error($"'{host}' must be an IPv4 address, a bracketed IPv6 address or localhost (a server binds addresses, not host names)");
    }

    private GrpcServerTlsOptions? BindServerTls(ConfigValue? value, ConfigValue server)
    {
        const string howTo = "set tls.insecure: true for clear text, or give tls.source with type file (cert, key) or pem";
        if (value is not { } tlsValue)
        {
            throw server.Error($"TLS is on by default (tls.insecure defaults to false) but no certificate is configured: {howTo}");
        }

        var map = tlsValue.Map(
            "insecure", "source", "client_ca", "ca_source", "include_system_ca_certs_pool", "tls_version", "reload_interval", "reload_client_ca_file");
        var insecure = map.Get("insecure")?.Bool() ?? false;
        var protocols = map.Get("tls_version") is { } version ? TlsVersion(version) : SslProtocols.Tls13;
        _ = map.Get("include_system_ca_certs_pool")?.Bool();
        _ = map.Get("reload_client_ca_file")?.Bool();
        if (map.Get("ca_source") is { } caSource)
        {
            _ = caSource.OpenMap();
        }

        if (insecure)
        {
            foreach (var key in new[] { "source", "client_ca" })
            {
                if (map.Get(key) is { } unused)
                {
                    Notices.Add($"{unused.Path}: ignored because tls.insecure is true (the server speaks clear text).");
                }
            }

            return null;
        }

        if (map.Get("reload_interval") is { } reload)
        {
            _ = reload.Duration();
            Notices.Add($"{reload.Path}: certificates are not reloaded by this node; restart it to load new ones.");
        }

        var source = map.Get("source");
        var certificate = source is { } s ? BindCertificateSource(s, allowPem: true) : null;
        if (certificate is null)
        {
            throw (source ?? tlsValue).Error($"TLS is on (tls.insecure is false) but no certificate is configured: {howTo}");
        }

        var tls = new GrpcServerTlsOptions { EnabledProtocols = protocols };
        tls = certificate.Value.FromFiles
            ? tls with { CertificateFile = certificate.Value.Certificate, KeyFile = certificate.Value.Key }
            : tls with { CertificatePem = certificate.Value.Certificate, KeyPem = certificate.Value.Key };
        if (map.Get("client_ca") is { } clientCa && BindCaSource(clientCa) is { } ca)
        {
            tls = ca.FromFile ? tls with { ClientCaFile = ca.Value } : tls with { ClientCaPem = ca.Value };
        }

        return tls;
    }

    private static SslProtocols TlsVersion(ConfigValue value) => value.OneOf("tls1.2", "tls1.3") switch
    {
        "tls1.2" => SslProtocols.Tls12 | SslProtocols.Tls13,
        _ => SslProtocols.Tls13,
    };

    /// <summary>
    /// A certificate and key source (<c>type: file</c> with paths, <c>type: pem</c> with text, or <c>none</c>),
    /// loaded once here so a missing file or a key that does not match is reported with its key path.
    /// </summary>
    private (bool FromFiles, string Certificate, string Key)? BindCertificateSource(ConfigValue value, bool allowPem)
    {
        var map = value.Map("type", "cert", "key", "socket_path", "jwt_audiences", "target_spiffe_id", "trust_domains");
        var type = map.Require("type", "the source type: file, pem or none").OneOf("file", "pem", "spire", "none");
        switch (type)
        {
            case "none":
                return null;
            case "spire":
                throw map.Require("type", "unreachable").Error("SPIRE certificate sources are not supported by this node: use type file or pem");
            case "pem" when !allowPem:
                throw map.Require("type", "unreachable").Error("a client certificate given as PEM text is not supported by this node: use type: file");
        }

        var certValue = map.Require("cert", type == "file" ? "the certificate file" : "the certificate as PEM text");
        var keyValue = map.Require("key", type == "file" ? "the private key file" : "the private key as PEM text");
        if (type == "file")
        {
            var cert = ExistingFile(certValue);
            var key = ExistingFile(keyValue);
            try
            {
                using var loaded = X509Certificate2.CreateFromPemFile(cert, key);
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw value.Error($"cannot load the certificate '{cert}' with key '{key}': {ex.Message}", ex);
            }

            return (true, cert, key);
        }

        var certText = certValue.NonEmptyString("cert");
        var keyText = keyValue.NonEmptyString("key");
        try
        {
            using var loaded = X509Certificate2.CreateFromPem(certText, keyText);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw value.Error($"cannot load the PEM certificate and key: {ex.Message}", ex);
        }

        return (false, certText, keyText);
    }

    /// <summary>A CA source: <c>type: file</c> with <c>path</c>, <c>type: pem</c> with <c>data</c>, or <c>none</c>.</summary>
    private (bool FromFile, string Value)? BindCaSource(ConfigValue value)
    {
        var map = value.Map("type", "path", "data", "socket_path", "trust_domains", "jwt_audiences", "target_spiffe_id");
        var type = map.Require("type", "the CA source type: file, pem or none").OneOf("file", "pem", "spire", "none");
        if (type == "none")
        {
            return null;
        }

        if (type == "spire")
        {
            throw map.Require("type", "unreachable").Error("SPIRE CA bundles are not supported by this node: use type file or pem");
        }

        var fromFile = type == "file";
        var source = fromFile ? map.Require("path", "the CA certificate file") : map.Require("data", "the CA certificates as PEM text");
        var text = fromFile ? ExistingFile(source) : source.NonEmptyString("data");
        var certificates = new X509Certificate2Collection();
        try
        {
            if (fromFile)
            {
                certificates.ImportFromPemFile(text);
            }
            else
            {
                certificates.ImportFromPem(text);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw source.Error($"cannot read the CA certificates: {ex.Message}", ex);
        }

        foreach (var certificate in certificates)
        {
            certificate.Dispose();
        }

        return certificates.Count == 0 ? throw source.Error("holds no PEM certificate") : (fromFile, text);
    }

    private string ExistingFile(ConfigValue value)
    {
        var text = value.NonEmptyString("a file path");
        var path = _document.ResolvePath(text);
        return File.Exists(path) ? path : throw value.Error($"file '{text}' does not exist (looked for {path})");
    }

    private BasicCredentials? BindAuth(ConfigValue value)
    {
        var map = value.OpenMap();
        var type = map.Require("type", "the auth type: none or basic").OneOf("none", "basic", "jwt", "static_jwt", "spire");
        switch (type)
        {
            case "none":
                _ = value.Map("type");
                return null;
            case "basic":
                var basic = value.Map("type", "username", "password");
                var user = basic.Require("username", "basic auth needs a username").NonEmptyString("username");
                if (user.Contains(':', StringComparison.Ordinal))
                {
                    throw basic.Require("username", "unreachable").Error("a basic-auth username cannot contain ':'");
                }

                return new BasicCredentials(user, basic.Require("password", "basic auth needs a password").String());
            default:
                throw map.Require("type", "unreachable").Error($"auth type '{type}' is not supported by this node: use none or basic");
        }
    }
}
