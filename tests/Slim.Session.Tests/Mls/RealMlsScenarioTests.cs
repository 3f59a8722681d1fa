using System.Text;
using Google.Protobuf;
using Slim.Mls.Framing;
using WireFormat = Slim.Mls.Framing.WireFormat;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Tests.Fakes;
using Slim.Testing;

namespace Slim.Session.Tests.Mls;

/// <summary>
/// Point-to-point, heartbeat epochs, rejoin, tampering and faults with real MLS: the session layer and the MLS glue
/// together, on virtual time.
/// </summary>
public sealed class RealMlsScenarioTests
{
    private static string Text(SessionMessage m) => Encoding.UTF8.GetString(m.Payload.Span);

    [Fact]
    public async Task Point_to_point_with_mls_both_ways()
    {
        await using var net = new SessionTestNetwork();
        var mls = new RealMls(net);
        var alice = net.AddApp("org/ns/alice", mls.LayerOptions);
        var bob = net.AddApp("org/ns/bob", mls.LayerOptions);
        var config = SessionConfig.ForPointToPoint(TimeSpan.FromSeconds(1), 5, mlsEnabled: true) with { HeaderIntegrityValidationPercent = 100 };
        var aliceSession = await net.RunAsync(alice.Layer.CreateSessionAsync(config, bob.Prefix));
        var bobSession = await bob.Layer.ListenForSessionAsync().WithTimeout();

        // No GROUP_UPDATE in point-to-point: the Welcome (commit id 1) is all the peer needs.
        Assert.DoesNotContain(net.Router.Sent, r => r.Type == SessionMessageType.GroupUpdate);
        var welcome = net.Router.Sent.Single(r => r.Type == SessionMessageType.GroupWelcome);
        Assert.Equal(1u, welcome.Message.Publish.Msg.CommandPayload.GroupWelcome.Mls.CommitId);
        Assert.Equal(100u, net.Router.Sent.Single(r => r.Type == SessionMessageType.JoinRequest).Message.Publish.Msg.CommandPayload.JoinRequest.MlsSettings.HeaderIntegrityValidationPercent);
        mls.AssertSameEpoch(aliceSession.Id, alice, bob);
        Assert.Equal(1ul, mls.For(bob, bobSession.Id).Epoch);

        await aliceSession.PublishAndWaitAsync(Encoding.UTF8.GetBytes("hello bob")).WithTimeout();
        Assert.Equal("hello bob", Text(await bobSession.GetMessageAsync().WithTimeout()));
        await bobSession.PublishAndWaitAsync(Encoding.UTF8.GetBytes("hello alice")).WithTimeout();
        Assert.Equal("hello alice", Text(await aliceSession.GetMessageAsync().WithTimeout()));
        foreach (var sent in net.Router.Sent.Where(r => r.Type == SessionMessageType.Msg))
        {
            var blob = RealMls.Blob(sent.Message);
            Assert.Equal(WireFormat.PrivateMessage, blob.WireFormat);
            Assert.Equal(HeaderIntegrity.ComputeAad(sent.Message.Publish), blob.PrivateMessage!.AuthenticatedData);
        }

        // Heartbeats to the peer carry the epoch.
        await net.AdvanceAsync(TimeSpan.FromSeconds(20));
        Assert.All(
            net.Router.Sent.Where(r => r.Type == SessionMessageType.Heartbeat),
            b => Assert.Equal(1ul, b.Message.Publish.Msg.CommandPayload.Heartbeat.Epoch));

        await net.RunAsync(aliceSession.CloseAsync());
        Assert.Equal(SessionCloseReason.ClosedByModerator, await bobSession.Completion.WithTimeout());
        net.AssertNoErrors();
    }

    [Fact]
    public async Task Heartbeats_carry_the_current_epoch()
    {
        await using var net = new SessionTestNetwork();
        var (mls, moderator, session, members) = await RealMls.CreateGroupAsync(net, 3);
        await net.AdvanceAsync(TimeSpan.FromSeconds(20));
        var beats = net.Router.Sent.Where(r => r.Type == SessionMessageType.Heartbeat).ToList();
        Assert.Equal(4, beats.Select(b => b.App).Distinct().Count());
        Assert.All(beats, b => Assert.Equal(3ul, b.Message.Publish.Msg.CommandPayload.Heartbeat.Epoch));

        await net.RunAsync(session.RemoveAsync(members[2].App.Prefix));
        var before = net.Router.Sent.Count;
        await net.AdvanceAsync(TimeSpan.FromSeconds(20));
        var later = net.Router.Sent.Skip(before).Where(r => r.Type == SessionMessageType.Heartbeat).ToList();
        Assert.Equal(3, later.Select(b => b.App).Distinct().Count());
        Assert.All(later, b => Assert.Equal(4ul, b.Message.Publish.Msg.CommandPayload.Heartbeat.Epoch));
        mls.AssertSameEpoch(session.Id, moderator, members[0].App, members[1].App);
        net.AssertNoErrors();
    }

