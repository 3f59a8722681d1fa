using System.Text;
using Slim.Mls;
using Slim.Mls.Codec;
using Slim.Mls.Commits;
using Slim.Mls.Framing;
using Slim.Mls.Proposals;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Tests.Fakes;
using Slim.Testing;

namespace Slim.Session.Tests.Mls;

/// <summary>
/// Group sessions with real MLS (the glue over Slim.Mls, suite 0x0002) on the in-memory router and virtual time: what
/// each member sends, that every member ends in the same epoch of the same group, and that data is end-to-end
/// encrypted and bound to its header.
/// </summary>
public sealed class RealMlsGroupTests
{
    private static string Text(SessionMessage m) => Encoding.UTF8.GetString(m.Payload.Span);

    [Fact]
    public async Task Moderator_and_three_invite_exchange_remove_leave_and_delete_with_real_mls()
    {
        await using var net = new SessionTestNetwork();
        var (mls, moderator, modSession, members) = await RealMls.CreateGroupAsync(net, 3);
        var (c1, s1) = members[0];
        var (c2, s2) = members[1];
        var (c3, s3) = members[2];
        var id = modSession.Id;

        // Invites: each newcomer sent a KeyPackage (suite 2, Basic credential = its token, leaf key = its identity key).
        var joinReplies = net.Router.Sent.Where(r => r.Type == SessionMessageType.JoinReply).ToList();
        Assert.Equal(3, joinReplies.Count);
        foreach (var reply in joinReplies)
        {
            var keyPackage = Slim.Session.Mls.Internal.MlsGroupSecurity.ReadKeyPackage(reply.Message.Publish.Msg.CommandPayload.JoinReply.KeyPackage.Span);
            var sender = net.Apps.Single(a => a.Name == reply.App);
            Assert.Equal(Slim.Mls.CipherSuites.CipherSuiteId.P256Aes128GcmSha256P256, keyPackage.CipherSuite);
            Assert.Equal(sender.Identity.PublicKey.ToArray(), keyPackage.LeafNode.SignatureKey.ToArray());
            Assert.StartsWith(sender.Identity.Id + ":", Encoding.UTF8.GetString(keyPackage.LeafNode.Credential.Identity.Span), StringComparison.Ordinal);
            Assert.Equal(TimeSpan.FromDays(365).TotalSeconds, keyPackage.LeafNode.Lifetime.Duration);
        }

        // Commit ids 1, 2, 3: the first member only gets a Welcome; the 2nd and 3rd are announced by GROUP_UPDATE(ADD)
        // carrying the same commit id as their Welcome, as a PublicMessage commit without path from the moderator.
        var welcomes = net.Router.Sent.Where(r => r.Type == SessionMessageType.GroupWelcome).ToList();
        Assert.Equal([1u, 2u, 3u], welcomes.Select(w => w.Message.Publish.Msg.CommandPayload.GroupWelcome.Mls.CommitId));
        Assert.All(welcomes, w => Assert.Equal(WireFormat.Welcome, RealMls.Mls(w.Message).WireFormat));
        var adds = net.Router.Sent.Where(r => r.Type == SessionMessageType.GroupUpdate).ToList();
        Assert.Equal([2u, 3u], adds.Select(a => a.Message.Publish.Msg.CommandPayload.GroupUpdate.Mls.CommitId));
        foreach (var add in adds)
        {
            var commit = RealMls.Mls(add.Message);
            Assert.Equal(WireFormat.PublicMessage, commit.WireFormat);
            Assert.Equal(ContentType.Commit, commit.PublicMessage!.Content.ContentType);
            Assert.Equal(Sender.Member(new Slim.Mls.Tree.LeafIndex(0)), commit.PublicMessage.Content.Sender);
            var body = TlsCodec.Deserialize<Commit>(commit.PublicMessage.Content.Content);
            Assert.Null(body.Path);
            Assert.IsType<AddProposal>(Assert.Single(body.Proposals).Proposal);
        }

        Assert.Equal(3ul, mls.For(moderator, id).Epoch);
        mls.AssertSameEpoch(id, moderator, c1, c2, c3);

        // Messages all ways, decrypted by everyone else.
        await modSession.PublishAsync(Encoding.UTF8.GetBytes("from moderator")).WithTimeout();
        await s1.PublishAsync(Encoding.UTF8.GetBytes("from c1")).WithTimeout();
        await s2.PublishAsync(Encoding.UTF8.GetBytes("from c2")).WithTimeout();
        await s3.PublishAndWaitAsync(Encoding.UTF8.GetBytes("from c3")).WithTimeout();
        await net.SettleAsync();
        Assert.Equal(["from c1", "from c2", "from c3"], (await GroupSessionTests.DrainAsync(modSession)).Order());
        Assert.Equal(["from c2", "from c3", "from moderator"], (await GroupSessionTests.DrainAsync(s1)).Order());
        Assert.Equal(["from c1", "from c3", "from moderator"], (await GroupSessionTests.DrainAsync(s2)).Order());
        Assert.Equal(["from c1", "from c2", "from moderator"], (await GroupSessionTests.DrainAsync(s3)).Order());

        // On the wire each payload is a PrivateMessage whose (clear) authenticated data is the exact header AAD.
        var data = net.Router.Sent.Where(r => r.Type == SessionMessageType.Msg).ToList();
        Assert.Equal(4, data.Count);
        foreach (var message in data)
        {
            var blob = RealMls.Blob(message.Message);
            Assert.Equal(WireFormat.PrivateMessage, blob.WireFormat);
            Assert.Equal(ContentType.Application, blob.PrivateMessage!.ContentType);
            Assert.Equal(3ul, blob.PrivateMessage.Epoch);
            Assert.Equal(HeaderIntegrity.ComputeAad(message.Message.Publish), blob.PrivateMessage.AuthenticatedData);
            Assert.DoesNotContain("from", message.Message.Publish.Msg.AppPayload.Blob.ToStringUtf8(), StringComparison.Ordinal);
        }

        // A direct reply is encrypted the same way.
        await s2.PublishToAndWaitAsync(c1.Name, Encoding.UTF8.GetBytes("just for c1")).WithTimeout();
        await net.SettleAsync();
        Assert.Equal("just for c1", Text(await s1.GetMessageAsync().WithTimeout()));

        // Remove c2: commit 4 (a remove with path). c2 applies it too (and acks), learns it is out, and is closed.
        var c2State = mls.For(c2, id).Group!.ExportState();
        await net.RunAsync(modSession.RemoveAsync(c2.Prefix));
        Assert.Equal(SessionCloseReason.Removed, await s2.Completion.WithTimeout());
        var remove = net.Router.Sent.Last(r => r.Type == SessionMessageType.GroupUpdate);
        Assert.Equal(GroupUpdateOp.Remove, remove.Message.Publish.Msg.CommandPayload.GroupUpdate.Op);
        Assert.Equal(4u, remove.Message.Publish.Msg.CommandPayload.GroupUpdate.Mls.CommitId);
        Assert.NotNull(TlsCodec.Deserialize<Commit>(RealMls.Mls(remove.Message).PublicMessage!.Content.Content).Path);
        Assert.Contains(c2.Sent, r => r.Type == SessionMessageType.GroupAck && r.MessageId == remove.MessageId);
        Assert.Contains(net.Logs, e => e.App == "mls" && e.EventId == 4103);
        mls.AssertSameEpoch(id, moderator, c1, c3);

        await modSession.PublishAndWaitAsync(Encoding.UTF8.GetBytes("after the removal")).WithTimeout();
        await net.SettleAsync();
        var afterRemoval = net.Router.Sent.Last(r => r.Type == SessionMessageType.Msg);
        Assert.Equal("after the removal", Text(await s1.GetMessageAsync().WithTimeout()));
        Assert.Equal("after the removal", Text(await s3.GetMessageAsync().WithTimeout()));

        // Even a copy of c2's last MLS state cannot follow: the commit says it is out, and the next epoch's data does not open.
        using (var kept = RealMls.Restore(c2State, c2))
        {
            Assert.True((await kept.ProcessMessageAsync(RealMls.Mls(remove.Message).ToBytes()).WithTimeout()).Commit!.SelfRemoved);
        }

        using (var kept = RealMls.Restore(c2State, c2))
        {
            var refused = await Assert.ThrowsAsync<MlsException>(
                () => kept.ProcessMessageAsync(afterRemoval.Message.Publish.Msg.AppPayload.Blob.Memory).AsTask()).WithTimeout();
            Assert.Equal(MlsErrorCode.WrongEpoch, refused.ErrorCode);
        }

        // c3 leaves on its own: the moderator commits its removal (commit 5) and c1 follows.
        await net.RunAsync(s3.CloseAsync());
        await net.SettleAsync();
        var leaveCommit = net.Router.Sent.Last(r => r.Type == SessionMessageType.GroupUpdate);
        Assert.Equal(5u, leaveCommit.Message.Publish.Msg.CommandPayload.GroupUpdate.Mls.CommitId);
        mls.AssertSameEpoch(id, moderator, c1);
        await s1.PublishAndWaitAsync(Encoding.UTF8.GetBytes("two of us")).WithTimeout();
        Assert.Equal("two of us", Text(await modSession.GetMessageAsync().WithTimeout()));

        // Delete: GROUP_CLOSE; everyone closes and the MLS state is wiped.
        await net.RunAsync(modSession.CloseAsync());
        Assert.Equal(SessionCloseReason.ClosedByModerator, await s1.Completion.WithTimeout());
        Assert.Null(mls.For(c1, id).Group);
        Assert.Null(mls.For(moderator, id).Group);
        net.AssertNoErrors();
    }
}
