using System.Globalization;
using Microsoft.Extensions.Logging;
using Slim.DataPlane.Processing;

namespace Slim.Node.Configuration.Internal;

/// <summary>
/// Binds the YAML tree to a <see cref="NodeConfiguration"/>, section by section (this file: the document, tracing,
/// runtime and the service; servers and clients in their own files). Keys follow the official node's schema; each
/// section lists the keys it knows, so a misspelt key is an error, not a silent default.
/// </summary>
internal sealed partial class ConfigBinder
{
    private readonly ConfigDocument _document;

    public ConfigBinder(ConfigDocument document)
    {
        _document = document;
    }

    private List<string> Notices => _document.Notices;

    public NodeConfiguration Bind(ConfigValue root)
    {
        if (root.IsNull)
        {
            throw root.Error("the configuration is empty: it needs at least a services section");
        }

        var map = root.Map("tracing", "runtime", "services");
        var logging = map.Get("tracing") is { } tracing ? BindTracing(tracing) : new NodeLoggingOptions();
        var configuration = new NodeConfiguration
        {
            SourceName = _document.Source,
            Logging = logging,
        };
        if (map.Get("runtime") is { } runtime)
        {
            configuration = BindRuntime(runtime, configuration);
        }

        configuration = BindServices(map.Require("services", "a node needs a slim/<id> service with its dataplane servers or clients"), configuration);
        return configuration with { Notices = [.. Notices] };
    }

