namespace Slim.DataPlane.Tables;

/// <summary>
/// The connections a broadcast (<c>fanout != 1</c>) lookup matched, without the ingress connection.
/// A view over the table's immutable snapshot: enumerating it allocates nothing.
/// </summary>
public readonly struct MatchSet
{
    private readonly ulong[]? _local;
    private readonly ulong[]? _remote;
    private readonly ulong[]? _peer;
    private readonly ulong[]? _edge;
    private readonly ulong _excluded;

    internal MatchSet(ulong[]? local, ulong[]? remote, ulong[]? peer, ulong[]? edge, ulong excluded)
    {
        _local = local;
        _remote = remote;
        _peer = peer;
        _edge = edge;
        _excluded = excluded;
    }

    /// <summary>Number of connections in the set.</summary>
    public int Count
    {
        get
        {
            var count = 0;
            foreach (var _ in this)
            {
                count++;
            }

            return count;
        }
    }

    /// <summary>True when the set has no connection.</summary>
    public bool IsEmpty
    {
        get
        {
            var enumerator = GetEnumerator();
            return !enumerator.MoveNext();
        }
    }

    /// <summary>The connection ids, in type order (Local, Remote, Peer, Edge).</summary>
    public ulong[] ToArray()
    {
        var result = new ulong[Count];
        var i = 0;
        foreach (var id in this)
        {
            result[i++] = id;
        }

        return result;
    }

    /// <summary>Enumerates the connection ids without allocating.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>Struct enumerator over a <see cref="MatchSet"/>.</summary>
    public struct Enumerator
    {
        private readonly MatchSet _set;
        private int _list;
        private int _index;

        internal Enumerator(MatchSet set)
        {
            _set = set;
            _list = 0;
            _index = -1;
            Current = 0;
        }

        /// <summary>The current connection id.</summary>
        public ulong Current { get; private set; }

        /// <summary>Advances to the next connection id.</summary>
        public bool MoveNext()
        {
            while (_list < 4)
            {
                var list = _list switch
                {
                    0 => _set._local,
                    1 => _set._remote,
                    2 => _set._peer,
                    _ => _set._edge,
                };

                if (list is not null)
                {
                    while (++_index < list.Length)
                    {
                        if (list[_index] != _set._excluded)
                        {
                            Current = list[_index];
                            return true;
                        }
                    }
                }

                _list++;
                _index = -1;
            }

            return false;
        }
    }
}
