using System.Globalization;
using System.Text.Json;
using Slim.DataPlane.Transport;
using Slim.Protocol;

namespace Slim.Client;

/// <summary>
/// How a <see cref="SlimService"/> connects to a SLIM node: the endpoint, TLS, and how the link reconnects after it is
/// lost. Official SLIM calls this a client configuration; <see cref="FromJson"/> reads the same JSON.
/// </summary>
/// <remarks>
/// <para>
/// <c>http://host:port</c> is HTTP/2 in clear text (h2c); <c>https://host:port</c> is HTTP/2 over TLS. A bare
/// <c>host:port</c> is TLS unless <see cref="SlimTlsOptions.Insecure"/> is set, as in official SLIM.
/// </para>
/// <para>
/// A lost link is reconnected with exponential backoff and jitter (<see cref="ReconnectInitialDelay"/> doubling up to
/// <see cref="ReconnectMaxDelay"/>), and the subscriptions made through it are sent again; watch
/// <see cref="SlimConnection.StateChanged"/>.
/// </para>
/// </remarks>
public sealed record SlimConnectionOptions
{
    /// <summary>The official default endpoint, <c>http://127.0.0.1:46357</c>, in clear text.</summary>
    public static SlimConnectionOptions Default { get; } = new();

    /// <summary>The node: <c>http://host:port</c>, <c>https://host:port</c> or <c>host:port</c>.</summary>
    public string Endpoint { get; init; } = "http://127.0.0.1:" + GrpcProtocol.DefaultPort;

    /// <summary>TLS settings (official <c>tls</c>).</summary>
    public SlimTlsOptions Tls { get; init; } = SlimTlsOptions.Default;

    /// <summary>Bound on opening the stream: TCP, TLS, HTTP/2 and the node's response headers (official <c>connect_timeout</c>).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Extra request headers, for example <c>authorization</c> (official <c>headers</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Delay before the first reconnect attempt after the link is lost.</summary>
    public TimeSpan ReconnectInitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Cap of the reconnect delay, which doubles after each failed attempt.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Failed reconnect attempts after which the connection closes for good; null retries forever.</summary>
    public int? MaxReconnectAttempts { get; init; }

    /// <summary>Options for an endpoint with every other setting at its default.</summary>
    /// <param name="endpoint"><c>http://host:port</c> (clear text) or <c>https://host:port</c> (TLS).</param>
    public static SlimConnectionOptions ForEndpoint(string endpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        return new SlimConnectionOptions { Endpoint = endpoint };
    }

