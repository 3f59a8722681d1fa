using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Session.Internal.Security;

/// <summary>
/// Remembers the command messages seen per sender so that a repeated one is not processed twice: an LRU of senders
/// (official: 100), each with its last message ids (official: 1000, oldest forgotten first).
/// </summary>
/// <remarks>
/// Official SLIM keys the cache on (sender, message id). This one adds the message type, because official peers reuse
/// an id across types on purpose (a rejoining member acks the REJOIN_REPLY with its own REJOIN_REQUEST's id), and a
/// reply must not be mistaken for a replay of the request.
/// </remarks>
internal sealed class ReplayCache
{
    private readonly int _maxSenders;
    private readonly int _idsPerSender;
    private readonly Dictionary<SlimName, LinkedListNode<SenderIds>> _senders = new();
    private readonly LinkedList<SenderIds> _lru = new();

    public ReplayCache(int maxSenders, int idsPerSender)
    {
        _maxSenders = maxSenders;
        _idsPerSender = idsPerSender;
    }

    /// <summary>Records the message; false when it was already seen.</summary>
    public bool TryRecord(SlimName sender, SessionMessageType type, uint messageId)
    {
        if (_senders.TryGetValue(sender, out var node))
        {
            _lru.Remove(node);
            _lru.AddFirst(node);
        }
        else
        {
            if (_senders.Count >= _maxSenders)
            {
                var oldest = _lru.Last!;
                _lru.RemoveLast();
                _senders.Remove(oldest.Value.Sender);
            }

            node = _lru.AddFirst(new SenderIds(sender));
            _senders[sender] = node;
        }

        var ids = node.Value;
        var key = ((ulong)type << 32) | messageId;
        if (!ids.Seen.Add(key))
        {
            return false;
        }

        ids.Order.Enqueue(key);
        if (ids.Order.Count > _idsPerSender)
        {
            ids.Seen.Remove(ids.Order.Dequeue());
        }

        return true;
    }

    private sealed class SenderIds(SlimName sender)
    {
        public SlimName Sender { get; } = sender;

        public HashSet<ulong> Seen { get; } = [];

        public Queue<ulong> Order { get; } = new();
    }
}
