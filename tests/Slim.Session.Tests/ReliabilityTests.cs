using System.Text;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Tests.Fakes;
using Slim.Testing;

namespace Slim.Session.Tests;

public sealed class ReliabilityTests
{
    private static readonly SessionConfig Reliable = SessionConfig.ForPointToPoint(TimeSpan.FromSeconds(1), 5);

    private static async Task<(TestApp Alice, SessionHandle AliceSession, TestApp Bob, SessionHandle BobSession)> PairAsync(
        SessionTestNetwork net, SessionConfig config, SessionLayerOptions? aliceOptions = null)
    {
        var alice = net.AddApp("org/ns/alice", aliceOptions);
        var bob = net.AddApp("org/ns/bob");
        var aliceSession = await net.RunAsync(alice.Layer.CreateSessionAsync(config, bob.Prefix));
        var bobSession = await bob.Layer.ListenForSessionAsync().WithTimeout();
        return (alice, aliceSession, bob, bobSession);
    }

    [Fact]
    public async Task A_lost_message_is_retransmitted_to_the_endpoint_that_did_not_ack()
    {
        await using var net = new SessionTestNetwork();
        var (moderator, session, members) = await GroupSessionTests.CreateGroupAsync(net, 2);
        var (c1, s1) = members[0];
        var (c2, s2) = members[1];

        // c2 misses message 1 the first time.
        net.Router.DropNext(m => m.GetSessionMessageType() == SessionMessageType.Msg && m.Publish.Header.IncomingConn == c2.Transport.Connection.Id);
        var sending = session.PublishAndWaitAsync(Encoding.UTF8.GetBytes("m1"));
        await net.RunAsync(sending);

        var copies = moderator.Sent.Where(r => r.Type == SessionMessageType.Msg).ToList();
        Assert.Equal(2, copies.Count);
        Assert.True(copies[0].Destination.HasSamePrefix(GroupSessionTests.Channel));
        Assert.Equal(c2.Name, copies[1].Destination);
        Assert.Equal(256u, copies[1].Message.Publish.Header.Fanout);
        Assert.Equal(1u, copies[1].MessageId);
        Assert.Equal("m1", Encoding.UTF8.GetString((await s2.GetMessageAsync().WithTimeout()).Payload.Span));
        Assert.Equal("m1", Encoding.UTF8.GetString((await s1.GetMessageAsync().WithTimeout()).Payload.Span));
        Assert.False(s1.TryGetMessage(out _));
    }

    [Fact]
    public async Task A_gap_is_filled_by_a_retransmission_request_and_delivery_stays_in_order()
    {
        await using var net = new SessionTestNetwork();
        var (alice, aliceSession, bob, bobSession) = await PairAsync(net, Reliable);

        net.Router.DropNext(m => m.GetSessionMessageType() == SessionMessageType.Msg && m.Publish.Session.MessageId == 1);
        await aliceSession.PublishAsync(Encoding.UTF8.GetBytes("one")).WithTimeout();
        await aliceSession.PublishAsync(Encoding.UTF8.GetBytes("two")).WithTimeout();
        await net.SettleAsync();

        // "two" arrived first and waited behind the gap; bob asked for 1 at once and alice answered from her buffer.
        var rtx = bob.Sent.Single(r => r.Type == SessionMessageType.RtxRequest);
        Assert.Equal(1u, rtx.MessageId);
        Assert.Equal(alice.Name, rtx.Destination);
        var reply = alice.Sent.Single(r => r.Type == SessionMessageType.RtxReply);
        Assert.Equal(1u, reply.MessageId);
        Assert.Equal(bob.Name, reply.Destination);
        Assert.False(reply.Message.Publish.Header.HasError);

        Assert.Equal("one", Encoding.UTF8.GetString((await bobSession.GetMessageAsync().WithTimeout()).Payload.Span));
        Assert.Equal("two", Encoding.UTF8.GetString((await bobSession.GetMessageAsync().WithTimeout()).Payload.Span));

        // The retransmission request counted as bob's ack: alice does not retransmit message 1 later.
        await net.AdvanceAsync(TimeSpan.FromSeconds(8));
        Assert.Single(alice.Sent, r => r.Type == SessionMessageType.Msg && r.MessageId == 1);
        net.AssertNoErrors();
    }

    [Fact]
    public async Task A_retransmission_request_the_sender_cannot_serve_reports_the_message_lost()
    {
        await using var net = new SessionTestNetwork();
        var (alice, aliceSession, bob, bobSession) = await PairAsync(
            net, Reliable, SessionLayerOptions.Default with { ProducerBufferSize = 2 });

        // Message 1 never reaches bob, and bob's first request for it is lost too: by the time alice sees the second
        // request, her 2-message buffer holds only 3 and 4.
        net.Router.DropNext(m => m.GetSessionMessageType() == SessionMessageType.Msg && m.Publish.Session.MessageId == 1, count: 100);
        net.Router.DropNext(m => m.GetSessionMessageType() == SessionMessageType.RtxRequest);
        for (var i = 1; i <= 4; i++)
        {
            await aliceSession.PublishAsync(Encoding.UTF8.GetBytes($"m{i}")).WithTimeout();
        }

        await net.AdvanceAsync(TimeSpan.FromSeconds(2));
        var miss = alice.Sent.Single(r => r.Type == SessionMessageType.RtxReply);
        Assert.True(miss.Message.Publish.Header.Error);
        Assert.Equal(1u, miss.MessageId);

        var texts = new List<string>();
        while (bobSession.TryGetMessage(out var message))
        {
            texts.Add(Encoding.UTF8.GetString(message.Payload.Span));
        }

        Assert.Equal(["m2", "m3", "m4"], texts);
        Assert.True(bobSession.TryGetNotification(out var notification));
        Assert.Equal(new MessageLostNotification(alice.Name, 1, 1), notification);
    }

