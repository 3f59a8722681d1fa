using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Slim.DataPlane.Links;
using Slim.DataPlane.Processing;
using Slim.DataPlane.Transport;
using Slim.Node.Configuration;
using Slim.Node.Hosting.Internal;
using Slim.Protocol;

namespace Slim.Node.Hosting;

/// <summary>
/// A running SLIM node: one <see cref="MessageProcessor"/>, a <see cref="GrpcStreamServer"/> per configured server
/// handing it every accepted stream, and an outbound link per configured client. This is what the <c>slim</c>
/// executable runs; tests and benchmarks start it in-process.
/// </summary>
/// <remarks>
/// <para>Start-up binds every server before it returns (a port in use fails the start). Client links are opened in
/// the background, each retrying with its backoff until it is up (<see cref="Links"/>,
/// <see cref="WaitForLinksAsync"/>), so nodes of a chain may start in any order.</para>
/// <para><see cref="StopAsync"/> drains: the servers stop accepting, every connection is closed (its handler is
/// cancelled and the stream ends with <c>grpc-status</c> UNAVAILABLE), links are closed, and whatever is still open
/// when the drain timeout runs out is aborted. The metrics are logged at the end (and on an interval when the
/// configuration asks for it).</para>
/// </remarks>
public sealed class SlimNodeHost : IAsyncDisposable
{
    private readonly NodeConfiguration _configuration;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly NodeMetricsCollector _metrics;
    private readonly List<GrpcStreamServer> _servers = [];
    private readonly List<NodeLink> _links = [];
    private readonly List<Task> _background = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _stopGate = new();
    private Task? _stopTask;

    private SlimNodeHost(NodeConfiguration configuration, ILoggerFactory loggerFactory)
    {
        _configuration = configuration;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Slim.Node");
        _metrics = new NodeMetricsCollector();
        Processor = new MessageProcessor(configuration.DataPlane, loggerFactory, TimeProvider.System, _metrics);
    }

    /// <summary>The configuration the node runs.</summary>
    public NodeConfiguration Configuration => _configuration;

    /// <summary>The routing engine.</summary>
    public MessageProcessor Processor { get; }

    /// <summary>The addresses the servers are bound to (ports picked for port 0 included), in configuration order.</summary>
    public IReadOnlyList<IPEndPoint> BoundEndpoints => [.. _servers.Select(s => s.BoundEndpoints[0])];

    /// <summary>
    /// The endpoints clients connect to, in configuration order: <c>http://</c> or <c>https://</c> with the bound
    /// address (a wildcard address is reported as the loopback address).
    /// </summary>
    public IReadOnlyList<Uri> Endpoints => [.. _servers.Select(ToUri)];

    /// <summary>The configured client links, in configuration order.</summary>
    public IReadOnlyList<NodeLink> Links => _links;

    /// <summary>Starts a node: creates the processor, binds every server, starts opening the client links.</summary>
    /// <param name="configuration">What to run (see <see cref="NodeConfigurationLoader"/>).</param>
    /// <param name="loggerFactory">Where the node logs; nothing is logged when null.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="SlimException">
    /// <see cref="SlimErrorCode.EndpointBindFailed"/> when an endpoint cannot be bound;
    /// <see cref="SlimErrorCode.TlsConfigurationInvalid"/> when a certificate cannot be loaded;
    /// <see cref="SlimErrorCode.ConfigurationInvalid"/> when the configuration has neither servers nor clients.
    /// </exception>
    public static async Task<SlimNodeHost> StartAsync(
        NodeConfiguration configuration, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.Servers.Count == 0 && configuration.Clients.Count == 0)
        {
            throw new SlimException(SlimErrorCode.ConfigurationInvalid, "A node needs at least one server or client.");
        }