    private NodeLoggingOptions BindTracing(ConfigValue value)
    {
        var map = value.Map("log_level", "display_thread_names", "display_thread_ids", "filters", "filter", "opentelemetry");
        var options = new NodeLoggingOptions();
        if (map.Get("log_level") is { } level)
        {
            options = options with { MinimumLevel = ParseLevel(level, level.String().Trim()) };
        }

        if (map.Get("display_thread_names") is { } names)
        {
            options = options with { ShowThreadNames = names.Bool() };
        }

        if (map.Get("display_thread_ids") is { } ids)
        {
            options = options with { ShowThreadIds = ids.Bool() };
        }

        var filters = new List<NodeLogFilter>();
        if (map.Get("filters") is { } list)
        {
            foreach (var item in list.List())
            {
                filters.Add(ParseFilter(item, item.NonEmptyString("a filter"), options.MinimumLevel));
            }
        }

        if (map.Get("filter") is { } filter)
        {
            foreach (var directive in filter.String().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                filters.Add(ParseFilter(filter, directive, options.MinimumLevel));
            }
        }

        options = options with { Filters = filters };
        if (map.Get("opentelemetry") is { } telemetry)
        {
            var otel = telemetry.Map("enabled", "grpc", "service_name", "service_version", "environment", "metrics_interval_secs");
            var enabled = otel.Get("enabled")?.Bool() ?? false;
            var interval = otel.Get("metrics_interval_secs")?.Integer(1, 86_400) ?? 30;
            _ = otel.Get("grpc")?.OpenMap();
            if (enabled)
            {
                options = options with { MetricsInterval = TimeSpan.FromSeconds(interval) };
                Notices.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"tracing.opentelemetry: this node has no OpenTelemetry exporter; it logs its metrics every {interval} s instead."));
            }
        }

        return options;
    }

    private static LogLevel ParseLevel(ConfigValue value, string text) => text.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Information,
        "warn" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "off" => LogLevel.None,
        _ => throw value.Error($"'{text}' is not a log level: use trace, debug, info, warn, error or off"),
    };

    /// <summary>A tracing directive: <c>category=level</c>, or a bare category that then logs at the default level.</summary>
    private static NodeLogFilter ParseFilter(ConfigValue value, string directive, LogLevel defaultLevel)
    {
        var equals = directive.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            return new NodeLogFilter(directive, defaultLevel);
        }

        var category = directive[..equals].Trim();
        if (category.Length == 0)
        {
            throw value.Error($"filter '{directive}' has no category before '='");
        }

        return new NodeLogFilter(category, ParseLevel(value, directive[(equals + 1)..].Trim()));
    }

    private NodeConfiguration BindRuntime(ConfigValue value, NodeConfiguration configuration)
    {
        var map = value.Map("n_cores", "thread_name", "drain_timeout");
        if (map.Get("n_cores") is { } cores)
        {
            configuration = configuration with { Cores = (int)cores.Integer(0, 4096) };
            if (configuration.Cores > 0)
            {
                Notices.Add("runtime.n_cores: .NET sizes its thread pool itself; set DOTNET_PROCESSOR_COUNT in the environment to limit the cores it uses.");
            }
        }

        if (map.Get("thread_name") is { } name)
        {
            configuration = configuration with { ThreadName = name.NonEmptyString("thread_name") };
        }

        if (map.Get("drain_timeout") is { } drain)
        {
            configuration = configuration with { DrainTimeout = drain.Duration() };
        }

        return configuration;
    }

    private NodeConfiguration BindServices(ConfigValue value, NodeConfiguration configuration)
    {
        var services = value.OpenMap();
        if (services.Count == 0)
        {
            throw value.Error("no service is configured: add a slim/<id> entry (e.g. slim/0) with its dataplane servers or clients");
        }

        foreach (var (key, service) in services.Entries)
        {
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == key.Length - 1 || key[..slash] != "slim")
            {
                throw _document.Error(service.Node, service.Path, $"'{key}' is not a service id: services are named slim/<id>, e.g. slim/0");
            }
        }

        if (services.Count > 1)
        {
            var second = services.Entries[1].Value;
            throw second.Error($"this node runs one service; found {services.Count} ({string.Join(", ", services.Entries.Select(e => e.Key))})");
        }

        var (id, body) = services.Entries[0];
        return BindService(id, body, configuration);
    }

    private NodeConfiguration BindService(string id, ConfigValue value, NodeConfiguration configuration)
    {
        var map = value.Map("node_id", "group_name", "domain_name", "auth", "dataplane", "controller", "peers");
        if (map.Has("peers"))
        {
            const string reason = "peer replica sync (peers) is not supported by this node: link the replicas with dataplane.clients entries with connection_type: peer";
            throw map.Get("peers")?.Error(reason) ?? _document.Error(value.Node, value.Child("peers"), reason);
        }

        var nodeId = map.Get("node_id")?.NonEmptyString("node_id");
        _ = map.Get("group_name")?.String();
        _ = map.Get("domain_name")?.String();
        _ = map.Get("auth")?.OpenMap();
        var hasController = map.Has("controller");
        if (map.Get("controller") is { } controller)
        {
            _ = controller.OpenMap();
        }

        var dataplane = map.Require("dataplane", "the service needs a dataplane section with servers or clients");
        var sections = dataplane.Map("servers", "clients", "enforce_pqc", "recovery_ttl", "token_provider", "token_verifier");
        if (sections.Get("enforce_pqc") is { } pqc && pqc.Bool())
        {
            throw pqc.Error("post-quantum links (enforce_pqc: true) are not supported by this node");
        }

        _ = sections.Get("recovery_ttl")?.Duration();
        _ = sections.Get("token_provider")?.OpenMap();
        _ = sections.Get("token_verifier")?.OpenMap();

        var servers = new List<NodeServerOptions>();
        var serverSettings = new List<(ConfigValue Value, ServerSettings Settings)>();
        foreach (var item in sections.Get("servers")?.List() ?? [])
        {
            var (server, settings) = BindServer(item);
            servers.Add(server);
            serverSettings.Add((item, settings));
        }

        var clients = new List<NodeClientOptions>();
        foreach (var item in sections.Get("clients")?.List() ?? [])
        {
            clients.Add(BindClient(item));
        }

        if (servers.Count == 0 && clients.Count == 0)
        {
            throw dataplane.Error("the dataplane needs at least one server (to listen) or client (to link to another node)");
        }

        var dataPlane = new DataPlaneOptions { NodeId = nodeId };
        if (serverSettings.Count > 0)
        {
            var first = serverSettings[0].Settings;
            foreach (var (item, settings) in serverSettings.Skip(1))
            {
                RequireSame(item, "require_header_mac", first.RequireHeaderMac, settings.RequireHeaderMac);
                RequireSame(item, "negotiation_timeout_secs", first.NegotiationTimeout, settings.NegotiationTimeout);
                RequireSame(item, "max_frame_size", first.MaxMessageSize, settings.MaxMessageSize);
            }

            dataPlane = dataPlane with
            {
                RequireHeaderMac = first.RequireHeaderMac,
                NegotiationTimeout = first.NegotiationTimeout,
                MaxMessageSize = first.MaxMessageSize,
            };
        }

        return configuration with
        {
            ServiceId = id,
            DataPlane = dataPlane,
            Servers = servers,
            Clients = clients,
            HasControllerSection = hasController,
        };
    }

    /// <summary>One routing engine serves every server, so the settings that live in the engine must agree.</summary>
    private static void RequireSame<T>(ConfigValue server, string key, T first, T other)
    {
        if (!EqualityComparer<T>.Default.Equals(first, other))
        {
            throw server.Error($"{key} must be the same on every server of a node (the node applies one value to all its connections)");
        }
    }

    /// <summary>Per-server settings that the routing engine applies node-wide.</summary>
    private readonly record struct ServerSettings(bool RequireHeaderMac, TimeSpan NegotiationTimeout, int MaxMessageSize);
}
