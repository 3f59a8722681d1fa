using System.Text;
using Slim.Mls.CipherSuites;
using Slim.Mls.Credentials;
using Slim.Mls.Framing;
using Slim.Mls.Group;
using Slim.Mls.KeyPackages;
using Slim.Testing;

namespace Slim.Mls.Tests.Group;

/// <summary>Group operations between instances of our implementation: create, add, join, messages, update, remove, persistence.</summary>
public sealed class MlsGroupTests
{
    public static TheoryData<ushort> Suites => [1, 2];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Client : IDisposable
    {
        public Client(CipherSuite suite, string name)
        {
            Signer = suite.SignatureScheme.ImportPrivateKey(suite.GenerateSignatureKeyPair().PrivateKey);
            Credential = Credential.Basic(Encoding.UTF8.GetBytes(name));
        }

        public SignaturePrivateKey Signer { get; }

        public Credential Credential { get; }

        public MlsGroup? Group { get; set; }

        public void Dispose()
        {
            Group?.Dispose();
            Signer.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public async Task Members_join_exchange_messages_update_and_remove(ushort suiteId)
    {
        var suite = CipherSuite.Get((CipherSuiteId)suiteId);
        using var alice = new Client(suite, "alice");
        using var bob = new Client(suite, "bob");
        using var carol = new Client(suite, "carol");
        alice.Group = MlsGroup.Create(suite, alice.Signer, alice.Credential);

        using var bobKp = MlsGroup.CreateKeyPackage(suite, bob.Signer, bob.Credential);
        using var carolKp = MlsGroup.CreateKeyPackage(suite, carol.Signer, carol.Credential);
        var kpMessage = MlsMessage.FromBody(WireFormat.KeyPackage, bobKp.KeyPackage.Encoded);
        var add = await alice.Group.AddMembersAsync([bobKp.KeyPackage, carolKp.KeyPackage], cancellationToken: Ct).WithTimeout();
        Assert.NotNull(add.Welcome);
        Assert.Equal(WireFormat.PublicMessage, add.Commit.WireFormat);
        Assert.Null(add.Commit.PublicMessage!.Content.Content.Length == 0 ? "" : null);
        Assert.Equal(1ul, alice.Group.Epoch);

        var welcomeBytes = add.Welcome!.ToBytes();
        bob.Group = await MlsGroup.JoinAsync(MlsMessage.Decode(welcomeBytes), bobKp, bob.Signer, cancellationToken: Ct).WithTimeout();
        carol.Group = await MlsGroup.JoinAsync(MlsMessage.Decode(welcomeBytes), carolKp, carol.Signer, cancellationToken: Ct).WithTimeout();
        Assert.Equal(alice.Group.EpochAuthenticator.ToArray(), bob.Group.EpochAuthenticator.ToArray());
        Assert.Equal(alice.Group.EpochAuthenticator.ToArray(), carol.Group.EpochAuthenticator.ToArray());
        Assert.Equal(3, bob.Group.Members.Count);

        var aad = new byte[] { 1, 2, 3 };
        var encrypted = await alice.Group.EncryptApplicationMessageAsync(Encoding.UTF8.GetBytes("hello"), aad, cancellationToken: Ct).WithTimeout();
        var received = await bob.Group.ProcessMessageAsync(MlsMessage.Decode(encrypted.ToBytes()), cancellationToken: Ct).WithTimeout();
        Assert.Equal(ProcessedMessageKind.Application, received.Kind);
        Assert.Equal("hello", Encoding.UTF8.GetString(received.ApplicationData!));
        Assert.Equal(aad, received.AuthenticatedData);

        // Bob proposes an update; Alice commits it by reference with a path; everyone follows.
        var proposal = await bob.Group.ProposeUpdateAsync(cancellationToken: Ct).WithTimeout();
        await alice.Group.ProcessMessageAsync(MlsMessage.Decode(proposal.ToBytes()), cancellationToken: Ct).WithTimeout();
        await carol.Group.ProcessMessageAsync(MlsMessage.Decode(proposal.ToBytes()), cancellationToken: Ct).WithTimeout();
        var update = await alice.Group.UpdateAsync(cancellationToken: Ct).WithTimeout();
        await bob.Group.ProcessMessageAsync(MlsMessage.Decode(update.Commit.ToBytes()), cancellationToken: Ct).WithTimeout();
        await carol.Group.ProcessMessageAsync(MlsMessage.Decode(update.Commit.ToBytes()), cancellationToken: Ct).WithTimeout();
        Assert.Equal(alice.Group.EpochAuthenticator.ToArray(), bob.Group.EpochAuthenticator.ToArray());
        Assert.Equal(alice.Group.EpochAuthenticator.ToArray(), carol.Group.EpochAuthenticator.ToArray());

        // Carol commits an empty commit; then Alice removes Bob.
        var empty = await carol.Group.UpdateAsync(cancellationToken: Ct).WithTimeout();
        await alice.Group.ProcessMessageAsync(empty.Commit, cancellationToken: Ct).WithTimeout();
        await bob.Group.ProcessMessageAsync(empty.Commit, cancellationToken: Ct).WithTimeout();
        var remove = await alice.Group.RemoveMembersAsync([bob.Group.OwnLeafIndex], cancellationToken: Ct).WithTimeout();
        var bobView = await bob.Group.ProcessMessageAsync(remove.Commit, cancellationToken: Ct).WithTimeout();
        Assert.True(bobView.Commit!.SelfRemoved);
        Assert.False(bob.Group.IsActive);
        await carol.Group.ProcessMessageAsync(remove.Commit, cancellationToken: Ct).WithTimeout();
        Assert.Equal(alice.Group.EpochAuthenticator.ToArray(), carol.Group.EpochAuthenticator.ToArray());
        Assert.Equal(2, carol.Group.Members.Count);
        Assert.Equal(alice.Group.ExportSecret("test", [9], 32), carol.Group.ExportSecret("test", [9], 32));

        var fromCarol = await carol.Group.EncryptApplicationMessageAsync(Encoding.UTF8.GetBytes("bye"), cancellationToken: Ct).WithTimeout();
        Assert.Equal("bye", Encoding.UTF8.GetString((await alice.Group.ProcessMessageAsync(fromCarol, cancellationToken: Ct).WithTimeout()).ApplicationData!));
        Assert.Equal(WireFormat.KeyPackage, MlsMessage.Decode(kpMessage.ToBytes()).WireFormat);
        Assert.Equal(bobKp.KeyPackage, MlsMessages.ReadKeyPackage(MlsMessages.FromKeyPackage(bobKp.KeyPackage).ToBytes()));
        var wrong = Assert.Throws<MlsException>(() => MlsMessages.ReadKeyPackage(add.Welcome!.ToBytes()));
        Assert.Equal(MlsErrorCode.WrongWireFormat, wrong.ErrorCode);
        var info = MlsMessages.ReadGroupInfo(MlsMessages.FromGroupInfo(alice.Group.CreateGroupInfo()).ToBytes());
        Assert.Equal(alice.Group.Epoch, info.GroupContext.Epoch);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public async Task A_restored_group_continues_where_it_left_off(ushort suiteId)
    {
        var suite = CipherSuite.Get((CipherSuiteId)suiteId);
        using var alice = new Client(suite, "alice");
        using var bob = new Client(suite, "bob");
        var store = new InMemoryMlsGroupStore();
        var options = MlsGroupOptions.Default with { Store = store };
        alice.Group = MlsGroup.Create(suite, alice.Signer, alice.Credential, options);
        using var bobKp = MlsGroup.CreateKeyPackage(suite, bob.Signer, bob.Credential);
        var add = await alice.Group.AddMembersAsync([bobKp.KeyPackage], cancellationToken: Ct).WithTimeout();
        bob.Group = await MlsGroup.JoinAsync(add.Welcome!, bobKp, bob.Signer, options, cancellationToken: Ct).WithTimeout();
        var first = await alice.Group.EncryptApplicationMessageAsync(new byte[] { 1 }, cancellationToken: Ct).WithTimeout();

        using var restoredAlice = (await MlsGroup.LoadAsync(store, alice.Group.GroupId, alice.Signer, cancellationToken: Ct).WithTimeout())!;
        using var restoredBob = MlsGroup.Restore(bob.Group.ExportState(), bob.Signer);
        Assert.Equal(alice.Group.EpochAuthenticator.ToArray(), restoredAlice.EpochAuthenticator.ToArray());
        Assert.Equal(1, (await restoredBob.ProcessMessageAsync(first, cancellationToken: Ct).WithTimeout()).ApplicationData![0]);

        // The restored sender continues with a fresh generation: Bob (original) accepts both messages.
        var second = await restoredAlice.EncryptApplicationMessageAsync(new byte[] { 2 }, cancellationToken: Ct).WithTimeout();
        Assert.Equal(1, (await bob.Group.ProcessMessageAsync(first, cancellationToken: Ct).WithTimeout()).ApplicationData![0]);
        Assert.Equal(2, (await bob.Group.ProcessMessageAsync(second, cancellationToken: Ct).WithTimeout()).ApplicationData![0]);
        var update = await restoredAlice.UpdateAsync(cancellationToken: Ct).WithTimeout();
        await restoredBob.ProcessMessageAsync(update.Commit, cancellationToken: Ct).WithTimeout();
        Assert.Equal(restoredAlice.EpochAuthenticator.ToArray(), restoredBob.EpochAuthenticator.ToArray());
        Assert.True(store.SaveCount > 3);
    }

    [Fact]
    public async Task A_tampered_commit_is_rejected_and_leaves_the_group_unchanged()
    {
        var suite = CipherSuite.Get(CipherSuiteId.P256Aes128GcmSha256P256);
        using var alice = new Client(suite, "alice");
        using var bob = new Client(suite, "bob");
        alice.Group = MlsGroup.Create(suite, alice.Signer, alice.Credential);
        using var bobKp = MlsGroup.CreateKeyPackage(suite, bob.Signer, bob.Credential);
        var add = await alice.Group.AddMembersAsync([bobKp.KeyPackage], cancellationToken: Ct).WithTimeout();
        bob.Group = await MlsGroup.JoinAsync(add.Welcome!, bobKp, bob.Signer, cancellationToken: Ct).WithTimeout();
        var update = await alice.Group.UpdateAsync(cancellationToken: Ct).WithTimeout();
        var bytes = update.Commit.ToBytes();
        bytes[^5] ^= 1;
        var epoch = bob.Group.Epoch;
        await Assert.ThrowsAnyAsync<MlsException>(() => bob.Group.ProcessMessageAsync(bytes, cancellationToken: Ct).WithTimeout());
        Assert.Equal(epoch, bob.Group.Epoch);
        await bob.Group.ProcessMessageAsync(update.Commit, cancellationToken: Ct).WithTimeout();
        Assert.Equal(alice.Group.EpochAuthenticator.ToArray(), bob.Group.EpochAuthenticator.ToArray());
    }

    [Fact]
    public async Task A_welcome_for_someone_else_is_refused()
    {
        var suite = CipherSuite.Get(CipherSuiteId.X25519Aes128GcmSha256Ed25519);
        using var alice = new Client(suite, "alice");
        using var bob = new Client(suite, "bob");
        alice.Group = MlsGroup.Create(suite, alice.Signer, alice.Credential);
        using var bobKp = MlsGroup.CreateKeyPackage(suite, bob.Signer, bob.Credential);
        using var otherKp = MlsGroup.CreateKeyPackage(suite, bob.Signer, bob.Credential);
        var add = await alice.Group.AddMembersAsync([bobKp.KeyPackage], cancellationToken: Ct).WithTimeout();
        var error = await Assert.ThrowsAsync<MlsException>(() => MlsGroup.JoinAsync(add.Welcome!, otherKp, bob.Signer, cancellationToken: Ct).WithTimeout());
        Assert.Equal(MlsErrorCode.WelcomeNotForUs, error.ErrorCode);
    }
}
