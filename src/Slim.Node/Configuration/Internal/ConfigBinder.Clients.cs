using System.Security.Cryptography.X509Certificates;
using System.Text;
using Slim.DataPlane.Links;
using Slim.DataPlane.Tables;
using Slim.DataPlane.Transport;

namespace Slim.Node.Configuration.Internal;

/// <summary><c>dataplane.clients[]</c> entries: the links this node opens to other nodes.</summary>
internal sealed partial class ConfigBinder
{
    private static readonly string[] ClientKeys =
    [
        "endpoint", "origin", "server_name", "compression", "rate_limit", "tls", "keepalive", "proxy", "connect_timeout",
        "request_timeout", "buffer_size", "headers", "auth", "backoff", "metadata", "link_id", "require_header_mac",
        "connection_type",
    ];

    private static readonly string[] ReservedHeaders =
        ["content-type", "te", "host", "content-length", "connection", "transfer-encoding", "upgrade", "keep-alive", "proxy-connection"];

    private NodeClientOptions BindClient(ConfigValue value)
    {
        var map = value.Map(ClientKeys);
        var tlsValue = map.Get("tls");
        var tlsMap = tlsValue?.Map(
            "insecure", "insecure_skip_verify", "source", "ca_source", "include_system_ca_certs_pool", "tls_version", "reload_interval");
        var insecure = tlsMap?.Get("insecure")?.Bool() ?? false;
        var endpoint = ParseClientEndpoint(map.Require("endpoint", "every client needs the endpoint of the node to link to, e.g. \"http://10.0.0.2:46357\""), insecure);
        var transport = new GrpcClientOptions { Endpoint = endpoint };
        var https = endpoint.Scheme == Uri.UriSchemeHttps;

        if (tlsMap is not null && https)
        {
            transport = transport with { Tls = BindClientTls(tlsMap) };
        }
        else if (tlsMap is not null && !insecure && (tlsMap.Has("source") || tlsMap.Has("ca_source")))
        {
            Notices.Add($"{tlsMap.Path}: ignored because the endpoint is http:// (clear text).");
        }

        if (map.Get("server_name") is { } serverName)
        {
            var name = serverName.NonEmptyString("server_name");
            transport = https
                ? transport with { Tls = (transport.Tls ?? new GrpcClientTlsOptions()) with { ServerName = name } }
                : throw serverName.Error("server_name (the TLS name to check) needs an https:// endpoint");
        }

        foreach (var ignored in new[] { "origin", "rate_limit", "compression", "buffer_size" })
        {
            if (map.Get(ignored) is { } setting)
            {
                _ = setting.String();
                Notices.Add($"{setting.Path}: not applied by this node.");
            }
        }

        if (map.Get("keepalive") is { } keepalive)
        {
            var k = keepalive.Map("tcp_keepalive", "http2_keepalive", "timeout", "keep_alive_while_idle");
            _ = k.Get("tcp_keepalive")?.Duration();
            _ = k.Get("keep_alive_while_idle")?.Bool();
            if (k.Get("http2_keepalive") is { } interval)
            {
                transport = transport with { KeepAlivePingInterval = PingSetting(interval) };
            }

            if (k.Get("timeout") is { } timeout)
            {
                transport = transport with { KeepAlivePingTimeout = PingSetting(timeout) };
            }
        }

        if (map.Get("proxy") is { } proxy)
        {
            var p = proxy.Map("url", "username", "password", "headers", "tls");
            if (p.Get("url") is { } url && url.String().Length > 0)
            {
                throw url.Error("connecting through an HTTP proxy is not supported by this node");
            }
        }

        if (map.Get("connect_timeout") is { } connect)
        {
            var timeout = connect.Duration();
            if (timeout > TimeSpan.Zero)
            {
                transport = transport with { ConnectTimeout = timeout };
            }
        }

        _ = map.Get("request_timeout")?.Duration();
        _ = map.Get("metadata")?.OpenMap();

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (name, header) in map.Get("headers")?.OpenMap().Entries ?? [])
        {
            if (name.Length == 0 || name.StartsWith(':') || ReservedHeaders.Contains(name.ToLowerInvariant()))
            {
                throw header.Error($"the header '{name}' is reserved by gRPC and cannot be set");
            }

            headers.Add(new(name.ToLowerInvariant(), header.String()));
        }

