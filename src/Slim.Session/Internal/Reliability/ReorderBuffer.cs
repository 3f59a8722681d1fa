namespace Slim.Session.Internal.Reliability;

/// <summary>What the reorder buffer releases, in id order: a message, or a run of ids declared lost.</summary>
internal readonly record struct Released<T>(T? Item, uint FirstLost, uint LostCount)
{
    public bool IsLost => LostCount > 0;
}

/// <summary>What <see cref="ReorderBuffer{T}.Accept"/> did with a message.</summary>
internal enum AcceptResult
{
    /// <summary>It was the next expected id: released, with any buffered successors.</summary>
    Released,

    /// <summary>It is ahead of a gap: kept until the gap fills or is declared lost.</summary>
    Buffered,

    /// <summary>Already released, buffered or declared lost; or too old.</summary>
    Duplicate,
}

/// <summary>
/// In-order delivery of one sender's reliable messages. The start is either known (1, for a sender known before it
/// could send) or the first id seen. Messages ahead of a gap wait; the ids of the gap are reported once so the session
/// can request their retransmission, and are later filled or declared lost, which releases what waits behind them.
/// </summary>
/// <typeparam name="T">The buffered message type.</typeparam>
internal sealed class ReorderBuffer<T>
    where T : class
{
    private readonly int _maxGap;
    private readonly Dictionary<uint, Slot> _pending = new();
    private bool _started;
    private uint _next;

    /// <param name="start">The first id to expect, or null to start at the first id seen.</param>
    /// <param name="maxGap">
    /// The largest gap worth requesting (the sender's buffer size): ids further behind the newest one are declared lost
    /// at once, since the sender no longer has them.
    /// </param>
    public ReorderBuffer(uint? start, int maxGap)
    {
        _maxGap = maxGap;
        if (start is { } s)
        {
            _started = true;
            _next = s;
        }
    }

    /// <summary>The next id expected (meaningful once started).</summary>
    public uint NextExpected => _next;

    /// <summary>Messages waiting behind a gap.</summary>
    public int BufferedCount => _pending.Count;

    /// <summary>True when <paramref name="id"/> is still awaited: inside a gap, neither received nor declared lost.</summary>
    public bool IsAwaiting(uint id)
    {
        if (!_started || _pending.Count == 0 || _pending.ContainsKey(id))
        {
            return false;
        }

        var distance = MessageIds.Distance(_next, id);
        return distance < MessageIds.HalfRing && distance < NewestDistance();
    }

    /// <summary>
    /// Takes a received message. Released items are appended to <paramref name="released"/> in order; ids of a newly
    /// opened gap to <paramref name="missing"/>.
    /// </summary>
    public AcceptResult Accept(uint id, T item, List<Released<T>> released, List<uint> missing)
    {
        if (!_started)
        {
            _started = true;
            _next = id;
        }

        var distance = MessageIds.Distance(_next, id);
        if (distance >= MessageIds.HalfRing || _pending.ContainsKey(id))
        {
            return AcceptResult.Duplicate;
        }

        if (distance == 0)
        {
            released.Add(new Released<T>(item, 0, 0));
            _next = MessageIds.Next(_next);
            Drain(released);
            return AcceptResult.Released;
        }

        if (distance > (uint)_maxGap)
        {
            // The sender's buffer no longer holds the oldest ids of the gap: declare them lost now, releasing anything
            // already buffered among them in order.
            SkipLost(distance - (uint)_maxGap, released);
            distance = MessageIds.Distance(_next, id);
            if (distance == 0)
            {
                released.Add(new Released<T>(item, 0, 0));
                _next = MessageIds.Next(_next);
                Drain(released);
                return AcceptResult.Released;
            }
        }

        // Ids between the newest one already buffered (whose gap was reported then) and this one form a new gap.
        var firstNew = _pending.Count == 0 ? 0u : NewestDistance() + 1;
        for (var d = firstNew; d < distance; d++)
        {
            missing.Add((_next + d) & Protocol.SlimConstants.MaxPublishId);
        }

        _pending[id] = new Slot(item, false);
        return AcceptResult.Buffered;
    }

    /// <summary>Declares <paramref name="id"/> lost (no retransmission possible); releases what waited behind it.</summary>
    public void MarkLost(uint id, List<Released<T>> released)
    {
        if (!_started)
        {
            return;
        }

        var distance = MessageIds.Distance(_next, id);
        if (distance >= MessageIds.HalfRing || _pending.ContainsKey(id))
        {
            return;
        }

        if (distance == 0)
        {
            released.Add(new Released<T>(null, id, 1));
            _next = MessageIds.Next(_next);
            Drain(released);
        }
        else
        {
            _pending[id] = new Slot(null, true);
        }
    }

    private void SkipLost(uint count, List<Released<T>> released)
    {
        var buffered = new List<(uint Distance, uint Id)>();
        foreach (var pendingId in _pending.Keys)
        {
            var d = MessageIds.Distance(_next, pendingId);
            if (d < count)
            {
                buffered.Add((d, pendingId));
            }
        }

        buffered.Sort();
        var cursor = 0u;
        foreach (var (d, pendingId) in buffered)
        {
            if (d > cursor)
            {
                released.Add(new Released<T>(null, (_next + cursor) & Protocol.SlimConstants.MaxPublishId, d - cursor));
            }

            _pending.Remove(pendingId, out var slot);
            released.Add(slot.Lost ? new Released<T>(null, pendingId, 1) : new Released<T>(slot.Item, 0, 0));
            cursor = d + 1;
        }

        if (cursor < count)
        {
            released.Add(new Released<T>(null, (_next + cursor) & Protocol.SlimConstants.MaxPublishId, count - cursor));
        }

        _next = (_next + count) & Protocol.SlimConstants.MaxPublishId;
        Drain(released);
    }

    private void Drain(List<Released<T>> released)
    {
        while (_pending.Remove(_next, out var slot))
        {
            released.Add(slot.Lost ? new Released<T>(null, _next, 1) : new Released<T>(slot.Item, 0, 0));
            _next = MessageIds.Next(_next);
        }
    }

    private uint NewestDistance()
    {
        var newest = 0u;
        foreach (var id in _pending.Keys)
        {
            var d = MessageIds.Distance(_next, id);
            if (d > newest)
            {
                newest = d;
            }
        }

        return newest;
    }

    private readonly record struct Slot(T? Item, bool Lost);
}
