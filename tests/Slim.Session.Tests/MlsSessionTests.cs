using System.Text;
using Google.Protobuf;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Tests.Fakes;
using Slim.Testing;

namespace Slim.Session.Tests;

/// <summary>The session side of MLS, with a fake group security: what is sent, checked and ordered.</summary>
public sealed class MlsSessionTests
{
    private static readonly SessionConfig MlsGroup = SessionConfig.ForGroup(TimeSpan.FromSeconds(1), 5, mlsEnabled: true) with
    {
        HeaderIntegrityValidationPercent = 100,
    };

    private static async Task<(FakeGroupSecurityFactory Mls, TestApp Moderator, SessionHandle Session, List<(TestApp App, SessionHandle Session)> Members)>
        CreateAsync(SessionTestNetwork net, int count)
    {
        var mls = new FakeGroupSecurityFactory();
        var options = SessionLayerOptions.Default with { GroupSecurity = mls };
        var moderator = net.AddApp("org/ns/moderator", options);
        var apps = Enumerable.Range(1, count).Select(i => net.AddApp($"org/ns/client-{i}", options)).ToList();
        var session = await moderator.Layer.CreateSessionAsync(MlsGroup, GroupSessionTests.Channel).WithTimeout();
        var members = new List<(TestApp, SessionHandle)>();
        foreach (var app in apps)
        {
            await net.RunAsync(session.InviteAsync(app.Prefix));
            members.Add((app, await app.Layer.ListenForSessionAsync().WithTimeout()));
        }

        return (mls, moderator, session, members);
    }

    [Fact]
    public async Task Invites_carry_key_packages_welcomes_and_commits_with_increasing_commit_ids()
    {
        await using var net = new SessionTestNetwork();
        var (mls, moderator, session, members) = await CreateAsync(net, 2);
        var (c1, s1) = members[0];
        var (c2, s2) = members[1];
        Assert.True(s1.MlsEnabled);

        var join = net.Router.Sent.First(r => r.Type == SessionMessageType.JoinRequest).Message.Publish.Msg.CommandPayload.JoinRequest;
        Assert.Equal(100u, join.MlsSettings.HeaderIntegrityValidationPercent);
        var joinReplies = net.Router.Sent.Where(r => r.Type == SessionMessageType.JoinReply).ToList();
        Assert.All(joinReplies, r => Assert.StartsWith("kp|", r.Message.Publish.Msg.CommandPayload.JoinReply.KeyPackage.ToStringUtf8()));

        var welcomes = net.Router.Sent.Where(r => r.Type == SessionMessageType.GroupWelcome).Select(r => r.Message.Publish.Msg.CommandPayload.GroupWelcome.Mls).ToList();
        Assert.Equal([1u, 2u], welcomes.Select(w => w.CommitId));
        var update = net.Router.Sent.Single(r => r.Type == SessionMessageType.GroupUpdate).Message.Publish.Msg.CommandPayload.GroupUpdate;
        Assert.Equal(2u, update.Mls.CommitId);
        Assert.StartsWith("commit|", update.Mls.MlsContent.ToStringUtf8());

        Assert.Equal(2ul, mls.For(moderator.Name, session.Id).Epoch);
        Assert.Equal(2ul, mls.For(c1.Name, session.Id).Epoch);
        Assert.Equal([2ul], mls.For(c1.Name, session.Id).AppliedCommits);
        Assert.Equal(2ul, mls.For(c2.Name, session.Id).Epoch);

        // Removing takes the next commit id.
        await net.RunAsync(session.RemoveAsync(c2.Prefix));
        Assert.Equal(3u, net.Router.Sent.Last(r => r.Type == SessionMessageType.GroupUpdate).Message.Publish.Msg.CommandPayload.GroupUpdate.Mls.CommitId);
        Assert.Equal(3ul, mls.For(c1.Name, session.Id).Epoch);
        Assert.True(mls.For(c2.Name, session.Id).Disposed);
        net.AssertNoErrors();
    }

