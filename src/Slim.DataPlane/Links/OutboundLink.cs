using Slim.DataPlane.Connections.Internal;
using Slim.DataPlane.Links.Internal;
using Slim.DataPlane.Processing.Internal;
using Slim.DataPlane.Tables;
using Slim.DataPlane.Transport;
using Slim.Protocol;

namespace Slim.DataPlane.Links;

/// <summary>State of an <see cref="OutboundLink"/>.</summary>
public enum OutboundLinkState
{
    /// <summary>A negotiated stream is running.</summary>
    Connected = 0,

    /// <summary>The stream was lost; the link is waiting or trying to reconnect. Messages for it queue meanwhile.</summary>
    Reconnecting = 1,

    /// <summary>The link was disposed or gave up; its connection is gone from the processor.</summary>
    Closed = 2,
}

/// <summary>
/// A connection this processor opened (a node's <c>clients:</c> entry or an SDK's link to its node), negotiated as
/// initiator and kept alive: when its stream ends it reconnects through the same connect factory with exponential
/// backoff and jitter, the same link id and the same connection id. After each reconnect it first sends the
/// subscriptions it had forwarded, with <c>subscription_id = 0</c> (a Peer link sends a full peer sync instead),
/// then whatever was queued while it was down.
/// </summary>
/// <remarks>
/// The link owns the streams its factory returns and disposes them. Created by
/// <see cref="Processing.MessageProcessor.ConnectAsync"/>.
/// </remarks>
public sealed class OutboundLink : IAsyncDisposable
{
    private readonly Router _router;
    private readonly RemoteConnection _connection;
    private readonly Func<CancellationToken, ValueTask<IFrameStream>> _connect;
    private readonly OutboundLinkOptions _options;
    private readonly LinkPolicy _policy;
    private readonly CancellationTokenSource _stop = new();
    private Task _supervisor = Task.CompletedTask;
    private int _state;
    private int _connectCount;

    private OutboundLink(
        Router router,
        RemoteConnection connection,
        Func<CancellationToken, ValueTask<IFrameStream>> connect,
        OutboundLinkOptions options,
        LinkPolicy policy)
    {
        _router = router;
        _connection = connection;
        _connect = connect;
        _options = options;
        _policy = policy;
    }

    /// <summary>Raised (on the link's own task) when the state changes. Handlers must not throw or block.</summary>
    public event EventHandler<OutboundLinkState>? StateChanged;

    /// <summary>The processor connection id of this link; stable across reconnects (use it for routes and <c>forward_to</c>).</summary>
    public ulong ConnectionId => _connection.Id;

    /// <summary>The link id sent in every negotiation of this link.</summary>
    public string LinkId => _connection.LinkId;

    /// <summary>What this link is to the other side.</summary>
    public ConnectionType ConnectionType => _connection.Type;

    /// <summary>The current state.</summary>
    public OutboundLinkState State => (OutboundLinkState)Volatile.Read(ref _state);

    /// <summary>The remote node id of the current (or, while reconnecting, the last) stream.</summary>
    public string RemoteNodeId => _connection.RemoteNodeId;

    /// <summary>True when the current (or last) stream carries header MACs.</summary>
    public bool HasHeaderMac => _connection.HasHeaderMac;

    /// <summary>Successful negotiations so far (1 after connecting, +1 per reconnect).</summary>
    public int ConnectCount => Volatile.Read(ref _connectCount);

    /// <summary>Completes when the link is closed for good.</summary>
    public Task Completion => _supervisor;