    [Fact]
    public async Task Receivers_that_never_ack_fail_the_delivery_and_are_marked_offline()
    {
        await using var net = new SessionTestNetwork();
        var (alice, aliceSession, bob, bobSession) = await PairAsync(net, SessionConfig.ForPointToPoint(TimeSpan.FromSeconds(1), 3));
        net.Router.SetConnected(bob.Transport, false);
        var start = net.Time.GetUtcNow();

        var sending = aliceSession.PublishAndWaitAsync(Encoding.UTF8.GetBytes("into the void"));
        var error = await Assert.ThrowsAsync<SlimSessionException>(() => net.RunAsync(sending));
        Assert.Equal(SlimErrorCode.DeliveryFailed, error.ErrorCode);
        Assert.Equal(TimeSpan.FromSeconds(4), net.Time.GetUtcNow() - start);
        Assert.Equal(4, alice.Sent.Count(r => r.Type == SessionMessageType.Msg));
        Assert.Equal(ParticipantStatus.Offline, aliceSession.Participants.Single(p => p.Name == bob.Name).Status);
        var notifications = new List<SessionNotification>();
        while (aliceSession.TryGetNotification(out var n))
        {
            notifications.Add(n);
        }

        Assert.Contains(new ParticipantStatusNotification(bob.Name, ParticipantStatus.Offline), notifications);
        Assert.Contains(notifications, n => n is DeliveryFailedNotification d && d.Missing.Single() == bob.Name);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Under_random_drops_duplicates_and_reordering_every_message_is_delivered_in_order_or_reported_lost(int seed)
    {
        await using var net = new SessionTestNetwork();
        var (moderator, modSession, members) = await GroupSessionTests.CreateGroupAsync(net, 3);
        var sessions = new List<(TestApp App, SessionHandle Session)> { (moderator, modSession) };
        sessions.AddRange(members);

        const int PerSender = 25;
        await net.SendUnderDataFaultsAsync(sessions, seed, PerSender);

        var totalLost = 0u;
        foreach (var (receiver, session) in sessions)
        {
            var delivered = new Dictionary<SlimName, List<uint>>();
            while (session.TryGetMessage(out var message))
            {
                if (!delivered.TryGetValue(message.Source, out var ids))
                {
                    delivered[message.Source] = ids = [];
                }

                ids.Add(message.MessageId);
            }

            var lost = new Dictionary<SlimName, List<uint>>();
            while (session.TryGetNotification(out var notification))
            {
                if (notification is MessageLostNotification l)
                {
                    if (!lost.TryGetValue(l.Source, out var ids))
                    {
                        lost[l.Source] = ids = [];
                    }

                    ids.AddRange(Enumerable.Range((int)l.FirstMessageId, (int)l.Count).Select(i => (uint)i));
                    totalLost += l.Count;
                }
            }

            foreach (var (sender, _) in sessions.Where(s => s.App != receiver))
            {
                var got = delivered.GetValueOrDefault(sender.Name) ?? [];
                var missing = lost.GetValueOrDefault(sender.Name) ?? [];
                Assert.True(got.SequenceEqual(got.Order()), $"{receiver} got {sender}'s messages out of order: {string.Join(",", got)}");
                Assert.Equal(got.Count, got.Distinct().Count());
                Assert.Empty(got.Intersect(missing));
                Assert.Equal(
                    Enumerable.Range(1, PerSender + 1).Select(i => (uint)i),
                    got.Concat(missing).Order());
            }
        }

        // Losses need every retransmission path to fail; with these rates they are rare.
        Assert.True(totalLost < 5, $"{totalLost} messages lost");
        net.AssertNoErrors();
    }

    [Fact]
    public async Task A_group_can_be_set_up_used_and_deleted_while_every_message_may_be_dropped_duplicated_or_reordered()
    {
        await using var net = new SessionTestNetwork();
        net.Router.Faults = new FaultOptions(42) { Drop = 0.1, Duplicate = 0.1, Reorder = 0.1 };
        var (moderator, modSession, members) = await GroupSessionTests.CreateGroupAsync(net, 3);
        Assert.Equal(4, modSession.Participants.Count);
        foreach (var (_, session) in members)
        {
            await session.PublishAsync(Encoding.UTF8.GetBytes("hi")).WithTimeout();
        }

        await net.AdvanceAsync(TimeSpan.FromSeconds(8));
        var atModerator = new List<SlimName>();
        while (modSession.TryGetMessage(out var message))
        {
            atModerator.Add(message.Source);
        }

        Assert.True(members.Select(m => m.App.Name).ToHashSet().SetEquals(atModerator), net.Describe(200));
        await net.RunAsync(modSession.RemoveAsync(members[0].App.Prefix));
        await net.RunAsync(modSession.CloseAsync());
        foreach (var (_, session) in members)
        {
            Assert.NotEqual(SessionCloseReason.None, await net.RunAsync(session.Completion));
        }

        Assert.True(net.Router.FaultCount.Dropped > 0 && net.Router.FaultCount.Duplicated > 0 && net.Router.FaultCount.Reordered > 0);
        net.AssertNoErrors();
    }
}
