using System.Text;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Tests.Fakes;
using Slim.Testing;

namespace Slim.Session.Tests;

public sealed class PointToPointTests
{
    private static readonly SessionConfig Reliable = SessionConfig.ForPointToPoint(TimeSpan.FromSeconds(1), 5);

    [Fact]
    public async Task Moderator_discovers_joins_and_welcomes_the_peer_then_both_exchange_messages()
    {
        await using var net = new SessionTestNetwork();
        var alice = net.AddApp("org/ns/alice");
        var bob = net.AddApp("org/ns/bob");

        var created = alice.Layer.CreateSessionAsync(Reliable, bob.Prefix);
        var aliceSession = await net.RunAsync(created);
        var bobSession = await bob.Layer.ListenForSessionAsync().WithTimeout();

        Assert.Equal(aliceSession.Id, bobSession.Id);
        Assert.Equal(SessionKind.PointToPoint, bobSession.Kind);
        Assert.True(aliceSession.IsModerator);
        Assert.False(bobSession.IsModerator);
        Assert.Equal(bob.Name, aliceSession.Destination);
        Assert.Equal(alice.Name, bobSession.Destination);
        Assert.Equal(SessionState.Active, aliceSession.State);
        Assert.Equal(SessionState.Active, bobSession.State);
        Assert.Equal(1000, bobSession.Interval!.Value.TotalMilliseconds);
        Assert.Equal(5, bobSession.MaxRetries);

        // The handshake on the wire: discovery to the NULL-id name, everything else to full names, fanout 1.
        var types = net.Router.Sent.Where(r => r.IsPublish).Select(r => r.Type).ToList();
        Assert.Equal(
            [SessionMessageType.DiscoveryRequest, SessionMessageType.DiscoveryReply, SessionMessageType.JoinRequest,
             SessionMessageType.JoinReply, SessionMessageType.GroupWelcome, SessionMessageType.GroupAck],
            types);
        var sent = net.Router.Sent.Where(r => r.IsPublish).ToList();
        Assert.True(sent[0].Destination.IsAnyInstance);
        Assert.All(sent, r => Assert.Equal(1u, r.Message.Publish.Header.Fanout));
        Assert.All(sent.Skip(1), r => Assert.False(r.Destination.IsAnyInstance));
        Assert.All(sent, r => Assert.True(r.Message.Publish.Header.HasE2EHeaderSig));
        var join = sent[2].Message.Publish.Msg.CommandPayload.JoinRequest;
        Assert.Equal(1000u, join.TimerSettings.Timeout);
        Assert.Null(join.Channel);
        Assert.Null(join.MlsSettings);

        await aliceSession.PublishAsync(Encoding.UTF8.GetBytes("hello bob"), "text/plain", new Dictionary<string, string> { ["k"] = "v" }).WithTimeout();
        await bobSession.PublishAsync(Encoding.UTF8.GetBytes("hello alice"), "text/plain").WithTimeout();
        await net.SettleAsync();

        var atBob = await bobSession.GetMessageAsync().WithTimeout();
        Assert.Equal("hello bob", Encoding.UTF8.GetString(atBob.Payload.Span));
        Assert.Equal("text/plain", atBob.PayloadType);
        Assert.Equal("v", atBob.Metadata["k"]);
        Assert.Equal(alice.Name, atBob.Source);
        Assert.Equal(1u, atBob.MessageId);
        var atAlice = await aliceSession.GetMessageAsync().WithTimeout();
        Assert.Equal("hello alice", Encoding.UTF8.GetString(atAlice.Payload.Span));
        Assert.Equal(bob.Name, atAlice.Source);

        // Data goes to the peer's full name with fanout 1 and is acknowledged.
        var msgs = net.Router.Sent.Where(r => r.Type == SessionMessageType.Msg).ToList();
        Assert.All(msgs, r => Assert.Equal(1u, r.Message.Publish.Header.Fanout));
        Assert.Contains(msgs, r => r.App == alice.Name && r.Destination == bob.Name);
        Assert.Equal(2, net.Router.Sent.Count(r => r.Type == SessionMessageType.MsgAck));
        net.AssertNoErrors();
    }

