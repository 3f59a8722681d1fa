namespace Slim.DataPlane.Tables.Internal;

/// <summary>A shared round-robin counter for anycast picks; survives the snapshots of one prefix.</summary>
internal sealed class RoundRobinCursor
{
    private int _value;

    public int Next(int count) => (int)((uint)Interlocked.Increment(ref _value) % (uint)count);
}

/// <summary>
/// Immutable read-side view of every subscription under one name prefix (c0, c1, c2). Readers get it with one
/// dictionary lookup and never lock; writers build a new one and swap it in.
/// </summary>
/// <remarks>
/// <code>
/// PrefixEntry
///   Ids[i]        instance id (u128::MAX = subscribed without id)
///   Slots[i][t]   connections subscribed to (prefix, Ids[i]) whose type is t (Local, Remote, Peer, Edge)
///   Aggregates[t] distinct connections of type t subscribed under any id (for destinations without id)
/// </code>
/// </remarks>
internal sealed class PrefixEntry
{
    /// <summary>Above this many ids, a dictionary indexes them instead of a linear scan.</summary>
    private const int LinearScanLimit = 8;

    private static readonly ulong[] NoConnections = [];

    private readonly UInt128[] _ids;
    private readonly ulong[][][] _slots;
    private readonly Dictionary<UInt128, int>? _index;

    public PrefixEntry(UInt128[] ids, ulong[][][] slots, ulong[][] aggregates, RoundRobinCursor cursor)
    {
        _ids = ids;
        _slots = slots;
        Aggregates = aggregates;
        Cursor = cursor;
        if (ids.Length > LinearScanLimit)
        {
            _index = new Dictionary<UInt128, int>(ids.Length);
            for (var i = 0; i < ids.Length; i++)
            {
                _index[ids[i]] = i;
            }
        }
    }

    public ulong[][] Aggregates { get; }

    public RoundRobinCursor Cursor { get; }

    public static ulong[] Empty => NoConnections;

    /// <summary>The per-type connection lists of one id, or null when nobody subscribed that id.</summary>
    public ulong[][]? FindSlot(UInt128 id)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(id, out var i) ? _slots[i] : null;
        }

        var ids = _ids;
        for (var i = 0; i < ids.Length; i++)
        {
            if (ids[i] == id)
            {
                return _slots[i];
            }
        }

        return null;
    }
}
