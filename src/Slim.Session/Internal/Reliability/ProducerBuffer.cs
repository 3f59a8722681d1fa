namespace Slim.Session.Internal.Reliability;

/// <summary>
/// The last messages a sender published, kept to answer retransmission requests (official: 512). A slot is reused
/// when the id has moved on by the capacity, so a request for an older id misses.
/// </summary>
/// <typeparam name="T">What is kept per message.</typeparam>
internal sealed class ProducerBuffer<T>
    where T : class
{
    private readonly (uint Id, T? Item)[] _slots;

    public ProducerBuffer(int capacity)
    {
        _slots = new (uint, T?)[capacity];
    }

    public int Capacity => _slots.Length;

    public void Add(uint id, T item) => _slots[id % (uint)_slots.Length] = (id, item);

    public bool TryGet(uint id, out T item)
    {
        var slot = _slots[id % (uint)_slots.Length];
        item = slot.Item!;
        return slot.Item is not null && slot.Id == id;
    }
}
