using System.Buffers;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Slim.DataPlane.Connections;
using Slim.DataPlane.Connections.Internal;
using Slim.DataPlane.Links.Internal;
using Slim.DataPlane.Tables;
using Slim.DataPlane.Tables.Internal;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Processing.Internal;

/// <summary>
/// The message processor's engine: the connection table, the subscription table, and the per-message pipeline
/// (validate, verify MAC, stamp, ttl, then subscribe/unsubscribe or publish routing).
/// </summary>
/// <remarks>
/// Every entry point is safe to call from any thread. Processing a message never waits: outputs are bounded queues
/// written with <c>TryWrite</c> (a full queue drops and counts), and the work that does wait (a forwarded
/// subscription waiting for its acknowledgement) runs as a background task. The only exception is a local app's
/// publish to a single remote target, which may wait for queue space: that back-pressures the sending app only.
/// </remarks>
internal sealed partial class Router : IDisposable
{
    private readonly ConnectionTable _connections = new();
    private readonly CancellationTokenSource _shutdown = new();
    private long _defaultRoute = -1;

    public Router(DataPlaneOptions options, string nodeId, ILogger logger, TimeProvider time, DataPlaneMetrics metrics)
    {
        Options = options;
        NodeId = nodeId;
        Logger = logger;
        Time = time;
        Metrics = metrics;
        metrics.ObserveSubscriptions(() => Subscriptions.Count);
    }

    public DataPlaneOptions Options { get; }

    public string NodeId { get; }

    public ILogger Logger { get; }

    public TimeProvider Time { get; }

    public DataPlaneMetrics Metrics { get; }

    public SubscriptionTable Subscriptions { get; } = new();

    public CancellationToken ShutdownToken => _shutdown.Token;

    /// <summary>The connection unmatched publishes of local apps go to, if any.</summary>
    public ulong? DefaultRoute
    {
        get
        {
            var value = Interlocked.Read(ref _defaultRoute);
            return value < 0 ? null : (ulong)value;
        }

        set => Interlocked.Exchange(ref _defaultRoute, value is { } id ? (long)id : -1);
    }

    public ulong NextConnectionId() => _connections.NextId();

    public bool TryGetConnection(ulong id, out Connection connection) => _connections.TryGet(id, out connection);

    public IEnumerable<Connection> Connections => _connections;

    // ---- inbound pipeline --------------------------------------------------------------------------------------

    /// <summary>A message read from a remote connection (called by its read loop; never throws for peer input).</summary>
    public void ProcessRemote(Message message, RemoteConnection from, HeaderMacContext? mac)
    {
        var kind = message.Kind();
        Metrics.Received(kind);
        if (!WireMessage.TryValidate(message, out var error))
        {
            Metrics.Dropped(DropReasons.Invalid);
            Log.InvalidMessage(Logger, from.Id, error);
            return;
        }

        switch (kind)
        {
            case MessageKind.Link:
                Metrics.Dropped(DropReasons.LinkRepeated);
                Log.RepeatedLink(Logger, from.Id);
                return;
            case MessageKind.SubscriptionAck:
                OnSubscriptionAck(from, message.SubscriptionAck);
                return;
        }

        var header = message.GetSlimHeader()!;
        if (mac is not null && !mac.Verify(header))
        {
            var reason = header.HasHeaderMac ? DropReasons.MacInvalid : DropReasons.MacMissing;
            Metrics.MacFailure(header.HasHeaderMac ? "invalid" : "missing");
            Metrics.Dropped(reason);
            Log.HeaderMacFailed(Logger, KindName(kind), from.Id, from.Description, header.HasHeaderMac ? "invalid" : "missing");
            return;
        }

        // recv_from and forward_to are local to one processor: a remote peer cannot steer this one with them.
        header.ClearRecvFrom();
        header.ClearForwardTo();
        header.ClearHeaderMac();
        header.IncomingConn = from.Id;
        if (header.Ttl <= 1)
        {
            Metrics.Dropped(DropReasons.TtlExpired);
            Log.TtlExpired(Logger, KindName(kind), from.Id);
            return;
        }

        header.Ttl--;
        if (kind == MessageKind.Publish)
        {
            RoutePublish(message, header, from);
        }
        else
        {
            HandleSubscription(message, header, from, kind == MessageKind.Subscribe);
        }
    }

