using Slim.DataPlane.Links;

namespace Slim.Client;

/// <summary>State of a <see cref="SlimConnection"/>.</summary>
public enum SlimConnectionState
{
    /// <summary>The link to the node is up.</summary>
    Connected = 0,

    /// <summary>
    /// The link was lost and is being re-established with backoff. Messages for the node wait in its queue; once it
    /// is back, subscriptions are sent again, then the queued messages.
    /// </summary>
    Reconnecting = 1,

    /// <summary>The connection was closed, or gave up reconnecting.</summary>
    Closed = 2,
}

/// <summary>A change of <see cref="SlimConnection.State"/>.</summary>
/// <param name="State">The new state.</param>
/// <param name="ConnectCount">Successful link negotiations so far (1 after connecting, one more per reconnect).</param>
public sealed record SlimConnectionStateChangedEventArgs(SlimConnectionState State, int ConnectCount);

/// <summary>
/// A connection from a <see cref="SlimService"/> to a SLIM node (official: the connection id returned by
/// <c>connect</c>). It reconnects by itself; dispose it to disconnect.
/// </summary>
public sealed class SlimConnection : IAsyncDisposable
{
    private readonly OutboundLink _link;
    private readonly SlimService _service;
    private readonly Lock _disposeGate = new();
    private Task? _disposing;

    internal SlimConnection(SlimService service, OutboundLink link, string endpoint)
    {
        _service = service;
        _link = link;
        Endpoint = endpoint;
        _link.StateChanged += OnLinkStateChanged;
    }

    /// <summary>
    /// Raised when the connection is lost, comes back, or closes. Raised on the connection's own task: handlers must
    /// be quick and must not throw.
    /// </summary>
    public event EventHandler<SlimConnectionStateChangedEventArgs>? StateChanged;

    /// <summary>The connection id in the service (official <c>conn_id</c>), stable across reconnects.</summary>
    public ulong Id => _link.ConnectionId;

    /// <summary>The node, as configured.</summary>
    public string Endpoint { get; }

    /// <summary>The current state.</summary>
    public SlimConnectionState State => Map(_link.State);

    /// <summary>Successful link negotiations so far (1 after connecting, one more per reconnect).</summary>
    public int ConnectCount => _link.ConnectCount;

    /// <summary>The node id the node announced in its last link negotiation.</summary>
    public string RemoteNodeId => _link.RemoteNodeId;

    /// <summary>Completes when the connection is closed for good (disposed, or it gave up reconnecting).</summary>
    public Task Completion => _link.Completion;

    /// <summary>Closes the link; apps keep working with the service's other connections, or locally.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_disposeGate)
        {
            _disposing ??= Task.Run(DisposeCoreAsync);
            return new ValueTask(_disposing);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"connection {Id} to {Endpoint} ({State})";

    private async Task DisposeCoreAsync()
    {
        await _link.DisposeAsync().ConfigureAwait(false);
        _service.OnConnectionClosed(this);
    }

    private static SlimConnectionState Map(OutboundLinkState state) => state switch
    {
        OutboundLinkState.Connected => SlimConnectionState.Connected,
        OutboundLinkState.Reconnecting => SlimConnectionState.Reconnecting,
        _ => SlimConnectionState.Closed,
    };

    private void OnLinkStateChanged(object? sender, OutboundLinkState state)
    {
        var mapped = Map(state);
        _service.OnConnectionStateChanged(this, mapped);
        try
        {
            StateChanged?.Invoke(this, new SlimConnectionStateChangedEventArgs(mapped, _link.ConnectCount));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A handler's failure must not stop the link's supervision.
            _service.OnStateHandlerFailed(this, ex);
        }
    }
}
