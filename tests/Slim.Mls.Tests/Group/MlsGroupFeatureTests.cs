using System.Diagnostics.Metrics;
using System.Text;
using Slim.Mls.CipherSuites;
using Slim.Mls.Credentials;
using Slim.Mls.Extensions;
using Slim.Mls.Framing;
using Slim.Mls.Group;
using Slim.Mls.KeyPackages;
using Slim.Mls.KeySchedule;
using Slim.Mls.Proposals;
using Slim.Mls.Tree;
using Slim.Testing;

namespace Slim.Mls.Tests.Group;

/// <summary>External commits, PSKs, GroupContextExtensions, lifetimes, credential policy, rejoin, handshake encryption and state errors.</summary>
public sealed class MlsGroupFeatureTests : IDisposable
{
    private readonly CipherSuite _suite = CipherSuite.Get(CipherSuiteId.X25519Aes128GcmSha256Ed25519);
    private readonly List<IDisposable> _owned = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        foreach (var item in Enumerable.Reverse(_owned))
        {
            item.Dispose();
        }
    }

    [Fact]
    public async Task A_client_joins_by_external_commit_when_the_group_allows_it()
    {
        var options = MlsGroupOptions.Default with { AllowExternalCommits = true };
        var (alice, bob) = await TwoMembersAsync(options);
        var groupInfo = alice.CreateGroupInfo(withRatchetTree: true, withExternalPub: true);
        var carolKey = Signer();
        var (carol, commit) = await MlsGroup.JoinByExternalCommitAsync(groupInfo, carolKey, Credential.Basic("carol"u8), options, cancellationToken: Ct).WithTimeout();
        _owned.Add(carol);
        var processed = await alice.ProcessMessageAsync(commit.ToBytes(), Ct).WithTimeout();
        Assert.Contains(carol.OwnLeafIndex, processed.Commit!.Added);
        await bob.ProcessMessageAsync(commit, Ct).WithTimeout();
        Assert.Equal(alice.EpochAuthenticator.ToArray(), carol.EpochAuthenticator.ToArray());
        Assert.Equal(bob.EpochAuthenticator.ToArray(), carol.EpochAuthenticator.ToArray());
        var hello = await carol.EncryptApplicationMessageAsync("hi"u8.ToArray(), cancellationToken: Ct).WithTimeout();
        Assert.Equal("hi", Encoding.UTF8.GetString((await bob.ProcessMessageAsync(hello, Ct).WithTimeout()).ApplicationData!));
    }

    [Fact]
    public async Task A_member_resyncs_by_external_commit_that_removes_its_old_leaf()
    {
        var options = MlsGroupOptions.Default with { AllowExternalCommits = true };
        var (alice, bob) = await TwoMembersAsync(options);
        var (bobAgain, commit) = await MlsGroup.JoinByExternalCommitAsync(
            alice.CreateGroupInfo(true, true), BobKey!, Credential.Basic("bob"u8), options, resyncRemoving: bob.OwnLeafIndex, cancellationToken: Ct).WithTimeout();
        _owned.Add(bobAgain);
        var processed = await alice.ProcessMessageAsync(commit, Ct).WithTimeout();
        Assert.Equal([bob.OwnLeafIndex], processed.Commit!.Removed);
        Assert.Equal(alice.EpochAuthenticator.ToArray(), bobAgain.EpochAuthenticator.ToArray());
        Assert.Equal(2, alice.Members.Count);

        // Someone else cannot take over Bob's place: the new leaf must be a valid successor of the removed one.
        var (mallory, theft) = await MlsGroup.JoinByExternalCommitAsync(
            alice.CreateGroupInfo(true, true), Signer(), Credential.Basic("mallory"u8), options, resyncRemoving: bobAgain.OwnLeafIndex, cancellationToken: Ct).WithTimeout();
        _owned.Add(mallory);
        var error = await Assert.ThrowsAsync<MlsException>(() => alice.ProcessMessageAsync(theft, Ct).WithTimeout());
        Assert.Equal(MlsErrorCode.CredentialRejected, error.ErrorCode);
    }

    [Fact]
    public async Task External_commits_are_refused_by_default()
    {
        var (alice, _) = await TwoMembersAsync(MlsGroupOptions.Default);
        var (carol, commit) = await MlsGroup.JoinByExternalCommitAsync(
            alice.CreateGroupInfo(true, true), Signer(), Credential.Basic("carol"u8), cancellationToken: Ct).WithTimeout();
        _owned.Add(carol);
        var error = await Assert.ThrowsAsync<MlsException>(() => alice.ProcessMessageAsync(commit, Ct).WithTimeout());
        Assert.Equal(MlsErrorCode.ExternalNotAllowed, error.ErrorCode);
    }

    [Fact]
    public async Task An_external_psk_is_injected_by_a_commit_and_required_from_every_member()
    {
        var psks = new ExternalPskStore().Add("team key"u8, "0123456789abcdef"u8);
        var (alice, bob) = await TwoMembersAsync(MlsGroupOptions.Default with { ExternalPsks = psks });
        var pskId = PreSharedKeyId.External("team key"u8.ToArray(), new byte[_suite.HashLength]);
        var proposal = await alice.ProposeAsync(new PreSharedKeyProposal(pskId), Ct).WithTimeout();
        await bob.ProcessMessageAsync(proposal, Ct).WithTimeout();
        var commit = await alice.CreateCommitAsync([], cancellationToken: Ct).WithTimeout();
        await alice.MergePendingCommitAsync(Ct).WithTimeout();
        await bob.ProcessMessageAsync(commit.Commit, Ct).WithTimeout();
        Assert.Equal(alice.EpochAuthenticator.ToArray(), bob.EpochAuthenticator.ToArray());

        // A member that does not know the PSK cannot follow.
        var (carol, dave) = await TwoMembersAsync(MlsGroupOptions.Default with { ExternalPsks = psks });
        var daveWithout = MlsGroup.Restore(dave.ExportState(), DaveKey!, MlsGroupOptions.Default);
        _owned.Add(daveWithout);
        var commit2 = await carol.CreateCommitAsync([new PreSharedKeyProposal(pskId)], cancellationToken: Ct).WithTimeout();
        var error = await Assert.ThrowsAsync<MlsException>(() => daveWithout.ProcessMessageAsync(commit2.Commit, Ct).WithTimeout());
        Assert.Equal(MlsErrorCode.PskNotFound, error.ErrorCode);
    }

    [Fact]
    public async Task Required_capabilities_are_enforced_on_group_context_extensions()
    {
        var (alice, bob) = await TwoMembersAsync(MlsGroupOptions.Default);
        var required = new RequiredCapabilities([], [], [CredentialType.Basic]).ToExtension();
        var ok = await alice.CreateCommitAsync([new GroupContextExtensionsProposal([required])], cancellationToken: Ct).WithTimeout();
        await alice.MergePendingCommitAsync(Ct).WithTimeout();
        await bob.ProcessMessageAsync(ok.Commit, Ct).WithTimeout();
        Assert.Single(bob.Context.Extensions);
        Assert.Equal(alice.EpochAuthenticator.ToArray(), bob.EpochAuthenticator.ToArray());

        var unsupported = new RequiredCapabilities([(ExtensionType)0xff00], [], []).ToExtension();
        var error = await Assert.ThrowsAsync<MlsException>(() => alice.CreateCommitAsync([new GroupContextExtensionsProposal([unsupported])], cancellationToken: Ct).WithTimeout());
        Assert.Equal(MlsErrorCode.CapabilitiesUnsupported, error.ErrorCode);
    }

    [Fact]
    public async Task An_expired_key_package_cannot_be_added()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var options = MlsGroupOptions.Default with { TimeProvider = clock, KeyPackageLifetime = TimeSpan.FromDays(1) };
        var alice = Own(MlsGroup.Create(_suite, Signer(), Credential.Basic("alice"u8), options));
        var bobKp = Own(MlsGroup.CreateKeyPackage(_suite, Signer(), Credential.Basic("bob"u8), options));
        clock.Advance(TimeSpan.FromDays(2));
        var error = await Assert.ThrowsAsync<MlsException>(() => alice.AddMembersAsync([bobKp.KeyPackage], cancellationToken: Ct).WithTimeout());
        Assert.Equal(MlsErrorCode.LifetimeInvalid, error.ErrorCode);
        Assert.Equal(0ul, alice.Epoch);
    }

    [Fact]
    public async Task The_credential_validator_decides_who_may_join()
    {
        var options = MlsGroupOptions.Default with { CredentialValidator = new OnlyNamed("bob") };
        var alice = Own(MlsGroup.Create(_suite, Signer(), Credential.Basic("alice"u8), options));
        var mallory = Own(MlsGroup.CreateKeyPackage(_suite, Signer(), Credential.Basic("mallory"u8), options));
        var error = await Assert.ThrowsAsync<MlsException>(() => alice.AddMembersAsync([mallory.KeyPackage], cancellationToken: Ct).WithTimeout());
        Assert.Equal(MlsErrorCode.CredentialRejected, error.ErrorCode);

        // X.509 credentials decode, and the default validator refuses them cleanly.
        var caps = new Capabilities([ProtocolVersion.Mls10], [_suite.Id], [], [], [CredentialType.Basic, CredentialType.X509]);
        var x509 = Own(KeyPackageBundle.Create(_suite, Signer(), Credential.X509([[0x30, 0x00]]), Lifetime.Unlimited, caps));
        var group = Own(MlsGroup.Create(_suite, Signer(), Credential.Basic("alice"u8)));
        var refused = await Assert.ThrowsAsync<MlsException>(() => group.AddMembersAsync([x509.KeyPackage], cancellationToken: Ct).WithTimeout());
        Assert.True(refused.ErrorCode is MlsErrorCode.CredentialRejected or MlsErrorCode.CapabilitiesUnsupported, refused.ErrorCode.ToString());
    }

    [Fact]
    public async Task A_rejoin_removes_and_adds_in_one_commit_like_slim()
    {
        var (alice, bob) = await TwoMembersAsync(MlsGroupOptions.Default);
        var bobAgainKey = Signer();
        var bobAgain = Own(MlsGroup.CreateKeyPackage(_suite, bobAgainKey, Credential.Basic("bob"u8)));
        var commit = await alice.CreateCommitAsync([new RemoveProposal(bob.OwnLeafIndex), new AddProposal(bobAgain.KeyPackage)], cancellationToken: Ct).WithTimeout();
        await alice.MergePendingCommitAsync(Ct).WithTimeout();
        Assert.NotNull(commit.Commit.PublicMessage);
        var rejoined = Own(await MlsGroup.JoinAsync(commit.Welcome!, bobAgain, bobAgainKey, cancellationToken: Ct).WithTimeout());
        Assert.Equal(alice.EpochAuthenticator.ToArray(), rejoined.EpochAuthenticator.ToArray());
        var old = await bob.ProcessMessageAsync(commit.Commit, Ct).WithTimeout();
        Assert.True(old.Commit!.SelfRemoved);
    }

    [Fact]
    public async Task Handshake_messages_can_be_private_and_replays_are_refused()
    {
        var options = MlsGroupOptions.Default with { EncryptHandshakeMessages = true, PaddingBlockSize = 32 };
        var (alice, bob) = await TwoMembersAsync(options);
        var update = await alice.UpdateAsync(cancellationToken: Ct).WithTimeout();
        Assert.Equal(WireFormat.PrivateMessage, update.Commit.WireFormat);
        await bob.ProcessMessageAsync(update.Commit, Ct).WithTimeout();
        Assert.Equal(alice.EpochAuthenticator.ToArray(), bob.EpochAuthenticator.ToArray());

        var message = await alice.EncryptApplicationMessageAsync("once"u8.ToArray(), cancellationToken: Ct).WithTimeout();
        await bob.ProcessMessageAsync(message, Ct).WithTimeout();
        await Assert.ThrowsAnyAsync<MlsException>(() => bob.ProcessMessageAsync(message, Ct).WithTimeout());

        // An application message sent just before a commit still decrypts after it (past-epoch retention) ...
        var late = await alice.EncryptApplicationMessageAsync("late"u8.ToArray(), cancellationToken: Ct).WithTimeout();
        var next = await alice.UpdateAsync(cancellationToken: Ct).WithTimeout();
        await bob.ProcessMessageAsync(next.Commit, Ct).WithTimeout();
        Assert.Equal("late", Encoding.UTF8.GetString((await bob.ProcessMessageAsync(late, Ct).WithTimeout()).ApplicationData!));

        // ... but not once retention is off.
        var strict = MlsGroup.Restore(bob.ExportState(), BobKey!, options with { PastEpochRetention = 0 });
        _owned.Add(strict);
        var stale = await alice.EncryptApplicationMessageAsync("old"u8.ToArray(), cancellationToken: Ct).WithTimeout();
        var third = await alice.UpdateAsync(cancellationToken: Ct).WithTimeout();
        await strict.ProcessMessageAsync(third.Commit, Ct).WithTimeout();
        var error = await Assert.ThrowsAsync<MlsException>(() => strict.ProcessMessageAsync(stale, Ct).WithTimeout());
        Assert.Equal(MlsErrorCode.WrongEpoch, error.ErrorCode);
    }

    [Fact]
    public async Task External_sender_proposals_are_accepted_only_when_allowed()
    {
        var senderKey = Signer();
        var senders = ExternalSender.ToExtension([new ExternalSender(senderKey.PublicKey.ToArray(), Credential.Basic("moderator"u8))]);
        var options = MlsGroupOptions.Default with { AllowExternalProposals = true };
        var aliceKey = Signer();
        var alice = Own(MlsGroup.Create(_suite, aliceKey, Credential.Basic("alice"u8), options, extensions: [senders]));
        var bobKey = Signer();
        var bobKp = Own(MlsGroup.CreateKeyPackage(_suite, bobKey, Credential.Basic("bob"u8), options));
        var add = await alice.AddMembersAsync([bobKp.KeyPackage], cancellationToken: Ct).WithTimeout();
        var bob = Own(await MlsGroup.JoinAsync(add.Welcome!, bobKp, bobKey, options, cancellationToken: Ct).WithTimeout());

        // The external sender proposes removing Bob: a PublicMessage signed without GroupContext and without membership tag.
        var framed = new FramedContent(alice.GroupId.ToArray(), alice.Epoch, Sender.External(0), [], ContentType.Proposal,
            Slim.Mls.Codec.TlsCodec.Serialize<Proposal>(new RemoveProposal(bob.OwnLeafIndex)));
        var auth = AuthenticatedContent.Sign(_suite, WireFormat.PublicMessage, framed, senderKey, null);
        var message = MlsMessage.From(PublicMessage.Protect(_suite, auth, null, []));

        var strict = MlsGroup.Restore(alice.ExportState(), aliceKey, MlsGroupOptions.Default);
        _owned.Add(strict);
        var refused = await Assert.ThrowsAsync<MlsException>(() => strict.ProcessMessageAsync(message, Ct).WithTimeout());
        Assert.Equal(MlsErrorCode.ExternalNotAllowed, refused.ErrorCode);

        var processed = await alice.ProcessMessageAsync(message, Ct).WithTimeout();
        Assert.Equal(ProcessedMessageKind.Proposal, processed.Kind);
        var commit = await alice.UpdateAsync(cancellationToken: Ct).WithTimeout();
        Assert.Equal([bob.OwnLeafIndex], commit.Summary.Removed);
        Assert.Single(alice.Members);
    }

    [Fact]
    public async Task A_committed_reinit_stops_the_group()
    {
        var (alice, bob) = await TwoMembersAsync(MlsGroupOptions.Default);
        var reinit = new ReInitProposal("next group"u8.ToArray(), ProtocolVersion.Mls10, _suite.Id, []);
        var commit = await alice.CreateCommitAsync([reinit], cancellationToken: Ct).WithTimeout();
        await alice.MergePendingCommitAsync(Ct).WithTimeout();
        var processed = await bob.ProcessMessageAsync(commit.Commit, Ct).WithTimeout();
        Assert.NotNull(processed.Commit!.ReInit);
        Assert.False(bob.IsActive);
        Assert.False(alice.IsActive);
        Assert.Equal("next group"u8.ToArray(), bob.PendingReInit!.GroupId);
        var error = await Assert.ThrowsAsync<MlsException>(() => bob.EncryptApplicationMessageAsync("x"u8.ToArray(), cancellationToken: Ct).AsTask().WithTimeout());
        Assert.Equal(MlsErrorCode.NotAMember, error.ErrorCode);
    }

    [Fact]
    public async Task A_commit_keeps_only_the_received_proposals_that_form_a_valid_list()
    {
        var (alice, bob) = await TwoMembersAsync(MlsGroupOptions.Default);
        var carolKey = Signer();
        var carolKp = Own(MlsGroup.CreateKeyPackage(_suite, carolKey, Credential.Basic("carol"u8)));
        var add = await alice.AddMembersAsync([carolKp.KeyPackage], cancellationToken: Ct).WithTimeout();
        await bob.ProcessMessageAsync(add.Commit, Ct).WithTimeout();
        var carol = Own(await MlsGroup.JoinAsync(add.Welcome!, carolKp, carolKey, cancellationToken: Ct).WithTimeout());

        // Bob wants to update, Carol wants Bob removed, Alice proposes her own update: Alice's commit must drop her own
        // Update and Bob's (the Remove wins) and still be valid for everyone.
        var bobUpdate = await bob.ProposeUpdateAsync(cancellationToken: Ct).WithTimeout();
        var carolRemove = await carol.ProposeRemoveAsync(bob.OwnLeafIndex, Ct).WithTimeout();
        var aliceUpdate = await alice.ProposeUpdateAsync(cancellationToken: Ct).WithTimeout();
        foreach (var message in new[] { bobUpdate, carolRemove, aliceUpdate })
        {
            foreach (var member in new[] { alice, bob, carol })
            {
                await member.ProcessMessageAsync(message, Ct).WithTimeout();
            }
        }

        var commit = await alice.UpdateAsync(cancellationToken: Ct).WithTimeout();
        Assert.Equal([bob.OwnLeafIndex], commit.Summary.Removed);
        Assert.True((await bob.ProcessMessageAsync(commit.Commit, Ct).WithTimeout()).Commit!.SelfRemoved);
        await carol.ProcessMessageAsync(commit.Commit, Ct).WithTimeout();
        Assert.Equal(alice.EpochAuthenticator.ToArray(), carol.EpochAuthenticator.ToArray());
    }

    [Fact]
    public async Task Groups_report_metrics_and_persist_from_creation()
    {
        var counts = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Slim.Mls")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => counts.AddOrUpdate(instrument.Name, value, (_, v) => v + value));
        listener.Start();

        var store = new InMemoryMlsGroupStore();
        var options = MlsGroupOptions.Default with { Store = store };
        var alice = Own(await MlsGroup.CreateAsync(_suite, Signer(), Credential.Basic("alice"u8), options, cancellationToken: Ct).WithTimeout());
        Assert.NotNull(await store.LoadAsync(alice.GroupId, Ct).WithTimeout());

        var bobKey = Signer();
        var bobKp = Own(MlsGroup.CreateKeyPackage(_suite, bobKey, Credential.Basic("bob"u8)));
        var add = await alice.AddMembersAsync([bobKp.KeyPackage], cancellationToken: Ct).WithTimeout();
        var bob = Own(await MlsGroup.JoinAsync(add.Welcome!, bobKp, bobKey, cancellationToken: Ct).WithTimeout());
        var message = await alice.EncryptApplicationMessageAsync("m"u8.ToArray(), cancellationToken: Ct).WithTimeout();
        await bob.ProcessMessageAsync(message, Ct).WithTimeout();
        await Assert.ThrowsAnyAsync<MlsException>(() => bob.ProcessMessageAsync(message, Ct).AsTask().WithTimeout());

        Assert.True(counts.GetValueOrDefault("slim.mls.commits.created") >= 1);
        Assert.True(counts.GetValueOrDefault("slim.mls.joins") >= 1);
        Assert.True(counts.GetValueOrDefault("slim.mls.messages.encrypted") >= 1);
        Assert.True(counts.GetValueOrDefault("slim.mls.messages.decrypted") >= 1);
        Assert.True(counts.GetValueOrDefault("slim.mls.messages.rejected") >= 1);
    }

    [Fact]
    public void Corrupt_state_is_refused_with_the_state_error()
    {
        using var signer = Signer();
        var group = Own(MlsGroup.Create(_suite, signer, Credential.Basic("alice"u8)));
        var state = group.ExportState();
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var bytes = (byte[])state.Clone();
            bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
            var cut = bytes[..random.Next(bytes.Length)];
            var error = Assert.Throws<MlsException>(() => MlsGroup.Restore(cut, signer).Dispose());
            Assert.Equal(MlsErrorCode.StateInvalid, error.ErrorCode);
        }

        using var restored = MlsGroup.Restore(state, signer);
        Assert.Equal(group.EpochAuthenticator.ToArray(), restored.EpochAuthenticator.ToArray());
    }

    private SignaturePrivateKey? DaveKey { get; set; }

    private SignaturePrivateKey? BobKey => DaveKey;


    private async Task<(MlsGroup Alice, MlsGroup Bob)> TwoMembersAsync(MlsGroupOptions options)
    {
        var alice = Own(MlsGroup.Create(_suite, Signer(), Credential.Basic("alice"u8), options));
        var bobKey = Signer();
        DaveKey = bobKey;
        var bobKp = Own(MlsGroup.CreateKeyPackage(_suite, bobKey, Credential.Basic("bob"u8), options));
        var add = await alice.AddMembersAsync([bobKp.KeyPackage], cancellationToken: Ct).WithTimeout();
        var bob = Own(await MlsGroup.JoinAsync(add.Welcome!, bobKp, bobKey, options, cancellationToken: Ct).WithTimeout());
        return (alice, bob);
    }

    private SignaturePrivateKey Signer()
    {
        using var pair = _suite.GenerateSignatureKeyPair();
        return Own(_suite.SignatureScheme.ImportPrivateKey(pair.PrivateKey));
    }

    private T Own<T>(T item)
        where T : IDisposable
    {
        _owned.Add(item);
        return item;
    }

    private sealed class OnlyNamed(string allowed) : ICredentialValidator
    {
        public ValueTask<CredentialValidation> ValidateAsync(Credential credential, ReadOnlyMemory<byte> signatureKey, CredentialValidationReason reason, CancellationToken cancellationToken = default)
        {
            var name = Encoding.UTF8.GetString(credential.Identity.Span);
            return ValueTask.FromResult(name is "alice" || name == allowed ? CredentialValidation.Accept(name) : CredentialValidation.Reject($"{name} is not invited"));
        }
    }
}
