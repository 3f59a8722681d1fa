using System.Collections.Concurrent;
using Slim.DataPlane.Connections.Internal;
using Slim.DataPlane.Links.Internal;
using Slim.DataPlane.Tables;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Processing.Internal;

// Connection lifecycle: registration, removal (and everything a removal implies), link down/up, explicit routes.
internal sealed partial class Router
{
    private readonly ConcurrentDictionary<(SlimName Name, ulong Connection), ulong> _routeIds = new();
    private long _nextRouteId;

    /// <summary>Makes a negotiated (or local) connection routable.</summary>
    public void AddConnection(Connection connection, LinkSession? session = null)
    {
        _connections.Add(connection);
        Metrics.ConnectionOpened(connection.Type);
        Log.ConnectionOpened(
            Logger,
            connection.Id,
            connection.Type,
            connection.Description,
            session?.LinkId ?? connection.LinkId,
            session?.RemoteNodeId ?? connection.RemoteNodeId,
            session?.HasMac ?? connection.HasHeaderMac);
    }

    /// <summary>
    /// Removes a connection for good: its table entries (telling peers about names that became unreachable), the
    /// acknowledgements awaited from it, and, for a local app, the subscriptions forwarded upstream on its behalf.
    /// </summary>
    public void RemoveConnection(Connection connection, string reason)
    {
        if (!_connections.TryRemove(connection.Id))
        {
            return;
        }

        if (DefaultRoute == connection.Id)
        {
            DefaultRoute = null;
        }

        foreach (var key in _routeIds.Keys.Where(k => k.Connection == connection.Id).ToArray())
        {
            _routeIds.TryRemove(key, out _);
        }

        WithdrawRemoved(connection, Subscriptions.RemoveConnection(connection.Id));
        FailPendingAcknowledgements(connection.Id);
        if (connection.IsLocal)
        {
            CancelForwardedSubscriptions(connection.Id);
        }

        Metrics.ConnectionClosed(connection.Type, reason);
        Log.ConnectionClosed(Logger, connection.Id, connection.Type, connection.Description, reason);
    }

    /// <summary>
    /// An outbound link lost its stream and will reconnect: it keeps its id, its routes and its queue; what it had
    /// announced is forgotten (the other side announces it again after reconnecting).
    /// </summary>
    public void OnLinkDown(RemoteConnection link)
    {
        WithdrawRemoved(link, Subscriptions.RemoveConnection(link.Id, learnedOnly: true));
    }

    /// <summary>
    /// What an outbound link sends first on a new stream: a peer sync (Peer links, every time), or after a reconnect
    /// the subscriptions it had forwarded, with id 0 so the node restores them without acknowledging.
    /// </summary>
    public IReadOnlyList<Message> BuildLinkStart(RemoteConnection link, bool reconnected)
    {
        if (link.Type == ConnectionType.Peer)
        {
            return BuildPeerSync(link);
        }

        if (!reconnected || link.Forwarded is not { } forwarded)
        {
            return [];
        }

        var replay = new List<Message>();
        foreach (var subscription in forwarded.Snapshot())
        {
            replay.Add(new Message
            {
                Subscribe = new Subscribe
                {
                    Header = WireMessage.CreateHeader(
                        subscription.Source.Clone(), subscription.Destination.Clone(), subscription.Identity, SlimConstants.AnycastFanout),
                    SubscriptionId = 0,
                },
            });
        }

        return replay;
    }

    /// <summary>Installs a route: publishes for <paramref name="name"/> go out on <paramref name="connectionId"/>.</summary>
    /// <exception cref="SlimDataPlaneException">The connection does not exist.</exception>
    public void AddRoute(SlimName name, ulong connectionId)
    {
        if (!_connections.TryGet(connectionId, out var connection))
        {
            throw new SlimDataPlaneException(SlimErrorCode.ConnectionClosed, $"Connection {connectionId} does not exist.");
        }

        var id = _routeIds.GetOrAdd((name, connectionId), static (_, router) => router.NewRouteId(), this);
        var change = Subscriptions.Add(name, connectionId, connection.Type, id, SubscriptionKind.Route);
        Metrics.SubscriptionOperation(true, change.Succeeded);
        var plan = PlanPropagation(name, connection, isRoute: true, change, id, Options.SubscriptionTtl, add: true);
        if (plan.IsActive)
        {
            _ = PropagateAsync(plan, awaitAcknowledgements: false);
        }
    }

    /// <summary>Removes a route installed by <see cref="AddRoute"/>; false when there was none.</summary>
    public bool RemoveRoute(SlimName name, ulong connectionId)
    {
        if (!_routeIds.TryRemove((name, connectionId), out var id) || !_connections.TryGet(connectionId, out var connection))
        {
            return false;
        }

        var change = Subscriptions.Remove(name, connectionId, id);
        Metrics.SubscriptionOperation(false, change.Succeeded);
        var plan = PlanPropagation(name, connection, isRoute: true, change, id, Options.SubscriptionTtl, add: false);
        if (plan.IsActive)
        {
            _ = PropagateAsync(plan, awaitAcknowledgements: false);
        }

        return change.Succeeded;
    }

    private ulong NewRouteId() =>

        // Route references live in their own id space (top bit set) so they never collide with subscription ids
        // an app picks from a random start.
        (1UL << 63) | (ulong)Interlocked.Increment(ref _nextRouteId);

    private void CancelForwardedSubscriptions(ulong origin)
    {
        foreach (var connection in _connections)
        {
            if (connection is not RemoteConnection { Forwarded: { } forwarded } link)
            {
                continue;
            }

            foreach (var subscription in forwarded.RemoveOrigin(origin))
            {
                if (!link.IsConnected)
                {
                    continue;
                }

                var unsubscribe = new Message
                {
                    Unsubscribe = new Unsubscribe
                    {
                        Header = WireMessage.CreateHeader(
                            subscription.Source, subscription.Destination, subscription.Identity, SlimConstants.AnycastFanout),
                        SubscriptionId = subscription.SubscriptionId,
                    },
                };
                if (link.TryDeliver(unsubscribe) == DeliveryResult.Delivered)
                {
                    Metrics.Forwarded(MessageKind.Unsubscribe);
                }
            }
        }
    }
}