    /// <summary>
    /// A message sent by a local app. The app's object is never modified (a session may send the same object again
    /// to retransmit it): outputs get copies or frames. Invalid messages throw (the app is local code, not a peer).
    /// </summary>
    public ValueTask ProcessLocalAsync(Message message, LocalEndpoint from, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var kind = message.Kind();
        if (!WireMessage.TryValidate(message, out var error))
        {
            throw new SlimDataPlaneException(SlimErrorCode.MissingField, $"Invalid SLIM message: {error}.");
        }

        Metrics.Received(kind);
        if (kind is MessageKind.Link or MessageKind.SubscriptionAck)
        {
            // Link negotiation and acknowledgements mean nothing on an in-process connection.
            return ValueTask.CompletedTask;
        }

        if (kind != MessageKind.Publish)
        {
            var copy = message.Clone();
            var header = copy.GetSlimHeader()!;
            header.ClearHeaderMac();
            header.IncomingConn = from.Id;
            HandleSubscription(copy, header, from, kind == MessageKind.Subscribe);
            return ValueTask.CompletedTask;
        }

        return RouteLocalPublish(message, from, cancellationToken);
    }

    /// <summary>A frame whose payload is not a protobuf Message.</summary>
    public void DropMalformed(Connection from, string? error)
    {
        Metrics.Received(MessageKind.None);
        Metrics.Dropped(DropReasons.Malformed);
        Log.MalformedMessage(Logger, from.Id, error);
    }

    // ---- publish routing -----------------------------------------------------------------------------------------

    /// <summary>Routes a publish that arrived from a remote connection (the message is ours to modify).</summary>
    private void RoutePublish(Message message, SLIMHeader header, Connection ingress)
    {
        if (!SlimName.TryFromWire(header.Destination, out var destination))
        {
            Metrics.Dropped(DropReasons.Invalid);
            return;
        }

        var filter = ingress.Type == ConnectionType.Peer && !Options.RelayPeerPublishes
            ? ConnectionTypeFilter.ExcludePeer
            : ConnectionTypeFilter.All;
        if (header.Fanout == SlimConstants.AnycastFanout)
        {
            if (Subscriptions.TryMatchOne(destination, ingress.Id, filter, out var id) && _connections.TryGet(id, out var target))
            {
                Deliver(target, message);
                return;
            }
        }
        else if (Subscriptions.TryMatchAll(destination, ingress.Id, filter, out var matches))
        {
            DeliverAll(matches, message);
            return;
        }

        NoRoute(message, header, ingress, $"no route for {destination}");
    }

    /// <summary>
    /// Routes a local app's publish without touching its object: remote outputs share one frame carrying this hop's
    /// stamping, local outputs get stamped copies. Waits for queue space only when the single target is remote.
    /// </summary>
    private ValueTask RouteLocalPublish(Message message, LocalEndpoint from, CancellationToken cancellationToken)
    {
        var header = message.Publish.Header;
        Connection? single = null;
        MatchSet matches = default;
        var broadcast = false;
        if (header.HasForwardTo)
        {
            if (!_connections.TryGet(header.ForwardTo, out single))
            {
                NoRoute(message, header, from, $"connection {header.ForwardTo} does not exist");
                return ValueTask.CompletedTask;
            }
        }
        else
        {
            var destination = SlimName.FromWire(header.Destination);
            if (header.Fanout == SlimConstants.AnycastFanout)
            {
                if (Subscriptions.TryMatchOne(destination, from.Id, ConnectionTypeFilter.All, out var id))
                {
                    _connections.TryGet(id, out single);
                }
            }
            else
            {
                broadcast = Subscriptions.TryMatchAll(destination, from.Id, ConnectionTypeFilter.All, out matches);
            }

            if (single is null && !broadcast)
            {
                if (DefaultRoute is not { } fallback || fallback == from.Id || !_connections.TryGet(fallback, out single))
                {
                    NoRoute(message, header, from, $"no route for {destination}");
                    return ValueTask.CompletedTask;
                }
            }
        }

        OutboundFrame? frame = null;
        try
        {
            if (single is not null)
            {
                if (single is RemoteConnection remote && (frame = LocalFrame(message, from.Id)) is not null)
                {
                    switch (remote.TryDeliver(frame))
                    {
                        case DeliveryResult.QueueFull:
                            // The one place that waits: a local sender slows itself down, nobody else.
                            var waiting = frame;
                            frame = null;
                            return WaitAndDeliverAsync(remote, waiting, cancellationToken);
                        case var result:
                            Count(result, remote);
                            break;
                    }
                }
                else
                {
                    Deliver(single, StampedCopy(message, from.Id));
                }

                return ValueTask.CompletedTask;
            }

            foreach (var id in matches)
            {
                if (!_connections.TryGet(id, out var target))
                {
                    continue;
                }

                if (target is RemoteConnection remote)
                {
                    frame ??= LocalFrame(message, from.Id);
                    if (frame is not null)
                    {
                        Count(remote.TryDeliver(frame), remote);
                        continue;
                    }
                }

                Deliver(target, StampedCopy(message, from.Id));
            }

            return ValueTask.CompletedTask;
        }
        finally
        {
            frame?.Release();
        }
    }

