using System.Text;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Tests.Fakes;
using Slim.Testing;

namespace Slim.Session.Tests;

public sealed class GroupSessionTests
{
    internal static readonly SessionConfig GroupConfig = SessionConfig.ForGroup(TimeSpan.FromSeconds(1), 5);
    internal static readonly SlimName Channel = SlimName.Parse("org/ns/chat");

    /// <summary>A moderator and <paramref name="count"/> invited participants, with their session handles.</summary>
    internal static async Task<(TestApp Moderator, SessionHandle ModeratorSession, List<(TestApp App, SessionHandle Session)> Members)>
        CreateGroupAsync(SessionTestNetwork net, int count, SessionConfig? config = null)
    {
        var moderator = net.AddApp("org/ns/moderator");
        var members = Enumerable.Range(1, count).Select(i => net.AddApp($"org/ns/client-{i}")).ToList();
        var session = await moderator.Layer.CreateSessionAsync(config ?? GroupConfig, Channel).WithTimeout();
        var joined = new List<(TestApp, SessionHandle)>();
        foreach (var member in members)
        {
            await net.RunAsync(session.InviteAsync(member.Prefix));
            joined.Add((member, await member.Layer.ListenForSessionAsync().WithTimeout()));
        }

        return (moderator, session, joined);
    }

    internal static async Task<List<string>> DrainAsync(SessionHandle session)
    {
        var texts = new List<string>();
        while (session.TryGetMessage(out var message))
        {
            texts.Add(Encoding.UTF8.GetString(message.Payload.Span));
        }

        return await Task.FromResult(texts);
    }

