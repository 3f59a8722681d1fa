using System.Collections.Concurrent;
using System.Threading.Channels;
using Slim.DataPlane.Tables;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Connections.Internal;

/// <summary>
/// The processor's side of an in-process app: a bounded inbox of deliveries. Messages are handed over as objects
/// (no framing), with the header MAC stripped and the ttl untouched. A full inbox drops (counted by the caller).
/// </summary>
internal sealed class LocalEndpoint : Connection
{
    private readonly Channel<LocalDelivery> _inbox;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<SubscriptionAck>> _pendingAcks = new();
    private volatile bool _closed;

    public LocalEndpoint(ulong id, string description, int capacity)
        : base(id, ConnectionType.Local, description)
    {
        _inbox = Channel.CreateBounded<LocalDelivery>(new BoundedChannelOptions(capacity)
        {
            SingleReader = false,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public ChannelReader<LocalDelivery> Reader => _inbox.Reader;

    public bool IsClosed => _closed;

    /// <summary>Registers interest in the SubscriptionAck for <paramref name="subscriptionId"/> (it will not reach the inbox).</summary>
    public Task<SubscriptionAck> ExpectAck(ulong subscriptionId)
    {
        var waiter = new TaskCompletionSource<SubscriptionAck>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingAcks[subscriptionId] = waiter;
        return waiter.Task;
    }

    public void ForgetAck(ulong subscriptionId) => _pendingAcks.TryRemove(subscriptionId, out _);

    public override DeliveryResult TryDeliver(Message message)
    {
        if (message.MessageTypeCase == Message.MessageTypeOneofCase.SubscriptionAck
            && _pendingAcks.TryRemove(message.SubscriptionAck.SubscriptionId, out var waiter))
        {
            waiter.TrySetResult(message.SubscriptionAck);
            return DeliveryResult.Delivered;
        }

        if (message.GetSlimHeader() is { } header && header.HasHeaderMac)
        {
            header.ClearHeaderMac();
        }

        return _inbox.Writer.TryWrite(new LocalDelivery(message))
            ? DeliveryResult.Delivered
            : _closed ? DeliveryResult.Closed : DeliveryResult.QueueFull;
    }

    public override ValueTask<DeliveryResult> DeliverAsync(Message message, CancellationToken cancellationToken) =>
        new(TryDeliver(message));

    public DeliveryResult TryDeliverError(RoutingError error) =>
        _inbox.Writer.TryWrite(new LocalDelivery(error))
            ? DeliveryResult.Delivered
            : _closed ? DeliveryResult.Closed : DeliveryResult.QueueFull;

    public void Close()
    {
        _closed = true;
        _inbox.Writer.TryComplete();
        foreach (var id in _pendingAcks.Keys)
        {
            if (_pendingAcks.TryRemove(id, out var waiter))
            {
                waiter.TrySetCanceled();
            }
        }
    }
}
