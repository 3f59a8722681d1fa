using System.Collections.Concurrent;
using Slim.DataPlane.Tables.Internal;
using Slim.Protocol;

namespace Slim.DataPlane.Tables;

/// <summary>How an entry came into the table.</summary>
public enum SubscriptionKind
{
    /// <summary>A Subscribe received on the connection itself (an app or a peer announcing a name).</summary>
    Learned = 0,

    /// <summary>A route installed for the connection by someone else (<c>recv_from</c>, set_route, the controller).</summary>
    Route = 1,
}

/// <summary>What a table operation did.</summary>
public enum SubscriptionChangeKind
{
    /// <summary>A new reference was added.</summary>
    Added = 0,

    /// <summary>The same (name, connection, subscription id) was already present; nothing changed.</summary>
    AlreadyPresent = 1,

    /// <summary>A reference was removed.</summary>
    Removed = 2,

    /// <summary>Nothing matched the removal; the table is unchanged.</summary>
    NotFound = 3,
}

/// <summary>Outcome of <see cref="SubscriptionTable.Add"/> or <see cref="SubscriptionTable.Remove"/>.</summary>
/// <param name="Kind">What changed.</param>
/// <param name="AdvertisementChanged">
/// True when the exact name (prefix and id) became reachable through this node's own connections (any type but
/// <see cref="ConnectionType.Peer"/>) for the first time, or stopped being reachable through them: the transitions a
/// node tells its peers about.
/// </param>
public readonly record struct SubscriptionChange(SubscriptionChangeKind Kind, bool AdvertisementChanged)
{
    /// <summary>False only for <see cref="SubscriptionChangeKind.NotFound"/>.</summary>
    public bool Succeeded => Kind != SubscriptionChangeKind.NotFound;
}

/// <summary>One reference held by a connection on a name: its subscription id and how it was made.</summary>
/// <param name="SubscriptionId">The id of the Subscribe (0 when the sender asked for no acknowledgement).</param>
/// <param name="Kind">Learned from the connection or installed as a route.</param>
public readonly record struct SubscriptionReference(ulong SubscriptionId, SubscriptionKind Kind);

/// <summary>One (name, connection) pair of the table and its references.</summary>
/// <param name="Name">The subscribed name; <see cref="SlimName.AnyInstance"/> as id for a subscription without id.</param>
/// <param name="ConnectionId">The connection messages for the name go out on.</param>
/// <param name="ConnectionType">That connection's type.</param>
/// <param name="References">The subscription references (reference counting is per subscription id).</param>
public sealed record SubscriptionEntry(
    SlimName Name, ulong ConnectionId, ConnectionType ConnectionType, IReadOnlyList<SubscriptionReference> References);

/// <summary>
/// The subscription table of a processor: name prefix (c0, c1, c2), then 128-bit instance id, then the connections
/// subscribed, grouped by connection type. It implements SLIM's two lookups exactly:
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>match_one</b> (<c>fanout == 1</c>, <see cref="TryMatchOne"/>): connection types are tried in the order
/// Local, Remote, Peer, Edge; within the first type that has a candidate, candidates are taken round-robin; the
/// ingress connection is never returned. A destination without id (<see cref="SlimName.AnyInstance"/>) matches every
/// connection subscribed to the prefix under any id; a destination with id X matches only connections subscribed with
/// exactly X (a subscription without id does not match X).</item>
/// <item><b>match_all</b> (<c>fanout != 1</c>, <see cref="TryMatchAll"/>): every connection subscribed with id X, or
/// to the whole prefix when the destination has no id, minus the ingress connection.</item>
/// </list>
/// <para>
/// Reference counting is per (name, connection, subscription id): subscribing twice with the same id is idempotent;
/// an unsubscribe removes the reference with its id, and the connection leaves the name when its last reference
/// goes. Id 0 (a reconnect replay, sent without acknowledgement) stands for "whatever the connection already holds":
/// adding id 0 where the connection already has a reference changes nothing; adding an id where the connection has
/// an id-0 reference replaces it; an unsubscribe whose id is unknown removes the connection's id-0 reference if it
/// has one; and an unsubscribe with id 0 removes all of the connection's references on the name.
/// </para>
/// <para>
/// Concurrency: lookups vastly outnumber changes. Each prefix has an immutable snapshot in a concurrent dictionary;
/// a lookup is one lock-free dictionary read and a scan of small arrays, and never allocates. Changes take one lock,
/// update the bookkeeping and publish a fresh snapshot of the one prefix they touched.
/// </para>
/// </remarks>
public sealed class SubscriptionTable
{
    private const int TypeCount = 4;

