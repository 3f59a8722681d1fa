using System.Text;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Tests.Fakes;
using Slim.Testing;

namespace Slim.Session.Tests;

public sealed class HeartbeatTests
{
    private static List<SentRecord> Heartbeats(TestApp app) => app.Sent.Where(r => r.Type == SessionMessageType.Heartbeat).ToList();

    [Fact]
    public async Task Idle_members_heartbeat_the_control_channel_every_ten_seconds()
    {
        await using var net = new SessionTestNetwork();
        var (moderator, session, members) = await GroupSessionTests.CreateGroupAsync(net, 2);
        var (c1, _) = members[0];
        var control = SlimName.FromWire(net.Router.Sent.First(r => r.Type == SessionMessageType.JoinRequest).Message.Publish.Msg.CommandPayload.JoinRequest.Control);
        Assert.Empty(Heartbeats(c1));

        await net.AdvanceAsync(TimeSpan.FromSeconds(30));

        // The moderator skips its first tick: the second invite's GROUP_UPDATE went to the control channel since.
        foreach (var (app, expected) in new[] { (moderator, 2), (c1, 3), (members[1].App, 3) })
        {
            var beats = Heartbeats(app);
            Assert.Equal(expected, beats.Count);
            Assert.All(beats, b => Assert.Equal(control, b.Destination));
            Assert.All(beats, b => Assert.Equal(256u, b.Message.Publish.Header.Fanout));
            Assert.All(beats, b => Assert.Equal(ulong.MaxValue, b.Message.Publish.Msg.CommandPayload.Heartbeat.Epoch));
            Assert.All(beats, b => Assert.True(b.Message.Publish.Header.HasE2EHeaderSig));
            Assert.Equal(expected, beats.Select(b => b.MessageId).Distinct().Count());
        }

        // Everyone hears everyone: nobody goes offline.
        Assert.All(session.Participants, p => Assert.Equal(ParticipantStatus.Online, p.Status));
        net.AssertNoErrors();
    }

    [Fact]
    public async Task A_member_that_sent_data_since_the_last_tick_skips_its_heartbeat()
    {
        await using var net = new SessionTestNetwork();
        var (moderator, session, members) = await GroupSessionTests.CreateGroupAsync(net, 1);
        var (c1, s1) = members[0];
        var start = Heartbeats(c1).Count;

        await net.AdvanceAsync(TimeSpan.FromSeconds(5));
        await s1.PublishAsync(Encoding.UTF8.GetBytes("busy")).WithTimeout();
        await net.AdvanceAsync(TimeSpan.FromSeconds(6));
        Assert.Equal(start, Heartbeats(c1).Count);
        await net.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(start + 1, Heartbeats(c1).Count);
    }

    [Fact]
    public async Task Point_to_point_heartbeats_go_to_the_peer()
    {
        await using var net = new SessionTestNetwork();
        var alice = net.AddApp("org/ns/alice");
        var bob = net.AddApp("org/ns/bob");
        await net.RunAsync(alice.Layer.CreateSessionAsync(SessionConfig.Default, bob.Prefix));

        // The handshake's last messages went to the peer (the "group" of a point-to-point session): tick 1 is skipped.
        await net.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(Heartbeats(bob));
        await net.AdvanceAsync(TimeSpan.FromSeconds(10));
        var beat = Assert.Single(Heartbeats(bob));
        Assert.Equal(alice.Name, beat.Destination);
        Assert.Equal(1u, beat.Message.Publish.Header.Fanout);
        Assert.Equal(bob.Name, Assert.Single(Heartbeats(alice)).Destination);
    }

    [Fact]
    public async Task A_silent_member_is_marked_offline_after_three_ticks_and_online_again_on_its_heartbeat()
    {
        await using var net = new SessionTestNetwork();
        var (moderator, session, members) = await GroupSessionTests.CreateGroupAsync(net, 2);
        var (c1, s1) = members[0];
        var (c2, s2) = members[1];

        net.Router.SetConnected(c2.Transport, false);
        await net.AdvanceAsync(TimeSpan.FromSeconds(25));
        Assert.Equal(ParticipantStatus.Online, session.Participants.Single(p => p.Name == c2.Name).Status);
        await net.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(ParticipantStatus.Offline, session.Participants.Single(p => p.Name == c2.Name).Status);
        Assert.Equal(ParticipantStatus.Offline, s1.Participants.Single(p => p.Name == c2.Name).Status);
        Assert.Equal(ParticipantStatus.Online, session.Participants.Single(p => p.Name == c1.Name).Status);
        Assert.Contains(Notifications(session), n => n == new ParticipantStatusNotification(c2.Name, ParticipantStatus.Offline));

        // Offline members are no longer awaited: a reliable publish completes with c1's ack alone.
        var sent = session.PublishAndWaitAsync(Encoding.UTF8.GetBytes("still here?"));
        await net.SettleAsync();
        Assert.True(sent.IsCompletedSuccessfully);

        // c2 comes back: its next heartbeat brings it online, and the others answer with their own heartbeat at once.
        net.Router.SetConnected(c2.Transport, true);
        var before = Heartbeats(moderator).Count;
        await net.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(ParticipantStatus.Online, session.Participants.Single(p => p.Name == c2.Name).Status);
        Assert.Equal(ParticipantStatus.Online, s1.Participants.Single(p => p.Name == c2.Name).Status);
        Assert.True(Heartbeats(moderator).Count > before);
        Assert.Contains(Notifications(session), n => n == new ParticipantStatusNotification(c2.Name, ParticipantStatus.Online));
        net.AssertNoErrors();
    }