    [Fact]
    public async Task Moderator_and_three_participants_invite_exchange_reply_directly_remove_leave_and_delete()
    {
        await using var net = new SessionTestNetwork();
        var (moderator, modSession, members) = await CreateGroupAsync(net, 3);
        var (c1, s1) = members[0];
        var (c2, s2) = members[1];
        var (c3, s3) = members[2];

        // Everyone sees the full roster.
        foreach (var session in new[] { modSession, s1, s2, s3 })
        {
            Assert.Equal(
                new HashSet<SlimName> { moderator.Name, c1.Name, c2.Name, c3.Name },
                session.Participants.Select(p => p.Name).ToHashSet());
            Assert.Single(session.Participants, p => p.IsModerator);
            Assert.All(session.Participants, p => Assert.Equal(ParticipantStatus.Online, p.Status));
        }

        // The invites: the second and third ones announce the newcomer to the existing members with GROUP_UPDATE(ADD).
        var adds = net.Router.Sent.Where(r => r.Type == SessionMessageType.GroupUpdate).ToList();
        Assert.Equal(2, adds.Count);
        Assert.All(adds, a => Assert.Equal(GroupUpdateOp.Add, a.Message.Publish.Msg.CommandPayload.GroupUpdate.Op));
        Assert.All(adds, a => Assert.Equal(256u, a.Message.Publish.Header.Fanout));
        Assert.Equal([3, 4], adds.Select(a => a.Message.Publish.Msg.CommandPayload.GroupUpdate.Participants.Count));

        // Channels: every participant subscribed the data and control channel names given in the join request.
        var join = net.Router.Sent.First(r => r.Type == SessionMessageType.JoinRequest).Message.Publish.Msg.CommandPayload.JoinRequest;
        var data = SlimName.FromWire(join.Channel);
        var control = SlimName.FromWire(join.Control);
        Assert.NotEqual(data, control);
        Assert.True(data.HasSamePrefix(Channel) && control.HasSamePrefix(Channel));
        foreach (var app in new[] { moderator, c1, c2, c3 })
        {
            Assert.True(net.Router.IsSubscribed(app.Transport, data), $"{app} data");
            Assert.True(net.Router.IsSubscribed(app.Transport, control), $"{app} control");
        }

        // Messages all ways.
        await modSession.PublishAsync(Encoding.UTF8.GetBytes("from moderator")).WithTimeout();
        await s1.PublishAsync(Encoding.UTF8.GetBytes("from c1")).WithTimeout();
        await s2.PublishAsync(Encoding.UTF8.GetBytes("from c2")).WithTimeout();
        await s3.PublishAndWaitAsync(Encoding.UTF8.GetBytes("from c3")).WithTimeout();
        await net.SettleAsync();
        Assert.Equal(["from c1", "from c2", "from c3"], (await DrainAsync(modSession)).Order());
        Assert.Equal(["from c2", "from c3", "from moderator"], (await DrainAsync(s1)).Order());
        Assert.Equal(["from c1", "from c3", "from moderator"], (await DrainAsync(s2)).Order());
        Assert.Equal(["from c1", "from c2", "from moderator"], (await DrainAsync(s3)).Order());

        // publish_to: c2 answers c1 only.
        var directId = await s2.PublishToAndWaitAsync(c1.Name, Encoding.UTF8.GetBytes("just for c1")).WithTimeout();
        await net.SettleAsync();
        Assert.True(directId >= SlimConstants.PublishToIdMin);
        var direct = await s1.GetMessageAsync().WithTimeout();
        Assert.True(direct.IsDirect);
        Assert.Equal("just for c1", Encoding.UTF8.GetString(direct.Payload.Span));
        Assert.Empty(await DrainAsync(modSession));
        Assert.Empty(await DrainAsync(s3));
        var directMsg = net.Router.Sent.Single(r => r.Type == SessionMessageType.Msg && r.MessageId == directId);
        Assert.Equal(1u, directMsg.Message.Publish.Header.Fanout);
        Assert.Equal(c1.Name, directMsg.Destination);
        Assert.True(directMsg.Message.HasFlag(SlimConstants.MetadataPublishTo));
        Assert.True(net.Router.Sent.Single(r => r.Type == SessionMessageType.MsgAck && r.MessageId == directId).Message.HasFlag(SlimConstants.MetadataPublishTo));
        var unknown = await Assert.ThrowsAsync<SlimSessionException>(() => s2.PublishToAsync(SlimName.Parse("org/ns/stranger"), new byte[1]).AsTask()).WithTimeout();
        Assert.Equal(SlimErrorCode.UnknownDestination, unknown.ErrorCode);

        // Remove c2: REMOVE update to the group, then LEAVE_REQUEST to c2.
        await net.RunAsync(modSession.RemoveAsync(c2.Prefix));
        Assert.Equal(SessionCloseReason.Removed, await s2.Completion.WithTimeout());
        var remove = net.Router.Sent.Last(r => r.Type == SessionMessageType.GroupUpdate).Message.Publish.Msg.CommandPayload.GroupUpdate;
        Assert.Equal(GroupUpdateOp.Remove, remove.Op);
        Assert.Equal(c2.Name, SlimName.FromWire(remove.Participant.Name));
        Assert.Equal(4, remove.Participants.Count);
        Assert.Equal(c2.Name, net.Router.Sent.Single(r => r.Type == SessionMessageType.LeaveRequest).Destination);
        Assert.False(net.Router.IsSubscribed(c2.Transport, data));
        foreach (var session in new[] { modSession, s1, s3 })
        {
            Assert.DoesNotContain(session.Participants, p => p.Name == c2.Name);
        }

        // c3 leaves on its own: the moderator replies, and tells the others.
        await net.RunAsync(s3.CloseAsync());
        Assert.Equal(SessionCloseReason.ClosedLocally, await s3.Completion.WithTimeout());
        var voluntary = net.Router.Sent.Last(r => r.Type == SessionMessageType.LeaveRequest);
        Assert.Equal(c3.Name, voluntary.App);
        Assert.True(voluntary.Message.HasFlag(SlimConstants.MetadataLeavingSession));
        await net.SettleAsync();
        Assert.Equal(new HashSet<SlimName> { moderator.Name, c1.Name }, modSession.Participants.Select(p => p.Name).ToHashSet());
        Assert.Equal(new HashSet<SlimName> { moderator.Name, c1.Name }, s1.Participants.Select(p => p.Name).ToHashSet());
        Assert.False(net.Router.IsSubscribed(c3.Transport, control));

        // Delete: GROUP_CLOSE on the control channel; c1 closes.
        await net.RunAsync(modSession.CloseAsync());
        Assert.Equal(SessionCloseReason.ClosedByModerator, await s1.Completion.WithTimeout());
        Assert.Equal(SessionCloseReason.ClosedLocally, await modSession.Completion.WithTimeout());
        var close = net.Router.Sent.Single(r => r.Type == SessionMessageType.GroupClose);
        Assert.Equal(control, close.Destination);
        Assert.Equal(256u, close.Message.Publish.Header.Fanout);
        foreach (var app in new[] { moderator, c1 })
        {
            Assert.False(net.Router.IsSubscribed(app.Transport, data));
            Assert.False(net.Router.IsSubscribed(app.Transport, control));
            Assert.Empty(app.Layer.Sessions);
        }

        net.AssertNoErrors();
    }

