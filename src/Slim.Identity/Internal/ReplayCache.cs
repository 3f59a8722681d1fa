namespace Slim.Identity.Internal;

/// <summary>
/// Remembers recently accepted token keys so a second presentation is refused. Bounded: past its capacity the
/// oldest entry is forgotten; entries also go once their token could no longer verify anyway.
/// </summary>
internal sealed class ReplayCache
{
    private readonly int _capacity;
    private readonly Dictionary<string, long> _seen;
    private readonly Queue<(string Key, long ExpiresAt)> _order = new();
    private readonly Lock _gate = new();

    public ReplayCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
        _seen = new Dictionary<string, long>(Math.Min(capacity, 4096), StringComparer.Ordinal);
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _seen.Count;
            }
        }
    }

    /// <summary>Records <paramref name="key"/>; false when it is already present (a replay).</summary>
    /// <param name="key">What identifies the token.</param>
    /// <param name="expiresAt">Unix seconds after which the token is refused anyway, so the entry may go.</param>
    /// <param name="now">Current Unix seconds.</param>
    public bool TryAdd(string key, long expiresAt, long now)
    {
        lock (_gate)
        {
            while (_order.TryPeek(out var oldest) && oldest.ExpiresAt < now)
            {
                _order.Dequeue();
                _seen.Remove(oldest.Key);
            }

            if (_seen.ContainsKey(key))
            {
                return false;
            }

            while (_seen.Count >= _capacity && _order.TryDequeue(out var evicted))
            {
                _seen.Remove(evicted.Key);
            }

            _seen.Add(key, expiresAt);
            _order.Enqueue((key, expiresAt));
            return true;
        }
    }
}
