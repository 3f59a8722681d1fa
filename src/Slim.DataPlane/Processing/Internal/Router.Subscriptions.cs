using System.Security.Cryptography;
using Slim.DataPlane.Connections.Internal;
using Slim.DataPlane.Links.Internal;
using Slim.DataPlane.Tables;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Processing.Internal;

// Subscribe / Unsubscribe handling, SubscriptionAcks, forwarding (forward_to) and peer propagation.
// See docs/decisions/0005-subscription-propagation.md for the rules and why.
internal sealed partial class Router
{
    private readonly Lock _propagationGate = new();
    private readonly Dictionary<SlimName, ulong> _advertised = [];
    private readonly HashSet<ulong> _seen = [];
    private readonly Lock _ackGate = new();
    private readonly Dictionary<(ulong Connection, ulong Subscription), Queue<TaskCompletionSource<SubscriptionAck>>> _pendingAcks = [];

    /// <summary>Handles a Subscribe or Unsubscribe (validated, stamped, ttl already applied).</summary>
    private void HandleSubscription(Message message, SLIMHeader header, Connection ingress, bool add)
    {
        var subscriptionId = add ? message.Subscribe.SubscriptionId : message.Unsubscribe.SubscriptionId;
        var name = SlimName.FromWire(header.Destination);
        var isRoute = header.HasRecvFrom;
        var entryId = isRoute ? header.RecvFrom : ingress.Id;
        ulong? forwardId = header.HasForwardTo ? header.ForwardTo : null;
        header.ClearRecvFrom();
        header.ClearForwardTo();

        if (!_connections.TryGet(entryId, out var entry))
        {
            Fail(ingress, add, name, subscriptionId, $"connection {entryId} does not exist");
            return;
        }

        if (isRoute && entry.IsLocal)
        {
            // A route back to a local app: the app's own subscription already delivers to it.
            Acknowledge(ingress, subscriptionId, true, null);
            return;
        }

        Connection? forward = null;
        if (forwardId is { } id)
        {
            if (!_connections.TryGet(id, out forward))
            {
                Fail(ingress, add, name, subscriptionId, $"connection {id} does not exist");
                return;
            }

            if (forward.IsLocal)
            {
                forward = null;
            }
        }

        if (add && subscriptionId != 0 && ingress.Type == ConnectionType.Peer && IsSeen(subscriptionId))
        {
            // Our own announcement, or one we relayed, came back around a loop of peers.
            Acknowledge(ingress, subscriptionId, true, null);
            return;
        }

        var change = add
            ? Subscriptions.Add(name, entryId, entry.Type, subscriptionId, isRoute ? SubscriptionKind.Route : SubscriptionKind.Learned)
            : Subscriptions.Remove(name, entryId, subscriptionId);
        Metrics.SubscriptionOperation(add, change.Succeeded);
        if (!change.Succeeded)
        {
            Fail(ingress, add, name, subscriptionId, $"subscription {subscriptionId} for {name} not found on connection {entryId}");
            return;
        }

        var plan = PlanPropagation(name, entry, isRoute, change, subscriptionId, header.Ttl, add);
        if (forward is null && !plan.IsActive)
        {
            Acknowledge(ingress, subscriptionId, true, null);
            return;
        }

        if (forward is RemoteConnection { Forwarded: { } forwarded })
        {
            if (add)
            {
                forwarded.Add(new ForwardedSubscription(
                    ingress.Id, name, header.Source.Clone(), header.Destination.Clone(), header.Identity, subscriptionId));
            }
            else
            {
                forwarded.Remove(name, ingress.Id, subscriptionId);
            }
        }

        RunBackground(ForwardAndAcknowledgeAsync(message, forward, plan, ingress, subscriptionId));
    }

    private async Task ForwardAndAcknowledgeAsync(
        Message message, Connection? forward, PropagationPlan plan, Connection ingress, ulong subscriptionId)
    {
        var peers = plan.IsActive ? PropagateAsync(plan, awaitAcknowledgements: true) : Task.CompletedTask;
        var (success, error) = forward is null
            ? (true, null)
            : await ForwardAsync(forward, message, subscriptionId).ConfigureAwait(false);

        // A peer that does not answer does not fail the subscription: it is told again on its next sync.
        await peers.ConfigureAwait(false);
        Acknowledge(ingress, subscriptionId, success, error);
    }

