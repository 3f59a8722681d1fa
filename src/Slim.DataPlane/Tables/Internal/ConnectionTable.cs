using System.Collections;
using System.Collections.Concurrent;
using Slim.DataPlane.Connections.Internal;

namespace Slim.DataPlane.Tables.Internal;

/// <summary>
/// The connections of a processor by id. Ids are allocated here, start at 1 and are never reused, so a stale id
/// (in a route, a <c>forward_to</c>, or a subscription entry being removed) can never reach a newer connection.
/// Lookups are lock-free; the table is read on every routed message.
/// </summary>
internal sealed class ConnectionTable : IEnumerable<Connection>
{
    private readonly ConcurrentDictionary<ulong, Connection> _connections = new();
    private long _lastId;

    /// <summary>A fresh connection id.</summary>
    public ulong NextId() => (ulong)Interlocked.Increment(ref _lastId);

    public void Add(Connection connection) => _connections[connection.Id] = connection;

    public bool TryRemove(ulong id) => _connections.TryRemove(id, out _);

    public bool TryGet(ulong id, out Connection connection) => _connections.TryGetValue(id, out connection!);

    public IEnumerator<Connection> GetEnumerator() => _connections.Values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