    // The local app's message as a frame for remote outputs: ttl kept, incoming_conn = the app, link fields dropped.
    // Null for the rare message the byte path does not take (the caller then sends a stamped copy).
    private static OutboundFrame? LocalFrame(Message message, ulong incomingConnection)
    {
        var size = message.CalculateSize();
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var bytes = buffer.AsSpan(0, size);
            message.WriteTo(bytes);
            return RawPublish.TryRead(bytes, out var raw)
                ? OutboundFrame.Create(bytes, in raw, raw.Ttl, incomingConnection)
                : null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Message StampedCopy(Message message, ulong incomingConnection)
    {
        var copy = message.Clone();
        var header = copy.GetSlimHeader()!;
        header.ClearHeaderMac();
        header.ClearRecvFrom();
        header.ClearForwardTo();
        header.IncomingConn = incomingConnection;
        return copy;
    }

    private void Deliver(Connection target, Message message) => Count(target.TryDeliver(message), target);

    private void Count(DeliveryResult result, Connection target)
    {
        switch (result)
        {
            case DeliveryResult.Delivered:
                Metrics.Forwarded(MessageKind.Publish);
                break;
            case DeliveryResult.QueueFull:
                Metrics.Dropped(DropReasons.QueueFull);
                Log.QueueFull(Logger, target.Id);
                break;
            default:
                Metrics.Dropped(DropReasons.ConnectionClosed);
                break;
        }
    }

    private async ValueTask WaitAndDeliverAsync(RemoteConnection target, OutboundFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            Count(await target.DeliverAsync(frame, cancellationToken).ConfigureAwait(false), target);
        }
        finally
        {
            frame.Release();
        }
    }

    // Every output gets its own instance: copies first, the original last (once handed over, the original may be
    // written by another thread's write loop, so it must not be read again here).
    private void DeliverAll(MatchSet matches, Message message)
    {
        var count = matches.Count;
        var index = 0;
        foreach (var id in matches)
        {
            index++;
            if (!_connections.TryGet(id, out var target))
            {
                continue;
            }

            var copy = index == count ? message : message.Clone();
            Count(target.TryDeliver(copy), target);
        }
    }

    private void NoRoute(Message message, SLIMHeader header, Connection ingress, string reason)
    {
        Metrics.Dropped(DropReasons.NoRoute);
        if (Logger.IsEnabled(LogLevel.Debug))
        {
            var destination = SlimName.TryFromWire(header.Destination, out var name) ? name.ToString() : "?";
            Log.NoRoute(Logger, destination, header.Fanout, ingress.Id);
        }

        if (ingress is LocalEndpoint local
            && local.TryDeliverError(new RoutingError(SlimErrorCode.NoRoute, reason, message)) != DeliveryResult.Delivered)
        {
            Log.LocalErrorDropped(Logger, local.Id);
        }
    }

    /// <summary>Cancels every background wait and every accepted connection's loops.</summary>
    public void Shutdown() => _shutdown.Cancel();

    public void Dispose()
    {
        _shutdown.Cancel();
        _shutdown.Dispose();
    }

    internal static string KindName(MessageKind kind) => kind switch
    {
        MessageKind.Subscribe => "subscribe",
        MessageKind.Unsubscribe => "unsubscribe",
        MessageKind.Publish => "publish",
        MessageKind.Link => "link",
        MessageKind.SubscriptionAck => "subscription_ack",
        _ => "message",
    };
}