    /// <summary>Sends a (un)subscription on <paramref name="target"/> and waits for its ack, retrying.</summary>
    private async Task<(bool Success, string? Error)> ForwardAsync(Connection target, Message message, ulong subscriptionId)
    {
        if (subscriptionId == 0)
        {
            return target.TryDeliver(message) == DeliveryResult.Closed
                ? (false, $"connection {target.Id} is closed")
                : (true, null);
        }

        var attempts = Options.SubscriptionAckRetries + 1;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            var waiter = RegisterAcknowledgement(target.Id, subscriptionId);
            if (target.TryDeliver(message.Clone()) == DeliveryResult.Closed)
            {
                UnregisterAcknowledgement(target.Id, subscriptionId, waiter);
                return (false, $"connection {target.Id} is closed");
            }

            try
            {
                var ack = await waiter.Task.WaitAsync(Options.SubscriptionAckTimeout, Time, ShutdownToken).ConfigureAwait(false);
                return (ack.Success, ack.Success ? null : ack.Error);
            }
            catch (TimeoutException)
            {
                UnregisterAcknowledgement(target.Id, subscriptionId, waiter);
            }
            catch (OperationCanceledException)
            {
                UnregisterAcknowledgement(target.Id, subscriptionId, waiter);
                return (false, "the processor is shutting down");
            }
        }

