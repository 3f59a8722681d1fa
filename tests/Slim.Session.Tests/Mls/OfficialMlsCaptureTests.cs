using Slim.Identity.SharedSecret;
using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.Credentials;
using Slim.Mls.Framing;
using Slim.Mls.KeyPackages;
using Slim.Mls.Tree;
using Slim.Mls.Welcome;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Mls;
using Slim.Session.Mls.Internal;
using Slim.Testing;
using Slim.Testing.Capture;
using WireFormat = Slim.Mls.Framing.WireFormat;

namespace Slim.Session.Tests.Mls;

/// <summary>
/// The MLS content official SLIM put on the wire in the captured group session (moderator + 2, MLS on, header check
/// 100 %), read through the glue's own code paths with the capture's clock and the harness's shared secret: the
/// KeyPackages our moderator would add, the Welcomes and commits our participants would process, and the data our
/// members would decrypt. (The capture's secrets are not known, so nothing here decrypts.)
/// </summary>
public sealed class OfficialMlsCaptureTests : IDisposable
{
    private const string HarnessSecret = "realslim-harness-shared-secret-0123456789abcdef";

    private static readonly CipherSuite Suite = CipherSuite.Get(CipherSuiteId.P256Aes128GcmSha256P256);

    private static readonly Lazy<IReadOnlyList<Message>> Sent = new(() =>
        [.. CaptureFile.LoadShared(CaptureFile.GroupMls)
            .Where(r => r.Direction == CaptureDirection.AppToNode)
            .Select(r => Message.Parser.ParseFrom(r.Bytes))
            .Where(m => m.MessageTypeCase == Message.MessageTypeOneofCase.Publish)]);