    private readonly ConcurrentDictionary<PrefixKey, PrefixEntry> _snapshots = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<PrefixKey, PrefixState> _prefixes = [];
    private readonly Dictionary<ulong, HashSet<NameKey>> _byConnection = [];
    private int _count;

    /// <summary>Number of (name, connection) pairs in the table.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Adds a reference of <paramref name="connectionId"/> on <paramref name="name"/> (prefix and id; use
    /// <see cref="SlimName.AnyInstance"/> for a subscription without id).
    /// </summary>
    public SubscriptionChange Add(
        SlimName name,
        ulong connectionId,
        ConnectionType connectionType,
        ulong subscriptionId,
        SubscriptionKind kind = SubscriptionKind.Learned)
    {
        var key = new NameKey(PrefixKey.Of(name), name.Id);
        lock (_gate)
        {
            if (!_prefixes.TryGetValue(key.Prefix, out var prefix))
            {
                prefix = new PrefixState(name.WithoutId());
                _prefixes.Add(key.Prefix, prefix);
            }
            else if (!prefix.Name.HasComponentStrings && name.HasComponentStrings)
            {
                prefix.Name = name.WithoutId();
            }

            if (!prefix.Ids.TryGetValue(name.Id, out var connections))
            {
                connections = [];
                prefix.Ids.Add(name.Id, connections);
            }

            var advertisedBefore = connectionType != ConnectionType.Peer && HasNonPeer(connections);
            if (connections.TryGetValue(connectionId, out var refs))
            {
                var references = refs.References;
                if (subscriptionId == 0 || references.Exists(r => r.SubscriptionId == subscriptionId))
                {
                    // Id 0 is a replay of something the connection already holds.
                    return new SubscriptionChange(SubscriptionChangeKind.AlreadyPresent, false);
                }

                var replayed = references.FindIndex(r => r.SubscriptionId == 0);
                if (replayed >= 0)
                {
                    // The original of an earlier id-0 replay: it takes the replay's place.
                    references[replayed] = new SubscriptionReference(subscriptionId, kind);
                    return new SubscriptionChange(SubscriptionChangeKind.AlreadyPresent, false);
                }

                references.Add(new SubscriptionReference(subscriptionId, kind));
                return new SubscriptionChange(SubscriptionChangeKind.Added, false);
            }

            refs = new ConnectionRefs(connectionType);
            refs.References.Add(new SubscriptionReference(subscriptionId, kind));
            connections.Add(connectionId, refs);
            if (!_byConnection.TryGetValue(connectionId, out var names))
            {
                names = [];
                _byConnection.Add(connectionId, names);
            }

            names.Add(key);
            _count++;
            Publish(key.Prefix, prefix);
            return new SubscriptionChange(
                SubscriptionChangeKind.Added, connectionType != ConnectionType.Peer && !advertisedBefore);
        }
    }

    /// <summary>
    /// Removes a reference of <paramref name="connectionId"/> on <paramref name="name"/> (see the type remarks for
    /// the id-0 fallbacks). <see cref="SubscriptionChangeKind.NotFound"/> when nothing matched.
    /// </summary>
    public SubscriptionChange Remove(SlimName name, ulong connectionId, ulong subscriptionId)
    {
        var key = new NameKey(PrefixKey.Of(name), name.Id);
        lock (_gate)
        {
            if (!_prefixes.TryGetValue(key.Prefix, out var prefix)
                || !prefix.Ids.TryGetValue(name.Id, out var connections)
                || !connections.TryGetValue(connectionId, out var refs))
            {
                return new SubscriptionChange(SubscriptionChangeKind.NotFound, false);
            }

            if (!RemoveReference(refs.References, subscriptionId))
            {
                return new SubscriptionChange(SubscriptionChangeKind.NotFound, false);
            }

            if (refs.References.Count > 0)
            {
                return new SubscriptionChange(SubscriptionChangeKind.Removed, false);
            }

            var advertisementChanged = DropConnection(key, prefix, connections, connectionId, refs.Type);
            Publish(key.Prefix, prefix);
            return new SubscriptionChange(SubscriptionChangeKind.Removed, advertisementChanged);
        }
    }

