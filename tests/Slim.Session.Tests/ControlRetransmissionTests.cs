using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Tests.Fakes;
using Slim.Testing;

namespace Slim.Session.Tests;

public sealed class ControlRetransmissionTests
{
    [Fact]
    public async Task A_lost_ack_makes_the_moderator_resend_the_welcome_verbatim_and_the_participant_answers_again()
    {
        await using var net = new SessionTestNetwork();
        var moderator = net.AddApp("org/ns/moderator");
        var c1 = net.AddApp("org/ns/client-1");
        var session = await moderator.Layer.CreateSessionAsync(GroupSessionTests.GroupConfig, GroupSessionTests.Channel).WithTimeout();
        net.Router.DropNext(m => m.GetSessionMessageType() == SessionMessageType.GroupAck);
        var start = net.Time.GetUtcNow();

        await net.RunAsync(session.InviteAsync(c1.Prefix));
        Assert.Equal(TimeSpan.FromSeconds(1), net.Time.GetUtcNow() - start);
        var welcomes = moderator.Sent.Where(r => r.Type == SessionMessageType.GroupWelcome).ToList();
        Assert.Equal(2, welcomes.Count);
        Assert.Equal(welcomes[0].Message, welcomes[1].Message);

        // The retransmission was answered from the reply cache, not processed twice.
        var acks = c1.Sent.Where(r => r.Type == SessionMessageType.GroupAck).ToList();
        Assert.Equal(2, acks.Count);
        Assert.Equal(welcomes[0].MessageId, acks[1].MessageId);
        Assert.Equal(2, c1.Sent.Count(r => !r.IsPublish));
        var s1 = await c1.Layer.ListenForSessionAsync().WithTimeout();
        Assert.Equal(2, s1.Participants.Count);
        Assert.False(c1.Layer.ReadIncomingSessionsAsync().GetAsyncEnumerator().MoveNextAsync().AsTask().IsCompleted);
        net.AssertNoErrors();
    }

    [Fact]
    public async Task An_invite_whose_welcome_is_never_acknowledged_fails_after_the_retries()
    {
        await using var net = new SessionTestNetwork();
        var moderator = net.AddApp("org/ns/moderator");
        var c1 = net.AddApp("org/ns/client-1");
        var config = SessionConfig.ForGroup(TimeSpan.FromMilliseconds(500), 3);
        var session = await moderator.Layer.CreateSessionAsync(config, GroupSessionTests.Channel).WithTimeout();
        net.Router.DropNext(
            m => m.GetSessionMessageType() == SessionMessageType.GroupWelcome && m.Publish.Header.IncomingConn == c1.Transport.Connection.Id,
            count: 100);
        var start = net.Time.GetUtcNow();

        var error = await Assert.ThrowsAsync<SlimSessionException>(() => net.RunAsync(session.InviteAsync(c1.Prefix)));
        Assert.Equal(SlimErrorCode.SessionTimeout, error.ErrorCode);
        Assert.Equal(TimeSpan.FromSeconds(2), net.Time.GetUtcNow() - start);
        Assert.Equal(4, moderator.Sent.Count(r => r.Type == SessionMessageType.GroupWelcome));
        Assert.Equal(ParticipantStatus.Offline, session.Participants.Single(p => p.Name == c1.Name).Status);

        // The queue goes on: the next task runs.
        var c2 = net.AddApp("org/ns/client-2");
        await net.RunAsync(session.InviteAsync(c2.Prefix));
    }

    [Fact]
    public async Task Existing_members_that_never_ack_the_update_do_not_fail_the_invite_but_are_marked_offline()
    {
        await using var net = new SessionTestNetwork();
        var (moderator, session, members) = await GroupSessionTests.CreateGroupAsync(net, 1);
        var (c1, _) = members[0];
        var c2 = net.AddApp("org/ns/client-2");
        net.Router.DropNext(m => m.GetSessionMessageType() == SessionMessageType.GroupUpdate, count: 100);

        await net.RunAsync(session.InviteAsync(c2.Prefix));
        Assert.Equal(ParticipantStatus.Offline, session.Participants.Single(p => p.Name == c1.Name).Status);
        Assert.Equal(ParticipantStatus.Online, session.Participants.Single(p => p.Name == c2.Name).Status);
        Assert.Equal(6, moderator.Sent.Count(r => r.Type == SessionMessageType.GroupUpdate));
    }

    [Fact]
    public async Task A_removed_participant_whose_leave_reply_was_lost_answers_the_retransmission_from_its_closed_session()
    {
        await using var net = new SessionTestNetwork();
        var (moderator, session, members) = await GroupSessionTests.CreateGroupAsync(net, 2);
        var (c2, s2) = members[1];
        net.Router.DropNext(m => m.GetSessionMessageType() == SessionMessageType.LeaveReply);

        await net.RunAsync(session.RemoveAsync(c2.Prefix));
        Assert.Equal(SessionCloseReason.Removed, await s2.Completion.WithTimeout());
        Assert.Equal(2, moderator.Sent.Count(r => r.Type == SessionMessageType.LeaveRequest));
        Assert.Equal(2, c2.Sent.Count(r => r.Type == SessionMessageType.LeaveReply));
        Assert.Equal(2, session.Participants.Count);
    }

    [Fact]
    public async Task A_participant_leaving_while_the_moderator_is_gone_still_closes_after_its_retries()
    {
        await using var net = new SessionTestNetwork();
        var (moderator, session, members) = await GroupSessionTests.CreateGroupAsync(net, 1);
        var (c1, s1) = members[0];
        net.Router.SetConnected(moderator.Transport, false);

        await net.RunAsync(s1.CloseAsync());
        Assert.Equal(SessionCloseReason.ClosedLocally, await s1.Completion.WithTimeout());
        Assert.Equal(6, c1.Sent.Count(r => r.Type == SessionMessageType.LeaveRequest));
        Assert.Contains(net.LogsAtLeast(Microsoft.Extensions.Logging.LogLevel.Warning), e => e.EventId == 4036);
    }
}