        Log.SubscriptionAckTimeout(Logger, target.Id, subscriptionId, attempts);
        return (false, $"no acknowledgement from connection {target.Id} after {attempts} attempts");
    }

    // ---- peer propagation ---------------------------------------------------------------------------------------

    /// <summary>What to tell peers about one table change.</summary>
    private readonly record struct PropagationPlan(SlimName Name, ulong Id, uint Ttl, bool Add, ulong? Exclude, bool IsActive);

    private PropagationPlan PlanPropagation(
        SlimName name, Connection entry, bool isRoute, SubscriptionChange change, ulong subscriptionId, uint remainingTtl, bool add)
    {
        lock (_propagationGate)
        {
            if (entry.Type != ConnectionType.Peer)
            {
                if (!change.AdvertisementChanged)
                {
                    return default;
                }

                if (add)
                {
                    var id = subscriptionId != 0 && !_seen.Contains(subscriptionId) ? subscriptionId : NewPropagationId();
                    _advertised[name] = id;
                    _seen.Add(id);
                    return new PropagationPlan(name, id, Options.SubscriptionTtl, true, null, true);
                }

                if (_advertised.Remove(name, out var advertised))
                {
                    _seen.Remove(advertised);
                    return new PropagationPlan(name, advertised, Options.SubscriptionTtl, false, null, true);
                }

                return default;
            }

            // Learned from a peer: relay it to the other peers while its ttl allows another hop.
            if (isRoute || subscriptionId == 0 || remainingTtl < 2)
            {
                return default;
            }

            if (add)
            {
                _seen.Add(subscriptionId);
                return new PropagationPlan(name, subscriptionId, remainingTtl, true, entry.Id, true);
            }

            return _seen.Remove(subscriptionId)
                ? new PropagationPlan(name, subscriptionId, remainingTtl, false, entry.Id, true)
                : default;
        }
    }

    private Task PropagateAsync(PropagationPlan plan, bool awaitAcknowledgements)
    {
        List<(ulong Connection, TaskCompletionSource<SubscriptionAck> Waiter)>? waiters = awaitAcknowledgements ? [] : null;
        foreach (var peer in _connections)
        {
            if (peer.Type != ConnectionType.Peer || !peer.IsConnected || peer.Id == plan.Exclude)
            {
                continue;
            }

            var wireName = plan.Name.ToWire();
            var message = plan.Add
                ? WireMessage.CreateSubscribe(wireName, wireName.Clone(), plan.Id)
                : WireMessage.CreateUnsubscribe(wireName, wireName.Clone(), plan.Id);
            message.GetSlimHeader()!.Ttl = plan.Ttl;
            var waiter = waiters is null ? null : RegisterAcknowledgement(peer.Id, plan.Id);
            if (peer.TryDeliver(message) == DeliveryResult.Delivered)
            {
                Metrics.Forwarded(message.Kind());
                if (waiter is not null)
                {
                    waiters!.Add((peer.Id, waiter));
                }
            }
            else
            {
                Metrics.Dropped(DropReasons.QueueFull);
                if (waiter is not null)
                {
                    UnregisterAcknowledgement(peer.Id, plan.Id, waiter);
                }
            }
        }

        return waiters is { Count: > 0 } ? AwaitPeersAsync(waiters, plan.Id) : Task.CompletedTask;
    }

    private async Task AwaitPeersAsync(List<(ulong Connection, TaskCompletionSource<SubscriptionAck> Waiter)> waiters, ulong id)
    {
        try
        {
            await Task.WhenAll(waiters.Select(w => w.Waiter.Task))
                .WaitAsync(Options.SubscriptionAckTimeout, Time, ShutdownToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            foreach (var (connection, waiter) in waiters)
            {
                if (!waiter.Task.IsCompleted)
                {
                    UnregisterAcknowledgement(connection, id, waiter);
                    if (ex is TimeoutException)
                    {
                        Log.SubscriptionAckTimeout(Logger, connection, id, 1);
                    }
                }
            }
        }
    }

    /// <summary>
    /// The Subscribes that bring a newly connected peer up to date: every name reachable through another connection,
    /// announced once (our own announcement id for names we reach through non-peer connections, the original id for
    /// names learned from other peers).
    /// </summary>
    public IReadOnlyList<Message> BuildPeerSync(Connection peer)
    {
        var messages = new List<Message>();
        var byName = Subscriptions.GetEntries()
            .Where(e => e.ConnectionId != peer.Id)
            .GroupBy(e => e.Name);
        lock (_propagationGate)
        {
            foreach (var group in byName)
            {
                ulong id;
                if (group.Any(e => e.ConnectionType != ConnectionType.Peer))
                {
                    if (!_advertised.TryGetValue(group.Key, out id))
                    {
                        id = NewPropagationId();
                        _advertised[group.Key] = id;
                        _seen.Add(id);
                    }
                }
                else
                {
                    id = group.SelectMany(e => e.References)
                        .FirstOrDefault(r => r.Kind == SubscriptionKind.Learned && r.SubscriptionId != 0)
                        .SubscriptionId;
                    if (id == 0)
                    {
                        continue;
                    }

                    _seen.Add(id);
                }

                var wireName = group.Key.ToWire();
                var message = WireMessage.CreateSubscribe(wireName, wireName.Clone(), id);
                message.Subscribe.Header.Ttl = Options.SubscriptionTtl;
                messages.Add(message);
            }
        }

        Log.PeerSyncSent(Logger, messages.Count, peer.Id);
        return messages;
    }

    /// <summary>Tells peers about names that became unreachable because a connection lost its entries.</summary>
    private void WithdrawRemoved(Connection connection, IReadOnlyList<RemovedSubscription> removed)
    {
        if (removed.Count == 0)
        {
            return;
        }

        var plans = new List<PropagationPlan>();
        lock (_propagationGate)
        {
            foreach (var item in removed)
            {
                if (connection.Type == ConnectionType.Peer)
                {
                    foreach (var reference in item.References)
                    {
                        if (reference.Kind == SubscriptionKind.Learned && reference.SubscriptionId != 0 && _seen.Remove(reference.SubscriptionId))
                        {
                            plans.Add(new PropagationPlan(item.Name, reference.SubscriptionId, Options.SubscriptionTtl, false, connection.Id, true));
                        }
                    }
                }
                else if (item.AdvertisementChanged && _advertised.Remove(item.Name, out var id))
                {
                    _seen.Remove(id);
                    plans.Add(new PropagationPlan(item.Name, id, Options.SubscriptionTtl, false, null, true));
                }
            }
        }

        foreach (var plan in plans)
        {
            _ = PropagateAsync(plan, awaitAcknowledgements: false);
        }
    }

    private bool IsSeen(ulong subscriptionId)
    {
        lock (_propagationGate)
        {
            return _seen.Contains(subscriptionId);
        }
    }

    // Called under _propagationGate.
    private ulong NewPropagationId()
    {
        Span<byte> bytes = stackalloc byte[8];
        ulong id;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            id = BitConverter.ToUInt64(bytes);
        }
        while (id == 0 || _seen.Contains(id));

        return id;
    }

    // ---- acknowledgements ---------------------------------------------------------------------------------------

    private void Acknowledge(Connection to, ulong subscriptionId, bool success, string? error)
    {
        if (subscriptionId == 0)
        {
            return;
        }

        var ack = WireMessage.CreateSubscriptionAck(subscriptionId, success, error);
        if (to.TryDeliver(ack) != DeliveryResult.Delivered)
        {
            Metrics.Dropped(DropReasons.QueueFull);
        }
    }

    private void Fail(Connection ingress, bool add, SlimName name, ulong subscriptionId, string error)
    {
        Log.SubscriptionFailed(Logger, add ? "Subscribe" : "Unsubscribe", name.ToString(), ingress.Id, error);
        Acknowledge(ingress, subscriptionId, false, error);
    }

    private void OnSubscriptionAck(Connection from, SubscriptionAck ack)
    {
        TaskCompletionSource<SubscriptionAck>? waiter = null;
        lock (_ackGate)
        {
            if (_pendingAcks.TryGetValue((from.Id, ack.SubscriptionId), out var queue))
            {
                waiter = queue.Dequeue();
                if (queue.Count == 0)
                {
                    _pendingAcks.Remove((from.Id, ack.SubscriptionId));
                }
            }
        }

        if (waiter is null)
        {
            Log.UnexpectedAck(Logger, ack.SubscriptionId, from.Id);
            return;
        }

        waiter.TrySetResult(ack);
    }

    private TaskCompletionSource<SubscriptionAck> RegisterAcknowledgement(ulong connection, ulong subscriptionId)
    {
        var waiter = new TaskCompletionSource<SubscriptionAck>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_ackGate)
        {
            if (!_pendingAcks.TryGetValue((connection, subscriptionId), out var queue))
            {
                queue = new Queue<TaskCompletionSource<SubscriptionAck>>(1);
                _pendingAcks.Add((connection, subscriptionId), queue);
            }

            queue.Enqueue(waiter);
        }

        return waiter;
    }

    private void UnregisterAcknowledgement(ulong connection, ulong subscriptionId, TaskCompletionSource<SubscriptionAck> waiter)
    {
        lock (_ackGate)
        {
            if (_pendingAcks.TryGetValue((connection, subscriptionId), out var queue))
            {
                var rest = queue.Where(w => w != waiter).ToArray();
                if (rest.Length == 0)
                {
                    _pendingAcks.Remove((connection, subscriptionId));
                }
                else
                {
                    _pendingAcks[(connection, subscriptionId)] = new Queue<TaskCompletionSource<SubscriptionAck>>(rest);
                }
            }
        }
    }

    /// <summary>Fails every acknowledgement still awaited from a connection that is gone.</summary>
    private void FailPendingAcknowledgements(ulong connection)
    {
        List<TaskCompletionSource<SubscriptionAck>> failed = [];
        lock (_ackGate)
        {
            foreach (var key in _pendingAcks.Keys.Where(k => k.Connection == connection).ToArray())
            {
                failed.AddRange(_pendingAcks[key]);
                _pendingAcks.Remove(key);
            }
        }

        foreach (var waiter in failed)
        {
            waiter.TrySetResult(new SubscriptionAck
            {
                SubscriptionId = 0,
                Success = false,
                Error = $"connection {connection} closed",
            });
        }
    }

    private void RunBackground(Task task)
    {
        if (task.IsCompleted && !task.IsFaulted)
        {
            return;
        }

        task.ContinueWith(
            static (t, state) => Log.BackgroundFailed(((Router)state!).Logger, t.Exception!),
            this,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
