using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Internal.Reliability;
using Slim.Session.Internal.Security;

namespace Slim.Session.Tests.Internal;

public sealed class CacheTests
{
    private static readonly SlimName A = SlimName.Parse("org/ns/a").WithId(1);
    private static readonly SlimName B = SlimName.Parse("org/ns/b").WithId(2);
    private static readonly SlimName C = SlimName.Parse("org/ns/c").WithId(3);

    [Fact]
    public void Replay_cache_rejects_a_repeated_id_per_sender_and_type()
    {
        var cache = new ReplayCache(100, 1000);
        Assert.True(cache.TryRecord(A, SessionMessageType.GroupUpdate, 7));
        Assert.False(cache.TryRecord(A, SessionMessageType.GroupUpdate, 7));
        Assert.True(cache.TryRecord(B, SessionMessageType.GroupUpdate, 7));
        Assert.True(cache.TryRecord(A, SessionMessageType.GroupAck, 7));
    }

    [Fact]
    public void Replay_cache_forgets_the_oldest_ids_and_the_least_recently_seen_senders()
    {
        var cache = new ReplayCache(2, 3);
        for (var id = 1u; id <= 4; id++)
        {
            Assert.True(cache.TryRecord(A, SessionMessageType.Heartbeat, id));
        }

        Assert.True(cache.TryRecord(A, SessionMessageType.Heartbeat, 1));
        Assert.False(cache.TryRecord(A, SessionMessageType.Heartbeat, 4));

        Assert.True(cache.TryRecord(B, SessionMessageType.Heartbeat, 9));
        Assert.False(cache.TryRecord(A, SessionMessageType.Heartbeat, 4));
        Assert.True(cache.TryRecord(C, SessionMessageType.Heartbeat, 9));

        // B was the least recently used sender: forgotten when C arrived.
        Assert.True(cache.TryRecord(B, SessionMessageType.Heartbeat, 9));
    }

    [Fact]
    public void Reply_cache_returns_the_reply_of_a_request_and_evicts_the_oldest()
    {
        var cache = new ReplyCache(2);
        var reply = new Message();
        cache.Add(A, SessionMessageType.GroupWelcome, 1, reply);
        cache.Add(A, SessionMessageType.GroupUpdate, 2, new Message());
        Assert.True(cache.TryGet(A, SessionMessageType.GroupWelcome, 1, out var found));
        Assert.Same(reply, found);
        Assert.False(cache.TryGet(B, SessionMessageType.GroupWelcome, 1, out _));
        cache.Add(B, SessionMessageType.LeaveRequest, 3, new Message());
        Assert.False(cache.TryGet(A, SessionMessageType.GroupWelcome, 1, out _));
    }

    [Fact]
    public void Producer_buffer_keeps_the_last_capacity_ids()
    {
        var buffer = new ProducerBuffer<string>(4);
        for (var id = 1u; id <= 6; id++)
        {
            buffer.Add(id, $"m{id}");
        }

        Assert.False(buffer.TryGet(1, out _));
        Assert.False(buffer.TryGet(2, out _));
        Assert.True(buffer.TryGet(3, out var three));
        Assert.Equal("m3", three);
        Assert.True(buffer.TryGet(6, out _));
        Assert.False(buffer.TryGet(7, out _));
    }

    [Fact]
    public void Recent_ids_drop_repeats_within_capacity()
    {
        var recent = new RecentIds(2);
        Assert.True(recent.Add(5));
        Assert.False(recent.Add(5));
        Assert.True(recent.Add(6));
        Assert.True(recent.Add(7));
        Assert.True(recent.Add(5));
    }

    [Fact]
    public void Message_id_arithmetic_wraps_at_the_largest_publish_id()
    {
        Assert.Equal(0u, MessageIds.Next(SlimConstants.MaxPublishId));
        Assert.Equal(2u, MessageIds.Next(1));
        Assert.Equal(2u, MessageIds.Distance(SlimConstants.MaxPublishId, 1));
        Assert.True(MessageIds.Distance(5, 3) >= MessageIds.HalfRing);
        Assert.False(MessageIds.IsSequenced(SlimConstants.PublishToIdMin));
    }
}