    [Fact]
    public async Task Best_effort_session_sends_no_acks()
    {
        await using var net = new SessionTestNetwork();
        var alice = net.AddApp("org/ns/alice");
        var bob = net.AddApp("org/ns/bob");
        var aliceSession = await net.RunAsync(alice.Layer.CreateSessionAsync(SessionConfig.Default, bob.Prefix));
        var bobSession = await bob.Layer.ListenForSessionAsync().WithTimeout();
        Assert.Null(bobSession.Interval);

        for (var i = 0; i < 3; i++)
        {
            await aliceSession.PublishAsync(new byte[] { (byte)i }).WithTimeout();
        }

        await net.SettleAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(i, (await bobSession.GetMessageAsync().WithTimeout()).Payload.Span[0]);
        }

        Assert.DoesNotContain(net.Router.Sent, r => r.Type == SessionMessageType.MsgAck);
        Assert.Null(net.Router.Sent.First(r => r.Type == SessionMessageType.JoinRequest).Message.Publish.Msg.CommandPayload.JoinRequest.TimerSettings);
        net.AssertNoErrors();
    }

    [Fact]
    public async Task Participant_leaving_closes_the_session_on_both_sides()
    {
        await using var net = new SessionTestNetwork();
        var alice = net.AddApp("org/ns/alice");
        var bob = net.AddApp("org/ns/bob");
        var aliceSession = await net.RunAsync(alice.Layer.CreateSessionAsync(Reliable, bob.Prefix));
        var bobSession = await bob.Layer.ListenForSessionAsync().WithTimeout();

        await net.RunAsync(bobSession.CloseAsync());
        Assert.Equal(SessionCloseReason.ClosedLocally, await bobSession.Completion.WithTimeout());
        Assert.Equal(SessionCloseReason.PeerLeft, await aliceSession.Completion.WithTimeout());
        var leave = net.Router.Sent.Single(r => r.Type == SessionMessageType.LeaveRequest);
        Assert.Equal(bob.Name, leave.App);
        Assert.True(leave.Message.HasFlag(SlimConstants.MetadataLeavingSession));
        Assert.Single(net.Router.Sent, r => r.Type == SessionMessageType.LeaveReply);
        Assert.Empty(alice.Layer.Sessions);
        Assert.Empty(bob.Layer.Sessions);

        var closed = await Assert.ThrowsAsync<SlimSessionException>(() => bobSession.GetMessageAsync().AsTask()).WithTimeout();
        Assert.Equal(SlimErrorCode.SessionClosed, closed.ErrorCode);
        net.AssertNoErrors();
    }

    [Fact]
    public async Task Moderator_closing_sends_group_close_to_the_null_id_peer_name()
    {
        await using var net = new SessionTestNetwork();
        var alice = net.AddApp("org/ns/alice");
        var bob = net.AddApp("org/ns/bob");
        var aliceSession = await net.RunAsync(alice.Layer.CreateSessionAsync(Reliable, bob.Prefix));
        var bobSession = await bob.Layer.ListenForSessionAsync().WithTimeout();

        await net.RunAsync(aliceSession.CloseAsync());
        Assert.Equal(SessionCloseReason.ClosedByModerator, await bobSession.Completion.WithTimeout());
        var close = net.Router.Sent.Single(r => r.Type == SessionMessageType.GroupClose);
        Assert.True(close.Destination.IsAnyInstance);
        Assert.Equal(256u, close.Message.Publish.Header.Fanout);
        Assert.Equal(
            new HashSet<SlimName> { alice.Name, bob.Name },
            close.Message.Publish.Msg.CommandPayload.GroupClose.Participants.Select(SlimName.FromWire).ToHashSet());
        Assert.Equal(close.MessageId, net.Router.Sent.Single(r => r.Type == SessionMessageType.GroupAck && r.App == bob.Name && r.MessageId == close.MessageId).MessageId);
        net.AssertNoErrors();
    }

    [Fact]
    public async Task Creating_a_session_with_nobody_answering_times_out_after_the_retries()
    {
        await using var net = new SessionTestNetwork();
        var alice = net.AddApp("org/ns/alice");
        var config = SessionConfig.ForPointToPoint(TimeSpan.FromSeconds(1), 3);
        var start = net.Time.GetUtcNow();

        var error = await Assert.ThrowsAsync<SlimSessionException>(() => net.RunAsync(alice.Layer.CreateSessionAsync(config, SlimName.Parse("org/ns/nobody"))));
        Assert.Equal(SlimErrorCode.SessionTimeout, error.ErrorCode);
        Assert.Equal(TimeSpan.FromSeconds(4), net.Time.GetUtcNow() - start);
        Assert.Equal(4, alice.Sent.Count(r => r.Type == SessionMessageType.DiscoveryRequest));
        Assert.Empty(alice.Layer.Sessions);
    }
}
