using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Session.Internal.Security;

/// <summary>
/// The replies this session sent to control requests, by (requester, request type, request id). When a request arrives
/// again (the requester retransmits because our reply was lost), the same reply is sent again instead of processing the
/// request twice.
/// </summary>
internal sealed class ReplyCache
{
    private readonly int _capacity;
    private readonly Dictionary<(SlimName, SessionMessageType, uint), Message> _replies = new();
    private readonly Queue<(SlimName, SessionMessageType, uint)> _order = new();

    public ReplyCache(int capacity)
    {
        _capacity = capacity;
    }

    public void Add(SlimName requester, SessionMessageType requestType, uint requestId, Message reply)
    {
        var key = (requester, requestType, requestId);
        if (_replies.TryAdd(key, reply))
        {
            _order.Enqueue(key);
            if (_order.Count > _capacity)
            {
                _replies.Remove(_order.Dequeue());
            }
        }
        else
        {
            _replies[key] = reply;
        }
    }

    public bool TryGet(SlimName requester, SessionMessageType requestType, uint requestId, out Message reply) =>
        _replies.TryGetValue((requester, requestType, requestId), out reply!);
}
