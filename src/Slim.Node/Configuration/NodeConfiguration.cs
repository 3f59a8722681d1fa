using Microsoft.Extensions.Logging;
using Slim.DataPlane.Links;
using Slim.DataPlane.Processing;
using Slim.DataPlane.Transport;
using Slim.Node.Hosting;

namespace Slim.Node.Configuration;

/// <summary>
/// Everything a <see cref="SlimNodeHost"/> runs: the data-plane settings, the servers it listens on, the nodes it
/// links to, logging and shutdown. <see cref="NodeConfigurationLoader"/> builds one from the YAML file of an official
/// SLIM node; tests and benchmarks can also build one directly.
/// </summary>
public sealed record NodeConfiguration
{
    /// <summary>Where the configuration came from (a file path, or "embedded default"), for logs and errors.</summary>
    public string SourceName { get; init; } = "code";

    /// <summary>The service id of the <c>services</c> entry (<c>slim/0</c>).</summary>
    public string ServiceId { get; init; } = "slim/0";

    /// <summary>Logging and metrics reporting (<c>tracing</c>).</summary>
    public NodeLoggingOptions Logging { get; init; } = new();

    /// <summary>How long a graceful shutdown may take before the remaining connections are aborted (<c>runtime.drain_timeout</c>).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary><c>runtime.n_cores</c> as configured (0 = all cores). Informational: .NET sizes its thread pool itself.</summary>
    public int Cores { get; init; }

    /// <summary><c>runtime.thread_name</c>: shown in log lines for threads that have no name of their own.</summary>
    public string ThreadName { get; init; } = "slim";

    /// <summary>
    /// The routing engine's settings: node id, header-MAC strictness and negotiation timeout (from the servers),
    /// largest message (the servers' <c>max_frame_size</c>).
    /// </summary>
    public DataPlaneOptions DataPlane { get; init; } = DataPlaneOptions.Default;

    /// <summary>The endpoints the node listens on (<c>dataplane.servers</c>).</summary>
    public IReadOnlyList<NodeServerOptions> Servers { get; init; } = [];

    /// <summary>The links the node opens to other nodes (<c>dataplane.clients</c>).</summary>
    public IReadOnlyList<NodeClientOptions> Clients { get; init; } = [];

    /// <summary>True when the file has a <c>controller</c> section (accepted and ignored: this node has no controller agent).</summary>
    public bool HasControllerSection { get; init; }

    /// <summary>Settings that were accepted but are not applied by this node, one sentence each; logged at start.</summary>
    public IReadOnlyList<string> Notices { get; init; } = [];
}

/// <summary>The <c>tracing</c> section: console log level, filters, line format and metrics reporting.</summary>
public sealed record NodeLoggingOptions
{
    /// <summary>Lowest level written (<c>log_level</c>: trace, debug, info, warn, error). Default information.</summary>
    public LogLevel MinimumLevel { get; init; } = LogLevel.Information;

    /// <summary>Per-category levels (<c>filters</c>, <c>filter</c>): the longest matching category prefix wins.</summary>
    public IReadOnlyList<NodeLogFilter> Filters { get; init; } = [];

    /// <summary>Show the thread name in each line (<c>display_thread_names</c>, default true).</summary>
    public bool ShowThreadNames { get; init; } = true;

    /// <summary>Show the managed thread id in each line (<c>display_thread_ids</c>, default false).</summary>
    public bool ShowThreadIds { get; init; }

    /// <summary>
    /// Interval at which the node logs its metrics; null logs them only at shutdown. Set by
    /// <c>opentelemetry.enabled: true</c> with <c>opentelemetry.metrics_interval_secs</c> (default 30): there is no
    /// OpenTelemetry exporter, so the node logs what it would export.
    /// </summary>
    public TimeSpan? MetricsInterval { get; init; }
}

/// <summary>A per-category log level: categories starting with <paramref name="Category"/> log from <paramref name="Level"/> up.</summary>
/// <param name="Category">A category prefix such as <c>Slim.DataPlane</c>.</param>
/// <param name="Level">The lowest level written for it.</param>
public sealed record NodeLogFilter(string Category, LogLevel Level);

/// <summary>One <c>dataplane.servers</c> entry: a listening endpoint.</summary>
public sealed record NodeServerOptions
{
    /// <summary>The endpoint, TLS and HTTP/2 settings (one endpoint per entry).</summary>
    public required GrpcServerOptions Transport { get; init; }

    /// <summary>When set (<c>auth: {type: basic}</c>), every stream must carry these credentials in <c>authorization: Basic</c>.</summary>
    public BasicCredentials? BasicAuth { get; init; }
}

/// <summary>One <c>dataplane.clients</c> entry: a link this node opens to another node and keeps open.</summary>
public sealed record NodeClientOptions
{
    /// <summary>The endpoint, TLS, headers (including <c>authorization</c> for basic auth) and timeouts.</summary>
    public required GrpcClientOptions Transport { get; init; }

    /// <summary>Link id, connection type, strictness and the reconnect backoff.</summary>
    public OutboundLinkOptions Link { get; init; } = OutboundLinkOptions.Default;
}

/// <summary>A user name and password for HTTP basic authentication.</summary>
/// <param name="Username">The user name (no colon).</param>
/// <param name="Password">The password.</param>
public sealed record BasicCredentials(string Username, string Password)
{
    /// <summary>The user name only: the password never appears in logs.</summary>
    public override string ToString() => $"basic auth for '{Username}'";
}