    [Fact]
    public async Task A_member_that_missed_a_commit_rejoins_in_one_remove_and_add_commit()
    {
        await using var net = new SessionTestNetwork();
        var (mls, moderator, session, members) = await RealMls.CreateGroupAsync(net, 2);
        var (c1, s1) = members[0];
        var (c2, s2) = members[1];

        // c2 misses the commit adding c3 and stays at epoch 2 while the group moves to 3.
        net.Router.SetConnected(c2.Transport, false);
        var c3 = net.AddApp("org/ns/client-3", mls.LayerOptions);
        await net.RunAsync(session.InviteAsync(c3.Prefix));
        var s3 = await c3.Layer.ListenForSessionAsync().WithTimeout();
        Assert.Equal(3ul, mls.For(moderator, session.Id).Epoch);
        Assert.Equal(2ul, mls.For(c2, session.Id).Epoch);

        // Back online, c2 hears epoch 3 in a heartbeat, sends a REJOIN_REQUEST with a fresh KeyPackage, and is re-added
        // by commit 4 (remove its old leaf + add the new one), which the others apply from GROUP_UPDATE(REJOIN).
        net.Router.SetConnected(c2.Transport, true);
        await net.AdvanceAsync(TimeSpan.FromSeconds(25));
        var request = Assert.Single(c2.Sent, r => r.Type == SessionMessageType.RejoinRequest);
        var keyPackage = Slim.Session.Mls.Internal.MlsGroupSecurity.ReadKeyPackage(request.Message.Publish.Msg.CommandPayload.RejoinRequest.KeyPackage.Span);
        Assert.Equal(c2.Identity.PublicKey.ToArray(), keyPackage.LeafNode.SignatureKey.ToArray());
        var reply = moderator.Sent.Single(r => r.Type == SessionMessageType.RejoinReply);
        Assert.Equal(4u, reply.Message.Publish.Msg.CommandPayload.RejoinReply.CommitId);
        Assert.Equal(WireFormat.Welcome, RealMls.Mls(reply.Message).WireFormat);
        var update = moderator.Sent.Single(r => r.Type == SessionMessageType.GroupUpdate && r.Message.Publish.Msg.CommandPayload.GroupUpdate.Op == GroupUpdateOp.Rejoin);
        var commit = Slim.Mls.Codec.TlsCodec.Deserialize<Slim.Mls.Commits.Commit>(RealMls.Mls(update.Message).PublicMessage!.Content.Content);
        Assert.Equal(
            [typeof(Slim.Mls.Proposals.RemoveProposal), typeof(Slim.Mls.Proposals.AddProposal)],
            commit.Proposals.Select(p => p.Proposal!.GetType()));
        mls.AssertSameEpoch(session.Id, moderator, c1, c2, c3);
        Assert.Equal(4ul, mls.For(c2, session.Id).Epoch);
        Assert.Equal(ParticipantStatus.Online, session.Participants.Single(p => p.Name == c2.Name).Status);

        // And c2 reads the group again, and the group reads c2.
        await s1.PublishAsync(Encoding.UTF8.GetBytes("welcome back")).WithTimeout();
        await s2.PublishAsync(Encoding.UTF8.GetBytes("glad to be back")).WithTimeout();
        await net.SettleAsync();
        Assert.Contains("welcome back", await GroupSessionTests.DrainAsync(s2));
        Assert.Contains("glad to be back", await GroupSessionTests.DrainAsync(s3));
        Assert.Contains("glad to be back", await GroupSessionTests.DrainAsync(session));
        net.AssertNoErrors();
    }