    /// <summary>Closes the link: the current stream is ended and no reconnect is attempted.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        await _supervisor.ConfigureAwait(false);
        _stop.Dispose();
    }

    internal static async Task<OutboundLink> ConnectAsync(
        Router router,
        Func<CancellationToken, ValueTask<IFrameStream>> connect,
        OutboundLinkOptions options,
        LinkPolicy policy,
        RemoteConnectionSettings settings,
        CancellationToken cancellationToken)
    {
        var linkId = options.LinkId ?? Guid.NewGuid().ToString();
        IFrameStream stream;
        try
        {
            stream = await connect(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not SlimException)
        {
            throw new SlimDataPlaneException(SlimErrorCode.TransportFailed, $"Could not open the stream: {ex.Message}", ex);
        }

        var result = await LinkNegotiator.InitiateAsync(
            stream, policy, linkId, options.ConnectionType, router.Time, cancellationToken).ConfigureAwait(false);
        var description = options.Description ?? stream.RemoteDescription;
        if (result.Session is null)
        {
            router.Metrics.NegotiationFailed("initiator", result.Reason);
            Log.NegotiationFailed(router.Logger, "initiator", description, result.Reason, result.Detail);
            await DisposeStreamAsync(stream).ConfigureAwait(false);
            throw new SlimDataPlaneException(result.Code, $"Link negotiation with {description} failed: {result.Detail}.");
        }

        var connection = new RemoteConnection(
            router.NextConnectionId(),
            options.ConnectionType,
            description,
            result.Session,
            router,
            settings,
            options.ConnectionType == ConnectionType.Peer ? null : new ForwardedSubscriptions());
        var link = new OutboundLink(router, connection, connect, options, policy);
        router.AddConnection(connection, result.Session);
        if (options.UseAsDefaultRoute)
        {
            router.DefaultRoute = connection.Id;
        }

        link._connectCount = 1;

        // Return once the stream runs (and a peer sync is written), so what happens next includes this link.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        link._supervisor = Task.Run(() => link.SuperviseAsync(stream, result.Session, started), CancellationToken.None);
        await started.Task.ConfigureAwait(false);
        return link;
    }

    private async Task SuperviseAsync(IFrameStream stream, LinkSession session, TaskCompletionSource started)
    {
        var token = _stop.Token;
        var reason = CloseReasons.Closed;
        var reconnected = false;
        while (true)
        {
            try
            {
                reason = await _connection.RunAsync(
                    stream, session, () => Start(reconnected), token, () => OnStarted(reconnected, started)).ConfigureAwait(false);
            }
            finally
            {
                started.TrySetResult();
                await DisposeStreamAsync(stream).ConfigureAwait(false);
            }

            _router.OnLinkDown(_connection);
            if (token.IsCancellationRequested)
            {
                reason = CloseReasons.Closed;
                break;
            }

            SetState(OutboundLinkState.Reconnecting);
            Log.LinkLost(_router.Logger, LinkId, _connection.Description, reason);
            var next = await ReconnectAsync(token).ConfigureAwait(false);
            if (next is null)
            {
                break;
            }

            (stream, session) = next.Value;
            reconnected = true;
        }

        SetState(OutboundLinkState.Closed);
        _router.RemoveConnection(_connection, reason);
        _connection.Dispose();
    }

    // The stream is running and its first messages are written: only now is the link "connected" for observers.
    private void OnStarted(bool reconnected, TaskCompletionSource started)
    {
        if (reconnected)
        {
            Interlocked.Increment(ref _connectCount);
            _router.Metrics.Reconnected();
            SetState(OutboundLinkState.Connected);
        }

        started.TrySetResult();
    }

    private IReadOnlyList<Protocol.Wire.Message> Start(bool reconnected)
    {
        var messages = _router.BuildLinkStart(_connection, reconnected);
        if (reconnected)
        {
            Log.LinkReestablished(_router.Logger, LinkId, _connection.Description, _connection.Id, messages.Count);
        }

        return messages;
    }

    private async Task<(IFrameStream Stream, LinkSession Session)?> ReconnectAsync(CancellationToken token)
    {
        var delay = _options.ReconnectInitialDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var jittered = TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + (Random.Shared.NextDouble() * 0.5))));
                await Task.Delay(jittered, _router.Time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            IFrameStream? stream = null;
            string error;
            try
            {
                stream = await _connect(token).ConfigureAwait(false);
                var result = await LinkNegotiator.InitiateAsync(
                    stream, _policy, LinkId, ConnectionType, _router.Time, token).ConfigureAwait(false);
                if (result.Session is not null)
                {
                    return (stream, result.Session);
                }

                _router.Metrics.NegotiationFailed("initiator", result.Reason);
                error = $"{result.Reason}: {result.Detail}";
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                if (stream is not null)
                {
                    await DisposeStreamAsync(stream).ConfigureAwait(false);
                }

                return null;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The connect factory is user code (an HTTP client, a test pipe): any failure means "try again later".
                error = ex.Message;
            }

            if (stream is not null)
            {
                await DisposeStreamAsync(stream).ConfigureAwait(false);
            }

            var next = TimeSpan.FromTicks((long)Math.Min(delay.Ticks * _options.ReconnectMultiplier, _options.ReconnectMaxDelay.Ticks));
            Log.ReconnectAttemptFailed(_router.Logger, attempt, LinkId, _connection.Description, error, next);
            if (_options.MaxReconnectAttempts is { } max && attempt >= max)
            {
                Log.LinkGaveUp(_router.Logger, LinkId, _connection.Description, attempt);
                return null;
            }

            delay = next;
        }
    }

    private void SetState(OutboundLinkState state)
    {
        if (Interlocked.Exchange(ref _state, (int)state) != (int)state)
        {
            StateChanged?.Invoke(this, state);
        }
    }

    private static async ValueTask DisposeStreamAsync(IFrameStream stream)
    {
        try
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException or SlimTransportException)
        {
            // Already torn down by the transport.
        }
    }
}