    /// <summary>
    /// Reads an official client configuration, for example
    /// <c>{"endpoint": "http://127.0.0.1:46357", "tls": {"insecure": true}}</c>.
    /// </summary>
    /// <remarks>
    /// Read: <c>endpoint</c> (required), <c>server_name</c>, <c>connect_timeout</c> (<c>"10s"</c>, <c>"500ms"</c>,
    /// <c>"1m30s"</c>), <c>headers</c>, and <c>tls</c> with <c>insecure</c>, <c>insecure_skip_verify</c>,
    /// <c>ca_file</c>, <c>cert_file</c>, <c>key_file</c>, <c>include_system_ca_certs_pool</c>. Other official fields
    /// (compression, rate limits, proxies, auth, ...) are not supported and are ignored.
    /// </remarks>
    /// <exception cref="SlimException"><see cref="SlimErrorCode.ClientConfigurationInvalid"/>: not JSON, or a field has the wrong type.</exception>
    public static SlimConnectionOptions FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("The client configuration must be a JSON object.");
            }

            var endpoint = GetString(root, "endpoint") ?? throw Invalid("The client configuration needs an \"endpoint\".");
            var options = new SlimConnectionOptions { Endpoint = endpoint };
            var tls = SlimTlsOptions.Default;
            if (root.TryGetProperty("tls", out var tlsElement) && tlsElement.ValueKind != JsonValueKind.Null)
            {
                if (tlsElement.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid("\"tls\" must be an object.");
                }

                tls = new SlimTlsOptions
                {
                    Insecure = GetBool(tlsElement, "insecure") ?? false,
                    InsecureSkipVerify = GetBool(tlsElement, "insecure_skip_verify") ?? false,
                    CaFile = GetString(tlsElement, "ca_file"),
                    CertificateFile = GetString(tlsElement, "cert_file"),
                    KeyFile = GetString(tlsElement, "key_file"),
                    IncludeSystemCaCertificates = GetBool(tlsElement, "include_system_ca_certs_pool") ?? true,
                };
            }

            if (GetString(root, "server_name") is { Length: > 0 } serverName)
            {
                tls = tls with { ServerName = serverName };
            }

            options = options with { Tls = tls };
            if (GetString(root, "connect_timeout") is { } timeout)
            {
                options = options with { ConnectTimeout = ParseDuration(timeout) };
            }

            if (root.TryGetProperty("headers", out var headers) && headers.ValueKind != JsonValueKind.Null)
            {
                if (headers.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid("\"headers\" must be an object of strings.");
                }

                var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var header in headers.EnumerateObject())
                {
                    map[header.Name] = header.Value.ValueKind == JsonValueKind.String
                        ? header.Value.GetString()!
                        : throw Invalid($"Header \"{header.Name}\" must be a string.");
                }

                options = options with { Headers = map };
            }

            options.Validate();
            return options;
        }
        catch (JsonException ex)
        {
            throw new SlimException(SlimErrorCode.ClientConfigurationInvalid, $"The client configuration is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>The endpoint as a URI with its scheme settled (<c>http</c> or <c>https</c>).</summary>
    /// <exception cref="SlimException"><see cref="SlimErrorCode.ClientConfigurationInvalid"/>.</exception>
    public Uri GetEndpointUri()
    {
        var text = Endpoint?.Trim() ?? string.Empty;
        if (text.Length == 0)
        {
            throw Invalid("The endpoint is empty.");
        }

        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = (Tls.Insecure ? "http://" : "https://") + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Port <= 0 || string.IsNullOrEmpty(uri.Host))
        {
            throw Invalid($"The endpoint \"{Endpoint}\" is not of the form http://host:port or https://host:port.");
        }

        if (uri.Scheme is not "http" and not "https")
        {
            throw Invalid($"The endpoint scheme \"{uri.Scheme}\" is not supported (http or https).");
        }

        if (uri.Scheme == "https" && Tls.Insecure)
        {
            throw Invalid($"The endpoint \"{Endpoint}\" asks for TLS but tls.insecure is set.");
        }

        return uri;
    }

    /// <summary>Checks the values.</summary>
    /// <exception cref="SlimException"><see cref="SlimErrorCode.ClientConfigurationInvalid"/>.</exception>
    public void Validate()
    {
        _ = GetEndpointUri();
        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw Invalid("The connect timeout must be positive.");
        }

        if (ReconnectInitialDelay < TimeSpan.Zero || ReconnectMaxDelay < ReconnectInitialDelay)
        {
            throw Invalid("Reconnect delays must be non-negative, the maximum at least the initial delay.");
        }

        if (MaxReconnectAttempts is < 0)
        {
            throw Invalid("MaxReconnectAttempts must not be negative.");
        }

        if (Tls.CertificateFile is null != Tls.KeyFile is null)
        {
            throw Invalid("A client certificate needs both cert_file and key_file.");
        }
    }

    internal GrpcClientOptions ToGrpcOptions(TimeProvider timeProvider, Microsoft.Extensions.Logging.ILoggerFactory loggerFactory)
    {
        var uri = GetEndpointUri();
        return new GrpcClientOptions
        {
            Endpoint = uri,
            ConnectTimeout = ConnectTimeout,
            Headers = [.. Headers.Select(h => new KeyValuePair<string, string>(h.Key.ToLowerInvariant(), h.Value))],
            Tls = uri.Scheme == "https"
                ? new GrpcClientTlsOptions
                {
                    CaFile = Tls.CaFile,
                    CertificateFile = Tls.CertificateFile,
                    KeyFile = Tls.KeyFile,
                    InsecureSkipVerify = Tls.InsecureSkipVerify,
                    IncludeSystemTrust = Tls.IncludeSystemCaCertificates,
                    ServerName = Tls.ServerName,
                }
                : null,
            TimeProvider = timeProvider,
            LoggerFactory = loggerFactory,
        };
    }

    /// <summary>Parses a duration the way official configurations write them: <c>"10s"</c>, <c>"250ms"</c>, <c>"1m30s"</c>, <c>"2h"</c>.</summary>
    /// <exception cref="SlimException"><see cref="SlimErrorCode.ClientConfigurationInvalid"/>.</exception>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            throw Invalid("A duration is empty.");
        }

        var total = TimeSpan.Zero;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
            {
                digits++;
            }

            var units = digits;
            while (units < span.Length && char.IsAsciiLetter(span[units]))
            {
                units++;
            }

            if (digits == 0 || units == digits
                || !double.TryParse(span[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                throw Invalid($"\"{text}\" is not a duration such as 10s, 250ms or 1m30s.");
            }

            total += span[digits..units] switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" or "sec" => TimeSpan.FromSeconds(value),
                "m" or "min" => TimeSpan.FromMinutes(value),
                "h" => TimeSpan.FromHours(value),
                _ => throw Invalid($"\"{text}\": unknown duration unit \"{span[digits..units]}\"."),
            };
            span = span[units..].TrimStart();
        }

        return total;
    }

    private static string? GetString(JsonElement element, string name) =>
        !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw Invalid($"\"{name}\" must be a string.");

    private static bool? GetBool(JsonElement element, string name) =>
        !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw Invalid($"\"{name}\" must be true or false.");

    private static SlimException Invalid(string message) => new(SlimErrorCode.ClientConfigurationInvalid, message);
}

/// <summary>TLS settings of a connection to a node (official <c>tls</c> of a client configuration).</summary>
public sealed record SlimTlsOptions
{
    /// <summary>TLS with the system trust store (used for <c>https://</c> endpoints).</summary>
    public static SlimTlsOptions Default { get; } = new();

    /// <summary>No TLS: HTTP/2 in clear text (official <c>insecure</c>). Required for a bare <c>host:port</c> in clear text.</summary>
    public bool Insecure { get; init; }

    /// <summary>Accept any server certificate (official <c>insecure_skip_verify</c>). For tests only.</summary>
    public bool InsecureSkipVerify { get; init; }

    /// <summary>PEM file of CA certificates trusted for the node's certificate (official <c>ca_file</c>).</summary>
    public string? CaFile { get; init; }

    /// <summary>Trust the system's CA certificates as well (official <c>include_system_ca_certs_pool</c>). Default true.</summary>
    public bool IncludeSystemCaCertificates { get; init; } = true;

    /// <summary>PEM file of the client certificate for mutual TLS (official <c>cert_file</c>).</summary>
    public string? CertificateFile { get; init; }

    /// <summary>PEM file of the client certificate's key (official <c>key_file</c>).</summary>
    public string? KeyFile { get; init; }

    /// <summary>The name sent in SNI and checked against the node's certificate (official <c>server_name</c>).</summary>
    public string? ServerName { get; init; }
}