    [Fact]
    public async Task Tampered_ciphertext_is_dropped_without_an_ack_and_the_retransmission_gets_through()
    {
        await using var net = new SessionTestNetwork();
        var (mls, moderator, session, members) = await RealMls.CreateGroupAsync(net, 1);
        var (c1, s1) = members[0];

        // c1 misses the original; a copy with one ciphertext byte flipped arrives instead.
        net.Router.DropNext(m => m.GetSessionMessageType() == SessionMessageType.Msg);
        await session.PublishAsync(Encoding.UTF8.GetBytes("integrity")).WithTimeout();
        await net.SettleAsync();
        var original = net.Router.Sent.Single(r => r.Type == SessionMessageType.Msg).Message;
        var tampered = original.Clone();
        var blob = tampered.Publish.Msg.AppPayload.Blob.ToByteArray();
        blob[^5] ^= 0x01;
        tampered.Publish.Msg.AppPayload.Blob = ByteString.CopyFrom(blob);
        await c1.Layer.OnMessageAsync(tampered).WithTimeout();
        await net.SettleAsync();
        Assert.DoesNotContain(c1.Sent, r => r.Type == SessionMessageType.MsgAck);
        Assert.False(s1.TryGetMessage(out _));
        Assert.Contains(net.Logs, e => e.EventId == 4044 && e.App == c1.Label);

        // The moderator retransmits (re-encrypted) to the member that did not ack; that copy decrypts.
        await net.AdvanceAsync(TimeSpan.FromSeconds(1.5));
        Assert.Equal("integrity", Text(await s1.GetMessageAsync().WithTimeout()));
        Assert.Single(c1.Sent, r => r.Type == SessionMessageType.MsgAck);
        net.AssertNoErrors();
    }

    [Theory]
    [InlineData(100, false)]
    [InlineData(0, true)]
    public async Task A_header_that_differs_from_the_encrypted_aad_is_dropped_when_checked(int percent, bool delivered)
    {
        await using var net = new SessionTestNetwork();
        var (mls, moderator, session, members) = await RealMls.CreateGroupAsync(
            net, 1, RealMls.Group with { HeaderIntegrityValidationPercent = percent });
        var (c1, s1) = members[0];

        // The copy c1 receives decrypts (its keys were never used), but its header now names another identity token
        // than the one the sender authenticated: official SLIM drops it unless the check is off.
        net.Router.DropNext(m => m.GetSessionMessageType() == SessionMessageType.Msg);
        await session.PublishAsync(Encoding.UTF8.GetBytes("who sent this?")).WithTimeout();
        await net.SettleAsync();
        var forged = net.Router.Sent.Single(r => r.Type == SessionMessageType.Msg).Message.Clone();
        forged.Publish.Header.Identity = c1.Identity.GetToken();
        await c1.Layer.OnMessageAsync(forged).WithTimeout();
        await net.SettleAsync();

        Assert.Equal(delivered, s1.TryGetMessage(out _));
        var dropped = net.Logs.Any(e => e.EventId == 4020 && e.App == c1.Label && e.Message.Contains("header_integrity", StringComparison.Ordinal));
        Assert.Equal(!delivered, dropped);
        Assert.Equal(delivered, c1.Sent.Any(r => r.Type == SessionMessageType.MsgAck));
        net.AssertNoErrors();
    }

