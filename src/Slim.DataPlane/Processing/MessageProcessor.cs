using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Slim.DataPlane.Connections;
using Slim.DataPlane.Connections.Internal;
using Slim.DataPlane.Links;
using Slim.DataPlane.Links.Internal;
using Slim.DataPlane.Processing.Internal;
using Slim.DataPlane.Tables;
using Slim.DataPlane.Transport;
using Slim.Protocol;

namespace Slim.DataPlane.Processing;

/// <summary>
/// A SLIM v2 message processor: the routing engine of a node, and the in-process engine of an SDK.
/// </summary>
/// <remarks>
/// <para>Connections come in three ways:</para>
/// <list type="bullet">
/// <item><see cref="AcceptAsync"/>: a stream a server accepted (the peer negotiates as initiator; we accept).</item>
/// <item><see cref="ConnectAsync"/>: an outbound link we open and keep open (we negotiate as initiator).</item>
/// <item><see cref="CreateLocalConnection"/>: an app inside this process.</item>
/// </list>
/// <para>
/// Every message goes through the same pipeline: validation, header-MAC verification (remote links with a key),
/// <c>incoming_conn</c> stamping, ttl decrement and drop at zero (non-local connections), then subscribe /
/// unsubscribe (with a SubscriptionAck for every non-zero subscription id) or publish routing (match_one for
/// fanout 1, match_all otherwise, or straight to <c>forward_to</c>). Everything else in a message is forwarded
/// byte for byte. Bad input from a peer is dropped (logged, counted) or closes that one connection; it never throws.
/// </para>
/// <para>Metrics are published on the meter <c>Slim.DataPlane</c>; logs use event ids 3000–3099.</para>
/// </remarks>
public sealed class MessageProcessor : IAsyncDisposable
{
    private readonly Router _router;
    private readonly DataPlaneMetrics _metrics;
    private readonly LinkPolicy _acceptPolicy;
    private readonly RemoteConnectionSettings _settings;
    private readonly ConcurrentDictionary<ulong, Task> _accepted = new();
    private readonly ConcurrentDictionary<OutboundLink, byte> _links = new();
    private int _disposed;

    /// <summary>Creates a processor.</summary>
    /// <param name="options">Settings; <see cref="DataPlaneOptions.Default"/> when null.</param>
    /// <param name="loggerFactory">Logging; nothing is logged when null.</param>
    /// <param name="timeProvider">Time for timeouts, stall detection and backoff; the system clock when null.</param>
    /// <param name="meterFactory">Creates the <c>Slim.DataPlane</c> meter; a private meter when null.</param>
    public MessageProcessor(
        DataPlaneOptions? options = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
    {
        options ??= DataPlaneOptions.Default;
        options.Validate();
        Options = options;
        NodeId = options.NodeId ?? $"node-{Guid.NewGuid()}";
        _metrics = new DataPlaneMetrics(meterFactory);
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Slim.DataPlane");
        _router = new Router(options, NodeId, logger, timeProvider ?? TimeProvider.System, _metrics);
        _acceptPolicy = new LinkPolicy(
            NodeId, options.DeploymentName, options.RequireHeaderMac, options.NegotiationTimeout, options.MaxMessageSize);
        _settings = new RemoteConnectionSettings(
            options.OutboundQueueCapacity, options.MaxMessageSize, options.WriteBatchBytes, options.WriteStallTimeout);
    }

    /// <summary>The settings in use.</summary>
    public DataPlaneOptions Options { get; }

    /// <summary>This processor's node id in link negotiation.</summary>
    public string NodeId { get; }

    /// <summary>
    /// The connection that local apps' publishes go to when nothing matches them (an SDK's node link), or null.
    /// </summary>
    /// <exception cref="ArgumentException">The connection does not exist.</exception>
    public ulong? DefaultRoute
    {
        get => _router.DefaultRoute;
        set
        {
            if (value is { } id && !_router.TryGetConnection(id, out _))
            {
                throw new ArgumentException($"Connection {id} does not exist.", nameof(value));
            }

            _router.DefaultRoute = value;
        }
    }

    internal Meter Meter => _metrics.Meter;

    internal Router Router => _router;

    /// <summary>
    /// Serves one accepted stream: negotiates as acceptor (the peer's Link must be the first message, within
    /// <see cref="DataPlaneOptions.NegotiationTimeout"/>), registers the connection, then runs its read and write
    /// loops. Completes when the connection is over; a refused negotiation completes the stream with an error and
    /// returns without throwing. The caller keeps ownership of <paramref name="stream"/> and must have sent the
    /// response headers already (official clients wait for them before their first message).
    /// </summary>
    public async Task AcceptAsync(IFrameStream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _router.ShutdownToken);
        RemoteConnection? connection = null;
        var result = await LinkNegotiator.AcceptAsync(
            stream,
            _acceptPolicy,
            _router.Time,
            accepted =>
            {
                connection = new RemoteConnection(
                    _router.NextConnectionId(), accepted.ConnectionType, stream.RemoteDescription, accepted, _router, _settings, forwarded: null);
                _router.AddConnection(connection, accepted);
            },
            linked.Token).ConfigureAwait(false);
        if (result.Session is not { } session || connection is null)
        {
            _metrics.NegotiationFailed("acceptor", result.Reason);
            Log.NegotiationFailed(_router.Logger, "acceptor", stream.RemoteDescription, result.Reason, result.Detail);
            if (connection is not null)
            {
                _router.RemoveConnection(connection, CloseReasons.TransportError);
                connection.Dispose();
            }

            await CompleteQuietlyAsync(stream, new SlimDataPlaneException(result.Code, result.Detail)).ConfigureAwait(false);
            return;
        }

        var run = connection.RunAsync(
            stream,
            session,
            session.ConnectionType == ConnectionType.Peer ? () => _router.BuildPeerSync(connection) : null,
            linked.Token);
        _accepted[connection.Id] = run;
        var reason = CloseReasons.Closed;
        try
        {
            reason = await run.ConfigureAwait(false);
        }
        finally
        {
            _accepted.TryRemove(connection.Id, out _);
            _router.RemoveConnection(connection, reason);
            connection.Dispose();
        }
    }