    [Fact]
    public async Task Moderator_task_errors_are_typed()
    {
        await using var net = new SessionTestNetwork();
        var (moderator, modSession, members) = await CreateGroupAsync(net, 1);
        var (c1, s1) = members[0];

        var again = await Assert.ThrowsAsync<SlimSessionException>(() => net.RunAsync(modSession.InviteAsync(c1.Prefix)));
        Assert.Equal(SlimErrorCode.ParticipantAlreadyInGroup, again.ErrorCode);

        var notFound = await Assert.ThrowsAsync<SlimSessionException>(() => net.RunAsync(modSession.RemoveAsync(SlimName.Parse("org/ns/ghost"))));
        Assert.Equal(SlimErrorCode.ParticipantNotFound, notFound.ErrorCode);

        var notModerator = await Assert.ThrowsAsync<SlimSessionException>(() => s1.InviteAsync(moderator.Prefix));
        Assert.Equal(SlimErrorCode.NotModerator, notModerator.ErrorCode);

        var nobody = await Assert.ThrowsAsync<SlimSessionException>(() => net.RunAsync(modSession.InviteAsync(SlimName.Parse("org/ns/nobody"))));
        Assert.Equal(SlimErrorCode.SessionTimeout, nobody.ErrorCode);

        await using var p2pNet = new SessionTestNetwork();
        var a = p2pNet.AddApp("org/ns/a");
        var b = p2pNet.AddApp("org/ns/b");
        var p2p = await p2pNet.RunAsync(a.Layer.CreateSessionAsync(SessionConfig.Default, b.Prefix));
        var cannot = await Assert.ThrowsAsync<SlimSessionException>(() => p2p.InviteAsync(SlimName.Parse("org/ns/c")));
        Assert.Equal(SlimErrorCode.CannotInviteToPointToPoint, cannot.ErrorCode);

        await net.RunAsync(modSession.CloseAsync());
        var closed = await Assert.ThrowsAsync<SlimSessionException>(() => modSession.PublishAsync(new byte[1]).AsTask()).WithTimeout();
        Assert.Equal(SlimErrorCode.SessionClosed, closed.ErrorCode);
        var closedInvite = await Assert.ThrowsAsync<SlimSessionException>(() => modSession.InviteAsync(SlimName.Parse("org/ns/x"))).WithTimeout();
        Assert.Equal(SlimErrorCode.SessionClosed, closedInvite.ErrorCode);
    }

    [Fact]
    public async Task Moderator_tasks_run_one_at_a_time_in_order()
    {
        await using var net = new SessionTestNetwork();
        var moderator = net.AddApp("org/ns/moderator");
        var apps = Enumerable.Range(1, 3).Select(i => net.AddApp($"org/ns/client-{i}")).ToList();
        var session = await moderator.Layer.CreateSessionAsync(GroupConfig, Channel).WithTimeout();

        var invites = apps.Select(a => session.InviteAsync(a.Prefix)).ToList();
        await net.RunAsync(Task.WhenAll(invites));

        // Each invite's discovery starts only after the previous invite's welcome was acknowledged.
        var sequence = moderator.Sent.Where(r => r.Type is SessionMessageType.DiscoveryRequest or SessionMessageType.GroupWelcome).ToList();
        Assert.Equal(6, sequence.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(SessionMessageType.DiscoveryRequest, sequence[2 * i].Type);
            Assert.Equal(apps[i].Prefix, sequence[2 * i].Destination);
            Assert.Equal(SessionMessageType.GroupWelcome, sequence[(2 * i) + 1].Type);
            Assert.Equal(apps[i].Name, sequence[(2 * i) + 1].Destination);
        }

        Assert.Equal(4, session.Participants.Count);
    }

    [Fact]
    public async Task Messages_published_before_the_first_invite_are_delivered_once_a_member_joins()
    {
        await using var net = new SessionTestNetwork();
        var moderator = net.AddApp("org/ns/moderator");
        var c1 = net.AddApp("org/ns/client-1");
        var session = await moderator.Layer.CreateSessionAsync(GroupConfig, Channel).WithTimeout();
        var early = session.PublishAndWaitAsync(Encoding.UTF8.GetBytes("early"));
        await net.SettleAsync();
        Assert.DoesNotContain(net.Router.Sent, r => r.Type == SessionMessageType.Msg);

        await net.RunAsync(session.InviteAsync(c1.Prefix));
        var s1 = await c1.Layer.ListenForSessionAsync().WithTimeout();
        Assert.Equal(1u, await net.RunAsync(early));
        Assert.Equal("early", Encoding.UTF8.GetString((await s1.GetMessageAsync().WithTimeout()).Payload.Span));
    }
}