    [Fact]
    public async Task Handshake_messages_in_the_wrong_place_never_change_the_group()
    {
        await using var net = new SessionTestNetwork();
        var (mls, moderator, session, members) = await RealMls.CreateGroupAsync(net, 2);
        var (c1, s1) = members[0];
        var control = SlimName.FromWire(net.Router.Sent.First(r => r.Type == SessionMessageType.JoinRequest).Message.Publish.Msg.CommandPayload.JoinRequest.Control);
        var security = mls.For(c1, session.Id);
        var epoch = security.Epoch;
        var authenticator = security.Group!.EpochAuthenticator.ToArray();

        // A commit replayed inside a data message: refused as data, the group does not move.
        var commitBytes = RealMls.Mls(net.Router.Sent.Single(r => r.Type == SessionMessageType.GroupUpdate).Message).ToBytes();
        var smuggled = Craft.Data(moderator.Name, c1.Name, SessionType.Multicast, SessionMessageType.Msg, session.Id, 1, commitBytes);
        await c1.Layer.OnMessageAsync(smuggled).WithTimeout();
        await net.SettleAsync();
        Assert.False(s1.TryGetMessage(out _));

        // Application data where a commit belongs (a correctly signed GROUP_UPDATE from the moderator): refused, not acked.
        var data = mls.For(moderator, session.Id).Encrypt("not a commit"u8, []);
        var update = Craft.Command(
            moderator.Identity, moderator.Name, control, SessionType.Multicast, SessionMessageType.GroupUpdate, session.Id, 9001,
            new CommandPayload
            {
                GroupUpdate = new GroupUpdatePayload
                {
                    Op = GroupUpdateOp.Add,
                    Participant = new Participant { Name = SlimName.Parse("org/ns/eve").WithId(7).ToWire() },
                    Mls = new MlsPayload { CommitId = 3, MlsContent = ByteString.CopyFrom(data) },
                },
            },
            256);
        await c1.Layer.OnMessageAsync(update).WithTimeout();
        await net.SettleAsync();
        Assert.DoesNotContain(c1.Sent, r => r.MessageId == 9001);
        Assert.DoesNotContain(s1.Participants, p => p.Name.Service == "eve");

        Assert.Equal(epoch, security.Epoch);
        Assert.Equal(authenticator, security.Group!.EpochAuthenticator.ToArray());
        var rejected = mls.Meters.Measurements("slim.session.mls.rejected");
        Assert.Contains(rejected, m => m.Tags["slim.session.mls.operation"] as string == "decrypt" && m.Tags["slim.mls.error"] as string == "WrongWireFormat");
        Assert.Contains(rejected, m => m.Tags["slim.session.mls.operation"] as string == "apply" && m.Tags["slim.mls.error"] as string == "InvalidContentType");

        // The real next commit still applies.
        var c3 = net.AddApp("org/ns/client-3", mls.LayerOptions);
        await net.RunAsync(session.InviteAsync(c3.Prefix));
        mls.AssertSameEpoch(session.Id, moderator, c1, members[1].App, c3);
        net.AssertNoErrors();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Under_random_drops_duplicates_and_reordering_mls_data_arrives_in_order_or_is_reported_lost(int seed)
    {
        await using var net = new SessionTestNetwork();
        var (mls, moderator, modSession, members) = await RealMls.CreateGroupAsync(net, 3);
        var sessions = new List<(TestApp App, SessionHandle Session)> { (moderator, modSession) };
        sessions.AddRange(members);

        const int PerSender = 20;
        await net.SendUnderDataFaultsAsync(sessions, seed, PerSender);

        var lostTotal = 0u;
        foreach (var (receiver, session) in sessions)
        {
            var texts = new List<string>();
            while (session.TryGetMessage(out var message))
            {
                texts.Add($"{message.Source}|{Text(message)}");
            }

            while (session.TryGetNotification(out var notification))
            {
                lostTotal += notification is MessageLostNotification lost ? lost.Count : 0;
            }

            foreach (var (sender, _) in sessions.Where(s => s.App != receiver))
            {
                var got = texts.Where(t => t.StartsWith(sender.Name + "|", StringComparison.Ordinal)).Select(t => t.Split('|')[1]).Skip(1).ToList();
                var expected = Enumerable.Range(0, PerSender).Select(i => $"{sender.Label}#{i}").ToList();
                Assert.True(got.SequenceEqual(expected.Where(got.Contains)), $"{receiver} got {sender}'s messages out of order: {string.Join(",", got)}");
            }
        }

        Assert.True(lostTotal < 5, $"{lostTotal} messages lost");
        mls.AssertSameEpoch(modSession.Id, [moderator, .. members.Select(m => m.App)]);
        net.AssertNoErrors();
    }

    [Fact]
    public async Task A_group_with_mls_can_be_set_up_used_and_deleted_while_every_message_may_be_dropped_duplicated_or_reordered()
    {
        await using var net = new SessionTestNetwork();
        net.Router.Faults = new FaultOptions(42) { Drop = 0.1, Duplicate = 0.1, Reorder = 0.1 };
        var (mls, moderator, modSession, members) = await RealMls.CreateGroupAsync(net, 3);
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
        mls.AssertSameEpoch(modSession.Id, [moderator, .. members.Select(m => m.App)]);
        await net.RunAsync(modSession.RemoveAsync(members[0].App.Prefix));
        await net.AdvanceAsync(TimeSpan.FromSeconds(5));
        mls.AssertSameEpoch(modSession.Id, moderator, members[1].App, members[2].App);
        await net.RunAsync(modSession.CloseAsync());
        foreach (var (_, session) in members)
        {
            Assert.NotEqual(SessionCloseReason.None, await net.RunAsync(session.Completion));
        }

        Assert.True(net.Router.FaultCount.Dropped > 0 && net.Router.FaultCount.Duplicated > 0 && net.Router.FaultCount.Reordered > 0);
        net.AssertNoErrors();
    }
}