        if (map.Get("auth") is { } auth && BindAuth(auth) is { } credentials)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}"));
            headers.RemoveAll(h => h.Key == "authorization");
            headers.Add(new("authorization", $"Basic {token}"));
        }

        transport = transport with { Headers = headers };
        var link = new OutboundLinkOptions { Description = endpoint.GetLeftPart(UriPartial.Authority) };
        link = BindBackoff(map.Get("backoff"), link);
        if (map.Get("link_id") is { } linkId)
        {
            link = link with { LinkId = linkId.NonEmptyString("link_id") };
        }

        if (map.Get("require_header_mac") is { } requireMac)
        {
            link = link with { RequireHeaderMac = requireMac.Bool() };
        }

        if (map.Get("connection_type") is { } type)
        {
            link = link with
            {
                ConnectionType = type.OneOf("edge", "peer", "remote") switch
                {
                    "peer" => ConnectionType.Peer,
                    "remote" => ConnectionType.Remote,
                    _ => ConnectionType.Edge,
                },
            };
        }

        return new NodeClientOptions { Transport = transport, Link = link };
    }

    /// <summary>
    /// <c>http://</c> and <c>https://</c> as written; a bare <c>host:port</c> takes <c>https://</c> unless
    /// <c>tls.insecure</c> is true, as the official client does.
    /// </summary>
    private static Uri ParseClientEndpoint(ConfigValue value, bool insecure)
    {
        var text = value.NonEmptyString("the endpoint").Trim();
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var name = text[..scheme];
            if (name is not ("http" or "https"))
            {
                throw value.Error($"{name}:// endpoints are not supported by this node; use http://host:port or https://host:port");
            }

            if (name == "https" && insecure)
            {
                throw value.Error("the endpoint is https:// but tls.insecure is true: use http:// for clear text, or drop insecure");
            }
        }
        else
        {
            text = (insecure ? "http://" : "https://") + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0 || uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            throw value.Error($"'{text}' is not an endpoint like http://host:port");
        }

        return uri;
    }

    private GrpcClientTlsOptions BindClientTls(ConfigMap map)
    {
        var tls = new GrpcClientTlsOptions
        {
            InsecureSkipVerify = map.Get("insecure_skip_verify")?.Bool() ?? false,
            IncludeSystemTrust = map.Get("include_system_ca_certs_pool")?.Bool() ?? true,
        };
        if (map.Get("source") is { } source && BindCertificateSource(source, allowPem: false) is { } certificate)
        {
            tls = tls with { CertificateFile = certificate.Certificate, KeyFile = certificate.Key };
        }

        if (map.Get("ca_source") is { } caSource && BindCaSource(caSource) is { } ca)
        {
            if (ca.FromFile)
            {
                tls = tls with { CaFile = ca.Value };
            }
            else
            {
                var roots = new X509Certificate2Collection();
                roots.ImportFromPem(ca.Value);
                tls = tls with { TrustedCertificates = [.. roots] };
            }
        }

        if (map.Get("tls_version") is { } version)
        {
            _ = TlsVersion(version);
            Notices.Add($"{version.Path}: outbound links negotiate the highest TLS version both ends support; the setting is not enforced.");
        }

        if (map.Get("reload_interval") is { } reload)
        {
            _ = reload.Duration();
            Notices.Add($"{reload.Path}: certificates are not reloaded by this node; restart it to load new ones.");
        }

        return tls;
    }

    /// <summary>
    /// The official backoff: <c>exponential</c> waits base*factor ms, then multiplies by base each attempt, capped at
    /// max_delay; <c>fixed_interval</c> waits interval each time. Default: exponential, base 100, factor 1, max 1s.
    /// </summary>
    private OutboundLinkOptions BindBackoff(ConfigValue? value, OutboundLinkOptions link)
    {
        var defaults = link with
        {
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(100),
            ReconnectMultiplier = 100,
            ReconnectMaxDelay = TimeSpan.FromSeconds(1),
        };
        if (value is not { } backoff)
        {
            return defaults;
        }

        var type = backoff.OpenMap().Require("type", "the backoff type: exponential or fixed_interval").OneOf("exponential", "fixed_interval");
        if (type == "fixed_interval")
        {
            var map = backoff.Map("type", "interval", "max_attempts");
            var interval = map.Get("interval")?.Duration() ?? TimeSpan.FromSeconds(1);
            return link with
            {
                ReconnectInitialDelay = interval,
                ReconnectMaxDelay = interval,
                ReconnectMultiplier = 1,
                MaxReconnectAttempts = MaxAttempts(map.Get("max_attempts")),
            };
        }

        var exponential = backoff.Map("type", "base", "factor", "max_delay", "max_attempts", "jitter");
        var baseMs = exponential.Get("base")?.Integer(0, 3_600_000) ?? 100;
        var factor = exponential.Get("factor")?.Integer(0, 3_600_000) ?? 1;
        var maxDelay = exponential.Get("max_delay")?.Duration() ?? TimeSpan.FromSeconds(1);
        var first = TimeSpan.FromMilliseconds(Math.Min(baseMs * factor, (long)maxDelay.TotalMilliseconds));
        if (exponential.Get("jitter") is { } jitter && !jitter.Bool())
        {
            Notices.Add($"{jitter.Path}: reconnect delays are always randomised to 50-100 % of their value by this node.");
        }

        return link with
        {
            ReconnectInitialDelay = first,
            ReconnectMaxDelay = maxDelay < first ? first : maxDelay,
            ReconnectMultiplier = Math.Max(1, baseMs),
            MaxReconnectAttempts = MaxAttempts(exponential.Get("max_attempts")),
        };
    }

    private static int? MaxAttempts(ConfigValue? value) => value is { } v ? (int)v.Integer(0, int.MaxValue) : null;
}