    /// <summary>
    /// Removes the references of a connection: all of them, or only the <see cref="SubscriptionKind.Learned"/> ones
    /// (a link that reconnects keeps its routes but relearns what its peer announces). Returns what was removed, one
    /// item per name.
    /// </summary>
    public IReadOnlyList<RemovedSubscription> RemoveConnection(ulong connectionId, bool learnedOnly = false)
    {
        lock (_gate)
        {
            if (!_byConnection.TryGetValue(connectionId, out var names))
            {
                return [];
            }

            var removed = new List<RemovedSubscription>(names.Count);
            var touched = new HashSet<PrefixKey>();
            foreach (var key in names.ToArray())
            {
                var prefix = _prefixes[key.Prefix];
                var connections = prefix.Ids[key.Id];
                var refs = connections[connectionId];
                List<SubscriptionReference> dropped;
                if (learnedOnly)
                {
                    dropped = refs.References.FindAll(r => r.Kind == SubscriptionKind.Learned);
                    if (dropped.Count == 0)
                    {
                        continue;
                    }

                    refs.References.RemoveAll(r => r.Kind == SubscriptionKind.Learned);
                }
                else
                {
                    dropped = [.. refs.References];
                    refs.References.Clear();
                }

                var advertisementChanged = false;
                if (refs.References.Count == 0)
                {
                    advertisementChanged = DropConnection(key, prefix, connections, connectionId, refs.Type);
                    touched.Add(key.Prefix);
                }

                removed.Add(new RemovedSubscription(prefix.Name.WithId(key.Id), refs.Type, dropped, advertisementChanged));
            }

            foreach (var prefixKey in touched)
            {
                Publish(prefixKey, _prefixes.GetValueOrDefault(prefixKey));
            }

            return removed;
        }
    }

