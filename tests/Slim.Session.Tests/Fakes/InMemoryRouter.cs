using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Session.Tests.Fakes;

/// <summary>
/// A fake SLIM node for session tests: each app has one connection; subscriptions map (prefix, id) to connections;
/// a Publish with fanout 1 goes to one matching connection (exact id, or round-robin over the prefix for the NULL id),
/// any other fanout to all of them; never back to the sender. Delivery is synchronous (the layers only queue).
/// </summary>
/// <remarks>
/// With <see cref="Faults"/> set, every delivered copy of a Publish that the fault filter selects is dropped, duplicated
/// or held back (delivered after the next message to the same app: reordered) with the configured probabilities, using
/// a seeded random generator.
/// </remarks>
internal sealed class InMemoryRouter
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Connection> _connections = new();
    private readonly Dictionary<(ulong, ulong, ulong), Dictionary<UInt128, HashSet<ulong>>> _subscriptions = new();
    private readonly List<SentRecord> _sent = [];
    private readonly List<(Func<Message, bool> Predicate, int Remaining)> _dropRules = [];
    private ulong _nextConnection = 1;
    private int _roundRobin;

    /// <summary>Fault injection; null for a perfect network.</summary>
    public FaultOptions? Faults { get; set; }

    /// <summary>Counts of what the fault injection did.</summary>
    public FaultCounters FaultCount { get; } = new();

    /// <summary>Every message an app handed to the router, in order.</summary>
    public IReadOnlyList<SentRecord> Sent
    {
        get
        {
            lock (_gate)
            {
                return [.. _sent];
            }
        }
    }

    public RouterTransport Connect(SlimName appName)
    {
        lock (_gate)
        {
            var id = _nextConnection++;
            var connection = new Connection(id, appName);
            _connections[id] = connection;
            AddSubscription(appName, id);
            return new RouterTransport(this, connection);
        }
    }

    public void Attach(RouterTransport transport, Func<Message, ValueTask> deliver) => transport.Connection.Deliver = deliver;

    /// <summary>Subscribes an extra name for an app (as the app would on its node).</summary>
    public void Subscribe(RouterTransport transport, SlimName name)
    {
        lock (_gate)
        {
            AddSubscription(name, transport.Connection.Id);
        }
    }

    /// <summary>Cuts an app off (its messages and messages to it are lost) or reconnects it.</summary>
    public void SetConnected(RouterTransport transport, bool connected) => transport.Connection.Connected = connected;

    /// <summary>
    /// Drops the next <paramref name="count"/> delivered copies matching <paramref name="predicate"/> (deterministic
    /// faults). The predicate sees the copy as delivered: <c>incoming_conn</c> is the receiving app's connection id.
    /// </summary>
    public void DropNext(Func<Message, bool> predicate, int count = 1)
    {
        lock (_gate)
        {
            _dropRules.Add((predicate, count));
        }
    }

    /// <summary>True when <paramref name="name"/> (prefix + id) is subscribed by <paramref name="transport"/>'s app.</summary>
    public bool IsSubscribed(RouterTransport transport, SlimName name)
    {
        lock (_gate)
        {
            return _subscriptions.TryGetValue(Key(name), out var ids) && ids.TryGetValue(name.Id, out var conns) &&
                conns.Contains(transport.Connection.Id);
        }
    }

    /// <summary>Delivers the held-back (reordered) messages; returns how many.</summary>
    public int FlushHeld()
    {
        List<(Connection, Message)> held = [];
        lock (_gate)
        {
            foreach (var connection in _connections.Values)
            {
                held.AddRange(connection.Held.Select(m => (connection, m)));
                connection.Held.Clear();
            }
        }

        foreach (var (connection, message) in held)
        {
            _ = connection.Deliver!(message);
        }

        return held.Count;
    }

    internal void OnSend(Connection from, Message message)
    {
        List<(Connection, Message)> deliveries = [];
        lock (_gate)
        {
            _sent.Add(new SentRecord(from.Name, message.Clone()));
            if (!from.Connected || message.MessageTypeCase != Message.MessageTypeOneofCase.Publish)
            {
                return;
            }

            foreach (var target in Match(message.Publish.Header, from.Id))
            {
                if (!target.Connected || target.Deliver is null)
                {
                    continue;
                }

                var copy = message.Clone();
                copy.Publish.Header.IncomingConn = target.Id;
                copy.Publish.Header.Ttl = message.Publish.Header.Ttl - 1;
                if (MatchesDropRule(copy))
                {
                    FaultCount.Dropped++;
                    continue;
                }

                var faults = Faults;
                if (faults is not null && faults.Applies(copy))
                {
                    var roll = faults.Random.NextDouble();
                    if (roll < faults.Drop)
                    {
                        FaultCount.Dropped++;
                        continue;
                    }

                    if (roll < faults.Drop + faults.Duplicate)
                    {
                        FaultCount.Duplicated++;
                        deliveries.Add((target, copy.Clone()));
                    }
                    else if (roll < faults.Drop + faults.Duplicate + faults.Reorder)
                    {
                        FaultCount.Reordered++;
                        target.Held.Add(copy);
                        continue;
                    }
                }

                deliveries.Add((target, copy));

                // Held-back messages overtaken by this one now follow it.
                deliveries.AddRange(target.Held.Select(h => (target, h)));
                target.Held.Clear();
            }
        }

        foreach (var (target, copy) in deliveries)
        {
            _ = target.Deliver!(copy);
        }
    }

    private bool MatchesDropRule(Message copy)
    {
        for (var i = 0; i < _dropRules.Count; i++)
        {
            var (predicate, remaining) = _dropRules[i];
            if (predicate(copy))
            {
                _dropRules[i] = (predicate, remaining - 1);
                if (remaining - 1 == 0)
                {
                    _dropRules.RemoveAt(i);
                }

                return true;
            }
        }

        return false;
    }

    internal void OnSubscribe(Connection from, SlimName name, bool subscribe)
    {
        lock (_gate)
        {
            var message = subscribe
                ? WireMessage.CreateSubscribe(from.Name, name, 1)
                : WireMessage.CreateUnsubscribe(from.Name, name, 1);
            _sent.Add(new SentRecord(from.Name, message));
            if (subscribe)
            {
                AddSubscription(name, from.Id);
            }
            else if (_subscriptions.TryGetValue(Key(name), out var ids) && ids.TryGetValue(name.Id, out var conns))
            {
                conns.Remove(from.Id);
            }
        }
    }

    private List<Connection> Match(SLIMHeader header, ulong ingress)
    {
        var destination = SlimName.FromWire(header.Destination);
        if (!_subscriptions.TryGetValue(Key(destination), out var ids))
        {
            return [];
        }

        var candidates = destination.IsAnyInstance
            ? ids.Values.SelectMany(c => c).Distinct().Where(c => c != ingress).Order().ToList()
            : ids.TryGetValue(destination.Id, out var exact) ? exact.Where(c => c != ingress).Order().ToList() : [];
        if (candidates.Count == 0)
        {
            return [];
        }

        if (header.Fanout == 1)
        {
            return [_connections[candidates[_roundRobin++ % candidates.Count]]];
        }

        return candidates.Select(c => _connections[c]).ToList();
    }

    private void AddSubscription(SlimName name, ulong connection)
    {
        var key = Key(name);
        if (!_subscriptions.TryGetValue(key, out var ids))
        {
            _subscriptions[key] = ids = new Dictionary<UInt128, HashSet<ulong>>();
        }

        if (!ids.TryGetValue(name.Id, out var conns))
        {
            ids[name.Id] = conns = [];
        }

        conns.Add(connection);
    }

    private static (ulong, ulong, ulong) Key(SlimName name) => (name.OrganizationHash, name.NamespaceHash, name.ServiceHash);

    internal sealed class Connection(ulong id, SlimName name)
    {
        public ulong Id { get; } = id;

        public SlimName Name { get; } = name;

        public Func<Message, ValueTask>? Deliver { get; set; }

        public bool Connected { get; set; } = true;

        public List<Message> Held { get; } = [];

        public List<(SlimName Name, ulong Connection, bool Added)> Routes { get; } = [];
    }
}