    // The capture was recorded on 2026-11-22 around 09:19:55 UTC; its tokens are minutes old at most at this time.
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 9, 20, 0, TimeSpan.Zero));
    private readonly SharedSecretIdentityVerifier _verifier;
    private readonly IdentityCredentialValidator _validator;

    public OfficialMlsCaptureTests()
    {
        _verifier = new SharedSecretIdentityVerifier(HarnessSecret, new SharedSecretVerifierOptions { TimeProvider = _time });
        _validator = new IdentityCredentialValidator(_verifier, _time);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _verifier.Dispose();

    [Fact]
    public async Task Official_key_packages_are_valid_and_our_moderator_adds_their_owners()
    {
        var replies = Of(SessionMessageType.JoinReply);
        Assert.Equal(2, replies.Count);
        using var identity = new SharedSecretIdentityProvider("org/ns/moderator", HarnessSecret, new SharedSecretProviderOptions { TimeProvider = _time });
        var factory = new MlsGroupSecurityFactory(new MlsGroupSecurityOptions { TimeProvider = _time, MaxDegreeOfParallelism = 1 });
        using var moderator = factory.Create(new GroupSecurityContext(
            774087472, SlimName.Parse("org/ns/moderator").WithId(SlimIds.AppIdFromIdentity(identity.Id)), true, identity, _verifier));
        await moderator.CreateGroupAsync(Ct).WithTimeout();

        foreach (var reply in replies)
        {
            var bytes = reply.Publish.Msg.CommandPayload.JoinReply.KeyPackage;
            var keyPackage = MlsGroupSecurity.ReadKeyPackage(bytes.Span);
            keyPackage.Validate(Suite, null, _time.GetUtcNow());

            // The credential: a token this app's verifier accepts, whose pubkey is the leaf key and whose subject is the
            // app's identity (its app id, in the reply's source name, is the subject's hash).
            var validation = await _validator.ValidateAsync(keyPackage.LeafNode.Credential, keyPackage.LeafNode.SignatureKey, CredentialValidationReason.NewMember, Ct).WithTimeout();
            Assert.True(validation.IsValid, validation.Error);
            Assert.Equal(SlimName.FromWire(reply.Publish.Header.Source).Id, SlimIds.AppIdFromIdentity(validation.Identity!));

            // Our moderator adds it: the member's identity is that subject and our Welcome names the official KeyPackage.
            var added = await moderator.AddMemberAsync(bytes.Memory, Ct).WithTimeout();
            Assert.Equal(validation.Identity, added.MemberIdentity);
            var welcome = TlsCodec.Deserialize<WelcomeMessage>(MlsMessage.Decode(added.Welcome).Body);
            Assert.Equal(Convert.ToHexString(keyPackage.ComputeRef(Suite)), Convert.ToHexString(Assert.Single(welcome.Secrets).NewMember));
        }

        Assert.Equal(2ul, moderator.Epoch);
    }

    [Fact]
    public void Official_welcomes_name_the_key_package_of_their_addressee_with_commit_ids_one_and_two()
    {
        var keyPackages = Of(SessionMessageType.JoinReply).ToDictionary(
            r => SlimName.FromWire(r.Publish.Header.Source),
            r => MlsGroupSecurity.ReadKeyPackage(r.Publish.Msg.CommandPayload.JoinReply.KeyPackage.Span));
        var welcomes = Of(SessionMessageType.GroupWelcome);
        Assert.Equal([1u, 2u], welcomes.Select(w => w.Publish.Msg.CommandPayload.GroupWelcome.Mls.CommitId));
        foreach (var message in welcomes)
        {
            var mls = MlsMessage.Decode(message.Publish.Msg.CommandPayload.GroupWelcome.Mls.MlsContent.Span);
            Assert.Equal(WireFormat.Welcome, mls.WireFormat);
            var welcome = TlsCodec.Deserialize<WelcomeMessage>(mls.Body);
            Assert.Equal(CipherSuiteId.P256Aes128GcmSha256P256, welcome.CipherSuite);
            var addressee = keyPackages[SlimName.FromWire(message.Publish.Header.Destination)];
            Assert.Equal(Convert.ToHexString(addressee.ComputeRef(Suite)), Convert.ToHexString(Assert.Single(welcome.Secrets).NewMember));
        }
    }

    [Fact]
    public async Task Official_commits_bring_in_credentials_our_participants_accept()
    {
        var updates = Of(SessionMessageType.GroupUpdate);
        Assert.Equal([(GroupUpdateOp.Add, 2u), (GroupUpdateOp.Remove, 3u)], updates.Select(u => (u.Publish.Msg.CommandPayload.GroupUpdate.Op, u.Publish.Msg.CommandPayload.GroupUpdate.Mls.CommitId)));
        var moderatorId = SlimName.FromWire(updates[0].Publish.Header.Source).Id;
        var client2Id = SlimName.FromWire(updates[0].Publish.Msg.CommandPayload.GroupUpdate.Participant.Name).Id;

        var expected = new[] { (CredentialValidationReason.NewMember, client2Id), (CredentialValidationReason.Successor, moderatorId) };
        foreach (var (update, (reason, owner)) in updates.Zip(expected))
        {
            var mls = MlsMessage.Decode(update.Publish.Msg.CommandPayload.GroupUpdate.Mls.MlsContent.Span);
            Assert.Equal(WireFormat.PublicMessage, mls.WireFormat);
            Assert.Equal(ContentType.Commit, mls.PublicMessage!.Content.ContentType);
            Assert.Equal(Sender.Member(new LeafIndex(0)), mls.PublicMessage.Content.Sender);

            // What a participant checks before MLS applies the commit: the add brings client-2's KeyPackage, the remove
            // brings the moderator's new path leaf (same subject as before).
            var (leaf, broughtFor) = Assert.Single(MlsGroupSecurity.CredentialsBroughtIn(mls.PublicMessage));
            Assert.Equal(reason, broughtFor);
            var validation = await _validator.ValidateAsync(leaf.Credential, leaf.SignatureKey, reason, Ct).WithTimeout();
            Assert.True(validation.IsValid, validation.Error);
            Assert.Equal(owner, SlimIds.AppIdFromIdentity(validation.Identity!));
        }
    }

    [Fact]
    public void Official_data_is_a_private_message_authenticating_the_exact_header_of_its_carrier()
    {
        var data = Of(SessionMessageType.Msg);
        Assert.Equal(2, data.Count);
        foreach (var message in data)
        {
            var mls = MlsMessage.Decode(message.Publish.Msg.AppPayload.Blob.Span);
            Assert.Equal(WireFormat.PrivateMessage, mls.WireFormat);
            Assert.Equal(ContentType.Application, mls.PrivateMessage!.ContentType);
            Assert.Equal(2ul, mls.PrivateMessage.Epoch);
            Assert.Equal(Convert.ToHexString(HeaderIntegrity.ComputeAad(message.Publish)), Convert.ToHexString(mls.PrivateMessage.AuthenticatedData));
        }
    }

    private static List<Message> Of(SessionMessageType type) => [.. Sent.Value.Where(m => m.GetSessionMessageType() == type)];
}