    [Fact]
    public async Task Data_is_encrypted_with_the_header_as_authenticated_data_and_checked_on_receipt()
    {
        await using var net = new SessionTestNetwork();
        var (mls, moderator, session, members) = await CreateAsync(net, 1);
        var (c1, s1) = members[0];

        await session.PublishAndWaitAsync(Encoding.UTF8.GetBytes("secret")).WithTimeout();
        await net.SettleAsync();
        var sent = net.Router.Sent.Single(r => r.Type == SessionMessageType.Msg);
        Assert.DoesNotContain("secret", sent.Message.Publish.Msg.AppPayload.Blob.ToStringUtf8(), StringComparison.Ordinal);
        Assert.Equal(HeaderIntegrity.ComputeAad(sent.Message.Publish), mls.For(moderator.Name, session.Id).EncryptedWithAad.Single());
        Assert.Equal("secret", Encoding.UTF8.GetString((await s1.GetMessageAsync().WithTimeout()).Payload.Span));

        // A copy whose header no longer matches what was encrypted (here: another token) is dropped, not acked.
        var tampered = sent.Message.Clone();
        tampered.Publish.Header.Destination = c1.Name.ToWire();
        tampered.Publish.Header.Identity = moderator.Identity.GetToken() + "x";
        tampered.Publish.Session.MessageId = 2;
        var before = c1.Sent.Count;
        await c1.Layer.OnMessageAsync(tampered).WithTimeout();
        await net.SettleAsync();
        Assert.Equal(before, c1.Sent.Count);
        Assert.False(s1.TryGetMessage(out _));

        // Heartbeats carry the MLS epoch.
        await net.AdvanceAsync(TimeSpan.FromSeconds(10));
        var beat = c1.Sent.Last(r => r.Type == SessionMessageType.Heartbeat);
        Assert.Equal(1ul, beat.Message.Publish.Msg.CommandPayload.Heartbeat.Epoch);
    }

    [Fact]
    public async Task In_an_mls_session_control_messages_need_a_valid_signature_and_are_processed_once()
    {
        await using var net = new SessionTestNetwork();
        var (mls, moderator, session, members) = await CreateAsync(net, 1);
        var (c1, s1) = members[0];
        var control = SlimName.FromWire(net.Router.Sent.First(r => r.Type == SessionMessageType.JoinRequest).Message.Publish.Msg.CommandPayload.JoinRequest.Control);
        CommandPayload Add(string who) => new()
        {
            GroupUpdate = new GroupUpdatePayload
            {
                Op = GroupUpdateOp.Add,
                Participant = new Participant { Name = SlimName.Parse($"org/ns/{who}").WithId(5).ToWire() },
                Mls = new MlsPayload { CommitId = 2, MlsContent = ByteString.CopyFromUtf8("ignored") },
            },
        };

        moderator.Identity.SignWithWrongKey = true;
        var forged = Craft.Command(moderator.Identity, moderator.Name, control, SessionType.Multicast, SessionMessageType.GroupUpdate, session.Id, 500, Add("eve"), 256);
        moderator.Identity.SignWithWrongKey = false;
        await c1.Layer.OnMessageAsync(forged).WithTimeout();
        await net.SettleAsync();
        Assert.DoesNotContain(c1.Sent, r => r.MessageId == 500);
        Assert.Contains(net.LogsAtLeast(Microsoft.Extensions.Logging.LogLevel.Warning), e => e.EventId == 4020 && e.Message.Contains("bad_identity", StringComparison.Ordinal));

        var zero = Craft.Command(moderator.Identity, moderator.Name, control, SessionType.Multicast, SessionMessageType.GroupUpdate, session.Id, 0, Add("zed"), 256);
        await c1.Layer.OnMessageAsync(zero).WithTimeout();
        await net.SettleAsync();
        Assert.DoesNotContain(s1.Participants, p => p.Name.Service == "zed");
    }

