using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Links.Internal;

/// <summary>A subscription this processor forwarded on an outbound link on behalf of one of its connections.</summary>
/// <param name="OriginConnectionId">The connection (usually a local app) the subscription came from.</param>
/// <param name="Name">The subscribed name (table key).</param>
/// <param name="Source">The Subscribe's source, as sent.</param>
/// <param name="Destination">The Subscribe's destination, as sent (presence of name_id/str_name preserved).</param>
/// <param name="Identity">The Subscribe's identity, as sent.</param>
/// <param name="SubscriptionId">The id the subscription was forwarded with.</param>
internal sealed record ForwardedSubscription(
    ulong OriginConnectionId, SlimName Name, Name Source, Name Destination, string Identity, ulong SubscriptionId);

/// <summary>
/// The subscriptions forwarded on one outbound link (Edge or Remote), replayed with <c>subscription_id = 0</c>
/// after every reconnect so the node restores its routes to us without acknowledging them.
/// </summary>
internal sealed class ForwardedSubscriptions
{
    private readonly Lock _gate = new();
    private readonly List<ForwardedSubscription> _items = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    public void Add(ForwardedSubscription subscription)
    {
        lock (_gate)
        {
            if (!_items.Exists(s => s.Name == subscription.Name
                                    && s.OriginConnectionId == subscription.OriginConnectionId
                                    && s.SubscriptionId == subscription.SubscriptionId))
            {
                _items.Add(subscription);
            }
        }
    }

    /// <summary>Removes the record an unsubscribe cancels: same name and id, else same name and origin.</summary>
    public void Remove(SlimName name, ulong originConnectionId, ulong subscriptionId)
    {
        lock (_gate)
        {
            var index = _items.FindIndex(s => s.Name == name && s.SubscriptionId == subscriptionId);
            if (index < 0)
            {
                index = _items.FindIndex(s => s.Name == name && s.OriginConnectionId == originConnectionId);
            }

            if (index >= 0)
            {
                _items.RemoveAt(index);
            }
        }
    }

    /// <summary>Removes and returns every record made on behalf of <paramref name="originConnectionId"/>.</summary>
    public IReadOnlyList<ForwardedSubscription> RemoveOrigin(ulong originConnectionId)
    {
        lock (_gate)
        {
            var removed = _items.FindAll(s => s.OriginConnectionId == originConnectionId);
            _items.RemoveAll(s => s.OriginConnectionId == originConnectionId);
            return removed;
        }
    }

    public IReadOnlyList<ForwardedSubscription> Snapshot()
    {
        lock (_gate)
        {
            return [.. _items];
        }
    }
}