        var host = new SlimNodeHost(configuration, loggerFactory ?? NullLoggerFactory.Instance);
        try
        {
            await host.StartCoreAsync(cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch
        {
            await host.StopAsync(TimeSpan.Zero, "start failed").ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until every client link has been up once.</summary>
    /// <exception cref="SlimException">A link was given up (its <c>max_attempts</c> ran out).</exception>
    public Task WaitForLinksAsync(CancellationToken cancellationToken = default) =>
        Task.WhenAll(_links.Select(l => l.Connected)).WaitAsync(cancellationToken);

    /// <summary>The current metrics of the node's routing engine.</summary>
    public NodeMetricsSnapshot GetMetrics() => _metrics.Snapshot();

    /// <summary>
    /// Stops the node gracefully (see the remarks of <see cref="SlimNodeHost"/>), waiting at most
    /// <paramref name="drainTimeout"/> (the configuration's <c>drain_timeout</c> when null) for connections to close.
    /// Later calls wait for the first one.
    /// </summary>
    /// <param name="drainTimeout">Budget for the drain.</param>
    /// <param name="reason">Why the node stops, for the log (e.g. "SIGTERM").</param>
    public Task StopAsync(TimeSpan? drainTimeout = null, string reason = "stop requested")
    {
        lock (_stopGate)
        {
            _stopTask ??= StopCoreAsync(drainTimeout ?? _configuration.DrainTimeout, reason);
            return _stopTask;
        }
    }

    /// <summary>Stops the node with the configured drain timeout.</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var configuration = _configuration;
        NodeLog.Starting(_logger, configuration.ServiceId, Processor.NodeId, configuration.SourceName, NodeVersion.Text);
        foreach (var notice in configuration.Notices)
        {
            NodeLog.Notice(_logger, notice);
        }

        if (configuration.HasControllerSection)
        {
            NodeLog.ControllerIgnored(_logger);
        }

        foreach (var server in configuration.Servers)
        {
            var grpc = new GrpcStreamServer(server.Transport, (stream, token) => ServeAsync(server, stream, token), _loggerFactory);
            _servers.Add(grpc);
            await grpc.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var client in configuration.Clients)
        {
            var link = new NodeLink(client.Transport.Endpoint, client.Link.ConnectionType);
            _links.Add(link);
            _background.Add(Task.Run(() => OpenLinkAsync(client, link, _stopping.Token), CancellationToken.None));
        }

        if (configuration.Logging.MetricsInterval is { } interval)
        {
            _background.Add(Task.Run(() => LogMetricsPeriodicallyAsync(interval, _stopping.Token), CancellationToken.None));
        }

        NodeLog.Started(
            _logger,
            configuration.ServiceId,
            _servers.Count == 0 ? "no server" : string.Join(", ", Endpoints.Select(e => e.GetLeftPart(UriPartial.Authority))),
            _links.Count,
            configuration.DataPlane.RequireHeaderMac ? "required" : "optional");
    }

    private async Task ServeAsync(NodeServerOptions server, IFrameStream stream, CancellationToken cancellationToken)
    {
        if (server.BasicAuth is { } credentials && !IsAuthorized(stream, credentials))
        {
            NodeLog.StreamRejected(_logger, stream.RemoteDescription, "missing or wrong basic-auth credentials");
            await stream.CompleteAsync(new SlimTransportException(
                SlimErrorCode.TransportFailed, GrpcStatusCode.Unauthenticated, "Invalid credentials.")).ConfigureAwait(false);
            return;
        }

        await Processor.AcceptAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsAuthorized(IFrameStream stream, BasicCredentials credentials)
    {
        var presented = (stream as GrpcServerStream)?.GetRequestHeader("authorization") ?? string.Empty;
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}"));
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
    }

    /// <summary>Opens one configured link, retrying with its backoff; once up, the link reconnects by itself.</summary>
    private async Task OpenLinkAsync(NodeClientOptions client, NodeLink state, CancellationToken stopping)
    {
        var transport = client.Transport with { LoggerFactory = _loggerFactory };
        var options = client.Link;
        var endpoint = options.Description ?? transport.Endpoint.ToString();
        var delay = options.ReconnectInitialDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var link = await Processor.ConnectAsync(
                    async token => await GrpcStreamClient.ConnectAsync(transport, token).ConfigureAwait(false),
                    options,
                    stopping).ConfigureAwait(false);
                link.StateChanged += (_, linkState) =>
                {
                    if (linkState == OutboundLinkState.Reconnecting)
                    {
                        NodeLog.LinkDown(_logger, endpoint);
                    }
                };
                NodeLog.LinkUp(_logger, endpoint, link.ConnectionType.ToString(), link.ConnectionId, link.LinkId, link.RemoteNodeId);
                state.SetConnected(link);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                state.SetCancelled();
                return;
            }
            catch (Exception ex) when (ex is SlimException or ObjectDisposedException)
            {
                if (stopping.IsCancellationRequested || ex is ObjectDisposedException)
                {
                    state.SetCancelled();
                    return;
                }

                if (options.MaxReconnectAttempts is { } max && attempt > max)
                {
                    NodeLog.LinkGaveUp(_logger, endpoint, attempt, ex.Message);
                    state.SetFailed(ex);
                    return;
                }

                NodeLog.LinkConnectFailed(_logger, endpoint, attempt, ex.Message, delay);
            }

            try
            {
                var jittered = TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + (Random.Shared.NextDouble() * 0.5))));
                await Task.Delay(jittered, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                state.SetCancelled();
                return;
            }

            delay = TimeSpan.FromTicks((long)Math.Min(delay.Ticks * options.ReconnectMultiplier, options.ReconnectMaxDelay.Ticks));
        }
    }

    private async Task LogMetricsPeriodicallyAsync(TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                NodeLog.Metrics(_logger, _configuration.ServiceId, _metrics.Snapshot());
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task StopCoreAsync(TimeSpan drain, string reason)
    {
        var clock = Stopwatch.StartNew();
        NodeLog.ShuttingDown(_logger, _configuration.ServiceId, reason, drain);
        await _stopping.CancelAsync().ConfigureAwait(false);

        // Servers first: no new streams, every handler cancelled, up to the drain timeout for them to end.
        await Task.WhenAll(_servers.Select(s => s.StopAsync(drain))).ConfigureAwait(false);

        // Then the links and anything left in the processor, within what remains of the budget.
        var remaining = drain - clock.Elapsed;
        var dispose = Processor.DisposeAsync().AsTask();
        var finished = remaining > TimeSpan.Zero && await Task.WhenAny(dispose, Task.Delay(remaining)).ConfigureAwait(false) == dispose;
        if (!finished && !dispose.IsCompleted)
        {
            NodeLog.DrainTimedOut(_logger, drain);
        }

        await Task.WhenAll(_background).ConfigureAwait(false);
        foreach (var link in _links)
        {
            link.SetCancelled();
        }

        NodeLog.Metrics(_logger, _configuration.ServiceId, _metrics.Snapshot());
        _metrics.Dispose();
        NodeLog.Stopped(_logger, _configuration.ServiceId, clock.ElapsedMilliseconds);
    }

    private static Uri ToUri(GrpcStreamServer server)
    {
        var endpoint = server.BoundEndpoints[0];
        var address = endpoint.Address;
        if (address.Equals(IPAddress.Any))
        {
            address = IPAddress.Loopback;
        }
        else if (address.Equals(IPAddress.IPv6Any))
        {
            address = IPAddress.IPv6Loopback;
        }

        return new Uri($"{(server.IsTls ? "https" : "http")}://{new IPEndPoint(address, endpoint.Port)}");
    }
}
