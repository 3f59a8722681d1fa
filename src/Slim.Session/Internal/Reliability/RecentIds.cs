namespace Slim.Session.Internal.Reliability;

/// <summary>The last ids seen (bounded, oldest forgotten first), to drop duplicates of unsequenced messages.</summary>
internal sealed class RecentIds(int capacity)
{
    private readonly HashSet<uint> _seen = [];
    private readonly Queue<uint> _order = new();

    /// <summary>False when <paramref name="id"/> was seen recently.</summary>
    public bool Add(uint id)
    {
        if (!_seen.Add(id))
        {
            return false;
        }

        _order.Enqueue(id);
        if (_order.Count > capacity)
        {
            _seen.Remove(_order.Dequeue());
        }

        return true;
    }
}