    /// <summary>
    /// Opens an outbound link: calls <paramref name="connect"/> for a stream, negotiates as initiator and returns
    /// once the link is up. Later losses are repaired by reconnecting (see <see cref="OutboundLink"/>).
    /// </summary>
    /// <param name="connect">Opens a new stream to the remote end (the HTTP/2 client transport, or an in-memory pipe).</param>
    /// <param name="options">Link settings; <see cref="OutboundLinkOptions.Default"/> (Edge) when null.</param>
    /// <param name="cancellationToken">Cancels the first attempt.</param>
    /// <exception cref="SlimDataPlaneException">The first stream could not be opened or negotiation failed.</exception>
    public async Task<OutboundLink> ConnectAsync(
        Func<CancellationToken, ValueTask<IFrameStream>> connect,
        OutboundLinkOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connect);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        options ??= OutboundLinkOptions.Default;
        options.Validate();
        var policy = _acceptPolicy with { RequireHeaderMac = options.RequireHeaderMac ?? Options.RequireHeaderMac };
        var link = await OutboundLink.ConnectAsync(_router, connect, options, policy, _settings, cancellationToken).ConfigureAwait(false);
        _links[link] = 0;
        _ = link.Completion.ContinueWith(
            (_, state) => _links.TryRemove((OutboundLink)state!, out byte _), link, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return link;
    }

    /// <summary>Connects an in-process app.</summary>
    public LocalConnection CreateLocalConnection(LocalConnectionOptions? options = null)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        options ??= LocalConnectionOptions.Default;
        options.Validate();
        var endpoint = new LocalEndpoint(_router.NextConnectionId(), options.Description, options.QueueCapacity);
        var local = new LocalConnection(_router, endpoint, options);
        _router.AddConnection(endpoint);
        return local;
    }

    /// <summary>
    /// Adds a route: publishes for <paramref name="name"/> (an exact id, or <see cref="SlimName.AnyInstance"/> for
    /// the whole prefix) may go out on <paramref name="connectionId"/>. This is SLIM's <c>set_route</c>; a route on a
    /// non-peer connection is announced to peers like a subscription.
    /// </summary>
    /// <exception cref="SlimDataPlaneException">The connection does not exist.</exception>
    public void AddRoute(SlimName name, ulong connectionId) => _router.AddRoute(name, connectionId);

    /// <summary>Removes a route added by <see cref="AddRoute"/>; false when there was none.</summary>
    public bool RemoveRoute(SlimName name, ulong connectionId) => _router.RemoveRoute(name, connectionId);

    /// <summary>The current connections.</summary>
    public IReadOnlyList<ConnectionInfo> GetConnections() =>
        [.. _router.Connections
            .OrderBy(c => c.Id)
            .Select(c => new ConnectionInfo(c.Id, c.Type, c.Description, c.LinkId, c.RemoteNodeId, c.IsConnected, c.HasHeaderMac))];

    /// <summary>A consistent copy of the subscription table.</summary>
    public IReadOnlyList<SubscriptionEntry> GetSubscriptions() => _router.Subscriptions.GetEntries();

    /// <summary>Closes every connection and link and waits for their loops to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var link in _links.Keys)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var connection in _router.Connections.OfType<LocalEndpoint>().ToArray())
        {
            _router.RemoveConnection(connection, CloseReasons.Closed);
            connection.Close();
        }

        _router.Shutdown();
        try
        {
            await Task.WhenAll(_accepted.Values).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // Accepted connections end on shutdown; their callers observe their own outcome.
        }

        _router.Dispose();
        _metrics.Dispose();
    }

    private static async ValueTask CompleteQuietlyAsync(IFrameStream stream, Exception error)
    {
        try
        {
            await stream.CompleteAsync(error).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException or SlimTransportException)
        {
            // The stream is already gone.
        }
    }
}
