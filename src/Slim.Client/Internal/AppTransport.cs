using System.Collections.Concurrent;
using Slim.DataPlane.Connections;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session;

namespace Slim.Client.Internal;

/// <summary>
/// The session layer's view of the data plane for one app: its local connection to the service's engine, with
/// subscriptions forwarded to the service's default connection (and acknowledged by the node) when there is one.
/// </summary>
/// <remarks>
/// Sends go straight into the engine on the caller's thread, so two sends started one after the other leave in that
/// order. The engine never modifies the message object, so sessions can send it again to retransmit it.
/// </remarks>
internal sealed class AppTransport : ISessionTransport
{
    private readonly SlimService _service;
    private readonly LocalConnection _local;

    // The connection each session subscription was forwarded on, so its removal goes the same way even if the
    // default connection changed in between.
    private readonly ConcurrentDictionary<(SlimName Name, SlimName Subscriber), ulong?> _forwarded = new();

    public AppTransport(SlimService service, LocalConnection local)
    {
        _service = service;
        _local = local;
    }

    public ValueTask SendAsync(Message message, CancellationToken cancellationToken) =>
        _local.SendAsync(message, cancellationToken);

    public async ValueTask SubscribeAsync(SlimName name, SlimName subscriber, CancellationToken cancellationToken)
    {
        var forwardTo = _service.DefaultConnection?.Id;
        _forwarded[(name, subscriber)] = forwardTo;
        await _local.SubscribeAsync(subscriber, name, forwardTo, string.Empty, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The service connected its first node: forward there the session subscriptions made while it had none, so
    /// sessions created on the embedded node alone keep receiving once the app is reachable through the node.
    /// </summary>
    public async Task ForwardLocalSubscriptionsAsync(ulong connectionId, CancellationToken cancellationToken)
    {
        foreach (var ((name, subscriber), forwardTo) in _forwarded)
        {
            if (forwardTo is null && _forwarded.TryUpdate((name, subscriber), connectionId, null))
            {
                await _local.SubscribeAsync(subscriber, name, connectionId, string.Empty, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask UnsubscribeAsync(SlimName name, SlimName subscriber, CancellationToken cancellationToken)
    {
        var forwardTo = _forwarded.TryRemove((name, subscriber), out var used) ? used : _service.DefaultConnection?.Id;
        await _local.UnsubscribeAsync(subscriber, name, forwardTo, string.Empty, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask SetRouteAsync(SlimName name, ulong connectionId, CancellationToken cancellationToken)
    {
        // Sessions route a member through the connection its news came from. When that is another app of this service
        // (a co-located moderator relaying a member's arrival), such a route would send the member's traffic to that
        // app instead: apps of the service are reached through their own subscriptions, and everything else through
        // the node, so no route is needed.
        if (!_service.IsAppConnection(connectionId))
        {
            _service.Processor.AddRoute(name, connectionId);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveRouteAsync(SlimName name, ulong connectionId, CancellationToken cancellationToken)
    {
        _service.Processor.RemoveRoute(name, connectionId);
        return ValueTask.CompletedTask;
    }
}