    /// <summary>
    /// Anycast lookup (SLIM's match_one): one connection subscribed to <paramref name="destination"/>, never
    /// <paramref name="ingress"/>. See the type remarks for the exact rules.
    /// </summary>
    public bool TryMatchOne(in SlimName destination, ulong ingress, ConnectionTypeFilter filter, out ulong connectionId)
    {
        connectionId = 0;
        var key = new PrefixKey(destination.OrganizationHash, destination.NamespaceHash, destination.ServiceHash);
        if (!_snapshots.TryGetValue(key, out var entry))
        {
            return false;
        }

        var lists = destination.IsAnyInstance ? entry.Aggregates : entry.FindSlot(destination.Id);
        if (lists is null)
        {
            return false;
        }

        for (var type = 0; type < TypeCount; type++)
        {
            var candidates = lists[type];
            var n = candidates.Length;
            if (n == 0 || ((int)filter & (1 << type)) == 0)
            {
                continue;
            }

            var start = n == 1 ? 0 : entry.Cursor.Next(n);
            for (var i = 0; i < n; i++)
            {
                var index = start + i;
                var candidate = candidates[index >= n ? index - n : index];
                if (candidate != ingress)
                {
                    connectionId = candidate;
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Broadcast lookup (SLIM's match_all): every connection subscribed to <paramref name="destination"/> (to the
    /// whole prefix when it has no id), minus <paramref name="ingress"/>. False when that leaves nothing.
    /// </summary>
    public bool TryMatchAll(in SlimName destination, ulong ingress, ConnectionTypeFilter filter, out MatchSet matches)
    {
        matches = default;
        var key = new PrefixKey(destination.OrganizationHash, destination.NamespaceHash, destination.ServiceHash);
        if (!_snapshots.TryGetValue(key, out var entry))
        {
            return false;
        }

        var lists = destination.IsAnyInstance ? entry.Aggregates : entry.FindSlot(destination.Id);
        if (lists is null)
        {
            return false;
        }

        matches = new MatchSet(
            (filter & ConnectionTypeFilter.Local) != 0 ? lists[0] : null,
            (filter & ConnectionTypeFilter.Remote) != 0 ? lists[1] : null,
            (filter & ConnectionTypeFilter.Peer) != 0 ? lists[2] : null,
            (filter & ConnectionTypeFilter.Edge) != 0 ? lists[3] : null,
            ingress);
        return !matches.IsEmpty;
    }

    /// <summary>True when <paramref name="connectionId"/> holds a reference on exactly <paramref name="name"/>.</summary>
    public bool Contains(SlimName name, ulong connectionId)
    {
        lock (_gate)
        {
            return _prefixes.TryGetValue(PrefixKey.Of(name), out var prefix)
                && prefix.Ids.TryGetValue(name.Id, out var connections)
                && connections.ContainsKey(connectionId);
        }
    }

    /// <summary>A consistent copy of every entry (for listings and for a full sync with a new peer).</summary>
    public IReadOnlyList<SubscriptionEntry> GetEntries()
    {
        lock (_gate)
        {
            var entries = new List<SubscriptionEntry>(_count);
            foreach (var prefix in _prefixes.Values)
            {
                foreach (var (id, connections) in prefix.Ids)
                {
                    var name = prefix.Name.WithId(id);
                    foreach (var (connectionId, refs) in connections)
                    {
                        entries.Add(new SubscriptionEntry(name, connectionId, refs.Type, [.. refs.References]));
                    }
                }
            }

            return entries;
        }
    }

    private static bool RemoveReference(List<SubscriptionReference> references, ulong subscriptionId)
    {
        if (subscriptionId == 0)
        {
            if (references.Count == 0)
            {
                return false;
            }

            references.Clear();
            return true;
        }

        var index = references.FindIndex(r => r.SubscriptionId == subscriptionId);
        if (index < 0)
        {
            // A reconnect replay is sent with id 0; a later unsubscribe carries the app's original id.
            index = references.FindIndex(r => r.SubscriptionId == 0);
        }

        if (index < 0)
        {
            return false;
        }

        references.RemoveAt(index);
        return true;
    }

    private static bool HasNonPeer(Dictionary<ulong, ConnectionRefs> connections)
    {
        foreach (var refs in connections.Values)
        {
            if (refs.Type != ConnectionType.Peer)
            {
                return true;
            }
        }

        return false;
    }

    // Removes the connection from one name; returns true when the name stopped being reachable through non-peer
    // connections because of it.
    private bool DropConnection(
        NameKey key,
        PrefixState prefix,
        Dictionary<ulong, ConnectionRefs> connections,
        ulong connectionId,
        ConnectionType type)
    {
        connections.Remove(connectionId);
        _count--;
        if (_byConnection.TryGetValue(connectionId, out var names))
        {
            names.Remove(key);
            if (names.Count == 0)
            {
                _byConnection.Remove(connectionId);
            }
        }

        if (connections.Count == 0)
        {
            prefix.Ids.Remove(key.Id);
            if (prefix.Ids.Count == 0)
            {
                _prefixes.Remove(key.Prefix);
            }
        }

        return type != ConnectionType.Peer && !HasNonPeer(connections);
    }

    private void Publish(PrefixKey key, PrefixState? prefix)
    {
        if (prefix is null || prefix.Ids.Count == 0)
        {
            _snapshots.TryRemove(key, out _);
            return;
        }

        var ids = new UInt128[prefix.Ids.Count];
        var slots = new ulong[ids.Length][][];
        var aggregates = new List<ulong>?[TypeCount];
        var i = 0;
        foreach (var (id, connections) in prefix.Ids)
        {
            ids[i] = id;
            var perType = new List<ulong>?[TypeCount];
            foreach (var (connectionId, refs) in connections)
            {
                var t = (int)refs.Type;
                (perType[t] ??= []).Add(connectionId);
                var aggregate = aggregates[t] ??= [];
                if (!aggregate.Contains(connectionId))
                {
                    aggregate.Add(connectionId);
                }
            }

            slots[i] = ToArrays(perType);
            i++;
        }

        _snapshots[key] = new PrefixEntry(ids, slots, ToArrays(aggregates), prefix.Cursor);
    }

    private static ulong[][] ToArrays(List<ulong>?[] lists)
    {
        var result = new ulong[TypeCount][];
        for (var t = 0; t < TypeCount; t++)
        {
            result[t] = lists[t] is { } list ? [.. list] : PrefixEntry.Empty;
        }

        return result;
    }

    private sealed class PrefixState(SlimName name)
    {
        public SlimName Name { get; set; } = name;

        public Dictionary<UInt128, Dictionary<ulong, ConnectionRefs>> Ids { get; } = [];

        public RoundRobinCursor Cursor { get; } = new();
    }

    private sealed class ConnectionRefs(ConnectionType type)
    {
        public ConnectionType Type { get; } = type;

        public List<SubscriptionReference> References { get; } = [];
    }
}

/// <summary>What <see cref="SubscriptionTable.RemoveConnection"/> removed on one name.</summary>
/// <param name="Name">The name.</param>
/// <param name="ConnectionType">The removed connection's type.</param>
/// <param name="References">The references removed.</param>
/// <param name="AdvertisementChanged">True when the name is no longer reachable through this node's non-peer connections.</param>
public sealed record RemovedSubscription(
    SlimName Name, ConnectionType ConnectionType, IReadOnlyList<SubscriptionReference> References, bool AdvertisementChanged);