    [Fact]
    public async Task A_participant_applies_commits_in_commit_id_order_and_ignores_old_ones()
    {
        await using var net = new SessionTestNetwork();
        var mls = new FakeGroupSecurityFactory();
        var c1 = net.AddApp("org/ns/client-1", SessionLayerOptions.Default with { GroupSecurity = mls });
        using var mod = new TestIdentity("org/ns/mod", SessionTestNetwork.Secret, net.Time);
        var modName = SlimName.Parse("org/ns/mod").WithId(42);
        var data = GroupSessionTests.Channel.WithId(1);
        var control = GroupSessionTests.Channel.WithId(2);
        const uint Sid = 77;
        var id = 100u;
        Message Command(SessionMessageType type, SlimName to, CommandPayload payload, uint fanout = 1) =>
            Craft.Command(mod, modName, to, SessionType.Multicast, type, Sid, ++id, payload, fanout);
        CommandPayload Update(uint commitId, string who) => new()
        {
            GroupUpdate = new GroupUpdatePayload
            {
                Op = GroupUpdateOp.Add,
                Participant = new Participant { Name = SlimName.Parse($"org/ns/{who}").WithId(commitId).ToWire() },
                Mls = new MlsPayload { CommitId = commitId, MlsContent = ByteString.CopyFromUtf8($"commit|g|{commitId}") },
            },
        };

        await c1.Layer.OnMessageAsync(Command(SessionMessageType.JoinRequest, c1.Name, Craft.JoinRequest(new TimerSettings { Timeout = 1000, MaxRetries = 5 }, data, control, new MlsSettings()))).WithTimeout();
        await net.SettleAsync();
        var keyPackage = c1.Sent.Single(r => r.Type == SessionMessageType.JoinReply).Message.Publish.Msg.CommandPayload.JoinReply.KeyPackage.ToStringUtf8();
        var welcome = Craft.Welcome(modName, c1.Name);
        welcome.GroupWelcome.Mls = new MlsPayload { CommitId = 1, MlsContent = ByteString.CopyFromUtf8($"welcome|g|1|{keyPackage.Split('|')[1]}") };
        var welcomeMessage = Command(SessionMessageType.GroupWelcome, c1.Name, welcome);
        await c1.Layer.OnMessageAsync(welcomeMessage).WithTimeout();
        await net.SettleAsync();
        var session = await c1.Layer.ListenForSessionAsync().WithTimeout();

        var third = Command(SessionMessageType.GroupUpdate, control, Update(3, "c"), 256);
        var second = Command(SessionMessageType.GroupUpdate, control, Update(2, "b"), 256);
        var old = Command(SessionMessageType.GroupUpdate, control, Update(2, "b-again"), 256);
        await c1.Layer.OnMessageAsync(third).WithTimeout();
        await net.SettleAsync();
        Assert.DoesNotContain(c1.Sent, r => r.MessageId == third.Publish.Session.MessageId);
        await c1.Layer.OnMessageAsync(second).WithTimeout();
        await c1.Layer.OnMessageAsync(old).WithTimeout();
        await net.SettleAsync();

        var acks = c1.Sent.Where(r => r.Type == SessionMessageType.GroupAck).Select(r => r.MessageId).ToList();
        Assert.Equal([welcomeMessage.Publish.Session.MessageId, second.Publish.Session.MessageId, third.Publish.Session.MessageId], acks);
        Assert.Equal([2ul, 3ul], mls.For(c1.Name, Sid).AppliedCommits);
        Assert.Equal(3ul, mls.For(c1.Name, Sid).Epoch);
        Assert.Contains(session.Participants, p => p.Name.Service == "c");
        Assert.DoesNotContain(session.Participants, p => p.Name.Service == "b-again");
        net.AssertNoErrors();
    }

    [Fact]
    public async Task A_member_that_missed_a_commit_rejoins_when_a_heartbeat_shows_a_newer_epoch()
    {
        await using var net = new SessionTestNetwork();
        var (mls, moderator, session, members) = await CreateAsync(net, 2);
        var (c1, s1) = members[0];
        var (c2, s2) = members[1];

        // c2 misses the commit adding c3.
        net.Router.SetConnected(c2.Transport, false);
        var c3 = net.AddApp("org/ns/client-3", SessionLayerOptions.Default with { GroupSecurity = mls });
        await net.RunAsync(session.InviteAsync(c3.Prefix));
        var s3 = await c3.Layer.ListenForSessionAsync().WithTimeout();
        Assert.Equal(3ul, mls.For(moderator.Name, session.Id).Epoch);
        Assert.Equal(2ul, mls.For(c2.Name, session.Id).Epoch);
        Assert.Equal(ParticipantStatus.Offline, session.Participants.Single(p => p.Name == c2.Name).Status);

        // Back online, c2 hears heartbeats at epoch 3, asks to rejoin, and is re-added with commit 4.
        net.Router.SetConnected(c2.Transport, true);
        await net.AdvanceAsync(TimeSpan.FromSeconds(25));
        Assert.Single(c2.Sent, r => r.Type == SessionMessageType.RejoinRequest);
        var reply = moderator.Sent.Single(r => r.Type == SessionMessageType.RejoinReply).Message.Publish.Msg.CommandPayload.RejoinReply;
        Assert.Equal(4u, reply.CommitId);
        var rejoin = moderator.Sent.Single(r => r.Type == SessionMessageType.GroupUpdate && r.Message.Publish.Msg.CommandPayload.GroupUpdate.Op == GroupUpdateOp.Rejoin);
        Assert.Equal(4u, rejoin.Message.Publish.Msg.CommandPayload.GroupUpdate.Mls.CommitId);
        foreach (var app in new[] { moderator, c1, c2, c3 })
        {
            Assert.Equal(4ul, mls.For(app.Name, session.Id).Epoch);
        }

        Assert.Equal(ParticipantStatus.Online, session.Participants.Single(p => p.Name == c2.Name).Status);
        Assert.Contains(s2.Participants, p => p.Name == c3.Name);

        // And c2 reads the group's messages again.
        await s1.PublishAsync(Encoding.UTF8.GetBytes("welcome back")).WithTimeout();
        await net.SettleAsync();
        var texts = new List<string>();
        while (s2.TryGetMessage(out var m))
        {
            texts.Add(Encoding.UTF8.GetString(m.Payload.Span));
        }

        Assert.Contains("welcome back", texts);
        net.AssertNoErrors();
    }
}