    [Fact]
    public async Task A_member_announcing_offline_then_online_is_acknowledged_and_tracked()
    {
        await using var net = new SessionTestNetwork();
        var (moderator, session, members) = await GroupSessionTests.CreateGroupAsync(net, 2);
        var (c1, s1) = members[0];
        var (c2, _) = members[1];
        var control = SlimName.FromWire(net.Router.Sent.First(r => r.Type == SessionMessageType.JoinRequest).Message.Publish.Msg.CommandPayload.JoinRequest.Control);

        Message State(ParticipantState state, uint id) => Craft.Command(
            c2.Identity, c2.Name, control, SessionType.Multicast, SessionMessageType.UpdateParticipantState, session.Id, id,
            new CommandPayload { UpdateParticipantState = new UpdateParticipantStatePayload { Participant = c2.Name.ToWire(), NewState = state } },
            fanout: 256);

        await c2.Transport.SendAsync(State(ParticipantState.Offline, 77), CancellationToken.None);
        await net.SettleAsync();
        Assert.Equal(ParticipantStatus.Offline, session.Participants.Single(p => p.Name == c2.Name).Status);
        Assert.Equal(ParticipantStatus.Offline, s1.Participants.Single(p => p.Name == c2.Name).Status);
        var acks = net.Router.Sent.Where(r => r.Type == SessionMessageType.GroupAck && r.MessageId == 77).ToList();
        Assert.Equal(new HashSet<SlimName> { moderator.Name, c1.Name }, acks.Select(a => a.App).ToHashSet());
        Assert.All(acks, a => Assert.Equal(c2.Name, a.Destination));

        await c2.Transport.SendAsync(State(ParticipantState.Online, 78), CancellationToken.None);
        await net.SettleAsync();
        Assert.Equal(ParticipantStatus.Online, session.Participants.Single(p => p.Name == c2.Name).Status);
        Assert.Equal(2, net.Router.Sent.Count(r => r.Type == SessionMessageType.GroupAck && r.MessageId == 78));
    }

    [Fact]
    public async Task A_member_going_offline_softly_is_acknowledged_stops_heartbeating_and_comes_back()
    {
        await using var net = new SessionTestNetwork();
        var (moderator, session, members) = await GroupSessionTests.CreateGroupAsync(net, 2);
        var (c1, s1) = members[0];
        var (c2, s2) = members[1];

        await net.RunAsync(s2.GoOfflineAsync());
        var update = c2.Sent.Single(r => r.Type == SessionMessageType.UpdateParticipantState);
        Assert.Equal(256u, update.Message.Publish.Header.Fanout);
        var payload = update.Message.Publish.Msg.CommandPayload.UpdateParticipantState;
        Assert.Equal(ParticipantState.Offline, payload.NewState);
        Assert.Equal(c2.Name, SlimName.FromWire(payload.Participant));
        Assert.Equal(2, net.Router.Sent.Count(r => r.Type == SessionMessageType.GroupAck && r.MessageId == update.MessageId));
        Assert.Equal(ParticipantStatus.Offline, session.Participants.Single(p => p.Name == c2.Name).Status);

        var before = Heartbeats(c2).Count;
        await net.AdvanceAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(before, Heartbeats(c2).Count);

        await net.RunAsync(s2.GoOnlineAsync());
        Assert.Equal(ParticipantStatus.Online, session.Participants.Single(p => p.Name == c2.Name).Status);
        Assert.Equal(ParticipantStatus.Online, s1.Participants.Single(p => p.Name == c2.Name).Status);
        await net.AdvanceAsync(TimeSpan.FromSeconds(20));
        Assert.True(Heartbeats(c2).Count > before);
        net.AssertNoErrors();
    }

    internal static List<SessionNotification> Notifications(SessionHandle session)
    {
        var list = new List<SessionNotification>();
        while (session.TryGetNotification(out var n))
        {
            list.Add(n);
        }

        return list;
    }
}