/// <summary>A message an app sent (a Publish, or a Subscribe/Unsubscribe the router synthesized from the call).</summary>
internal sealed record SentRecord(SlimName App, Message Message)
{
    public SessionMessageType Type => Message.GetSessionMessageType();

    public bool IsPublish => Message.MessageTypeCase == Message.MessageTypeOneofCase.Publish;

    public SlimName Destination => SlimName.FromWire(Message.GetSlimHeader()!.Destination);

    public uint MessageId => Message.GetSessionHeader()?.MessageId ?? 0;

    public override string ToString() =>
        IsPublish
            ? $"{App} {Type} #{MessageId} -> {Destination} fanout {Message.Publish.Header.Fanout}"
            : $"{App} {Message.MessageTypeCase} {Destination}";
}

internal sealed class FaultOptions(int seed)
{
    public Random Random { get; } = new(seed);

    public double Drop { get; init; }

    public double Duplicate { get; init; }

    public double Reorder { get; init; }

    /// <summary>Which delivered copies the faults apply to (default: every Publish).</summary>
    public Func<Message, bool> Applies { get; init; } = _ => true;
}

internal sealed class FaultCounters
{
    public int Dropped { get; set; }

    public int Duplicated { get; set; }

    public int Reordered { get; set; }
}

/// <summary>One app's connection to the <see cref="InMemoryRouter"/>.</summary>
internal sealed class RouterTransport : ISessionTransport
{
    private readonly InMemoryRouter _router;

    internal RouterTransport(InMemoryRouter router, InMemoryRouter.Connection connection)
    {
        _router = router;
        Connection = connection;
    }

    internal InMemoryRouter.Connection Connection { get; }

    public IReadOnlyList<(SlimName Name, ulong Connection, bool Added)> Routes
    {
        get
        {
            lock (Connection.Routes)
            {
                return [.. Connection.Routes];
            }
        }
    }

    public ValueTask SendAsync(Message message, CancellationToken cancellationToken)
    {
        _router.OnSend(Connection, message);
        return ValueTask.CompletedTask;
    }

    public ValueTask SubscribeAsync(SlimName name, SlimName subscriber, CancellationToken cancellationToken)
    {
        _router.OnSubscribe(Connection, name, subscribe: true);
        return ValueTask.CompletedTask;
    }

    public ValueTask UnsubscribeAsync(SlimName name, SlimName subscriber, CancellationToken cancellationToken)
    {
        _router.OnSubscribe(Connection, name, subscribe: false);
        return ValueTask.CompletedTask;
    }

    public ValueTask SetRouteAsync(SlimName name, ulong connectionId, CancellationToken cancellationToken)
    {
        lock (Connection.Routes)
        {
            Connection.Routes.Add((name, connectionId, true));
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveRouteAsync(SlimName name, ulong connectionId, CancellationToken cancellationToken)
    {
        lock (Connection.Routes)
        {
            Connection.Routes.Add((name, connectionId, false));
        }

        return ValueTask.CompletedTask;
    }
}
