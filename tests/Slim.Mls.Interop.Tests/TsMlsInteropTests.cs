using System.Text;
using System.Text.Json;
using Slim.Mls.CipherSuites;
using Slim.Mls.Credentials;
using Slim.Mls.Framing;
using Slim.Mls.Group;
using Slim.Mls.Tree;
using Slim.Testing;
using Slim.Testing.Mls;

namespace Slim.Mls.Interop.Tests;

/// <summary>
/// Groups shared between our implementation and ts-mls 1.6.4 on suites 1, 2, 3, 5 and 7: each side creates a group the other
/// joins; add, remove, update (commits with and without path) and application messages both ways; the epoch
/// authenticator and an exported secret must agree after every step.
/// </summary>
public sealed class TsMlsInteropTests
{
    public static TheoryData<ushort> Suites => [1, 2, 3, 5, 7];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Suites))]
    public async Task A_group_we_create_is_joined_and_driven_by_ts_mls(ushort suiteId)
    {
        var suite = CipherSuite.Get((CipherSuiteId)suiteId);
        await using var peer = TsMlsPeer.Start();
        using var aliceKey = NewSigner(suite);
        using var carolKey = NewSigner(suite);
        using var alice = MlsGroup.Create(suite, aliceKey, Credential.Basic("alice"u8));

        await peer.CallAsync("create_client", new { name = "bob", suite = (int)suiteId }, Ct).WithTimeout();
        await peer.CallAsync("create_client", new { name = "dave", suite = (int)suiteId }, Ct).WithTimeout();
        var bobKp = (await peer.CallAsync("key_package", new { name = "bob" }, Ct).WithTimeout()).HexBytes("key_package");
        var daveKp = (await peer.CallAsync("key_package", new { name = "dave" }, Ct).WithTimeout()).HexBytes("key_package");
        using var carolBundle = MlsGroup.CreateKeyPackage(suite, carolKey, Credential.Basic("carol"u8));

        // Alice adds Bob (ts-mls) and Carol (ours) in one add-only commit; both join from the same Welcome.
        var add = await alice.AddMembersAsync([KeyPackageOf(bobKp), carolBundle.KeyPackage], cancellationToken: Ct).WithTimeout();
        Assert.Null(add.Commit.PublicMessage!.Content.Content.Length == 0 ? add : null);
        await peer.CallAsync("join", new { name = "bob", welcome = add.Welcome!.ToBytes().ToHex() }, Ct).WithTimeout();
        using var carol = await MlsGroup.JoinAsync(add.Welcome!, carolBundle, carolKey, cancellationToken: Ct).WithTimeout();
        await AssertInSyncAsync(peer, "bob", alice);
        await AssertInSyncAsync(peer, "bob", carol);

        // Application messages both ways, with authenticated data.
        await SendToPeerAsync(peer, alice, "bob", "hello bob");
        var fromBob = await peer.CallAsync("encrypt", new { name = "bob", data = "hi all"u8.ToArray().ToHex(), aad = new byte[] { 7, 7 }.ToHex() }, Ct).WithTimeout();
        foreach (var member in new[] { alice, carol })
        {
            var received = await member.ProcessMessageAsync(fromBob.HexBytes("message"), Ct).WithTimeout();
            Assert.Equal("hi all", Encoding.UTF8.GetString(received.ApplicationData!));
            Assert.Equal(new byte[] { 7, 7 }, received.AuthenticatedData);
        }

        // Our empty commit (full path) is processed by ts-mls; then ts-mls commits an update with path and adds Dave.
        var update = await carol.UpdateAsync(cancellationToken: Ct).WithTimeout();
        await alice.ProcessMessageAsync(update.Commit, Ct).WithTimeout();
        await peer.CallAsync("process", new { name = "bob", message = update.Commit.ToBytes().ToHex() }, Ct).WithTimeout();
        await AssertInSyncAsync(peer, "bob", alice);

        var bobCommit = await peer.CallAsync("commit", new { name = "bob", add = new[] { daveKp.ToHex() } }, Ct).WithTimeout();
        await alice.ProcessMessageAsync(bobCommit.HexBytes("commit"), Ct).WithTimeout();
        await carol.ProcessMessageAsync(bobCommit.HexBytes("commit"), Ct).WithTimeout();
        await peer.CallAsync("join", new { name = "dave", welcome = bobCommit.GetProperty("welcome").GetString() }, Ct).WithTimeout();
        await AssertInSyncAsync(peer, "dave", alice);
        await AssertInSyncAsync(peer, "bob", carol);
        Assert.Equal(4, alice.Members.Count);

        // Alice removes Bob; everyone left (including Dave on ts-mls) follows.
        var bobLeaf = alice.Members.Single(m => m.Credential.Identity.Span.SequenceEqual("bob"u8)).Index;
        var remove = await alice.RemoveMembersAsync([bobLeaf], cancellationToken: Ct).WithTimeout();
        await carol.ProcessMessageAsync(remove.Commit, Ct).WithTimeout();
        await peer.CallAsync("process", new { name = "dave", message = remove.Commit.ToBytes().ToHex() }, Ct).WithTimeout();
        await AssertInSyncAsync(peer, "dave", alice);
        await SendToPeerAsync(peer, carol, "dave", "bob has left");
        Assert.Equal(3, alice.Members.Count);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public async Task We_join_a_group_ts_mls_creates_and_commit_into_it(ushort suiteId)
    {
        var suite = CipherSuite.Get((CipherSuiteId)suiteId);
        await using var peer = TsMlsPeer.Start();
        using var bobKey = NewSigner(suite);
        await peer.CallAsync("create_client", new { name = "alice", suite = (int)suiteId }, Ct).WithTimeout();
        await peer.CallAsync("create_client", new { name = "carol", suite = (int)suiteId }, Ct).WithTimeout();
        await peer.CallAsync("create_group", new { name = "alice", group_id = "0a0b0c0d" }, Ct).WithTimeout();
        var carolKp = (await peer.CallAsync("key_package", new { name = "carol" }, Ct).WithTimeout()).GetProperty("key_package").GetString();

        using var bobBundle = MlsGroup.CreateKeyPackage(suite, bobKey, Credential.Basic("bob"u8));
        var kpMessage = MlsMessages.FromKeyPackage(bobBundle.KeyPackage).ToBytes().ToHex();
        var add = await peer.CallAsync("commit", new { name = "alice", add = new[] { kpMessage, carolKp } }, Ct).WithTimeout();
        using var bob = await MlsGroup.JoinAsync(MlsMessage.Decode(add.HexBytes("welcome")), bobBundle, bobKey, cancellationToken: Ct).WithTimeout();
        await peer.CallAsync("join", new { name = "carol", welcome = add.GetProperty("welcome").GetString() }, Ct).WithTimeout();
        await AssertInSyncAsync(peer, "alice", bob);
        await AssertInSyncAsync(peer, "carol", bob);

        await SendToPeerAsync(peer, bob, "alice", "hello from .NET");
        var fromAlice = await peer.CallAsync("encrypt", new { name = "alice", data = "hello from ts"u8.ToArray().ToHex(), aad = "" }, Ct).WithTimeout();
        Assert.Equal("hello from ts", Encoding.UTF8.GetString((await bob.ProcessMessageAsync(fromAlice.HexBytes("message"), Ct).WithTimeout()).ApplicationData!));

        // ts-mls proposes removing Carol; we commit the proposal by reference (with our path); Alice follows.
        // (ts-mls 1.6.4 members cannot verify each other's PublicMessage proposals, so only we process it.)
        var carolLeaf = bob.Members.Single(m => m.Credential.Identity.Span.SequenceEqual("carol"u8)).Index;
        var proposal = await peer.CallAsync("propose_remove", new { name = "alice", leaf = carolLeaf.Value }, Ct).WithTimeout();
        var processed = await bob.ProcessMessageAsync(proposal.HexBytes("message"), Ct).WithTimeout();
        Assert.Equal(ProcessedMessageKind.Proposal, processed.Kind);
        var commit = await bob.UpdateAsync(cancellationToken: Ct).WithTimeout();
        Assert.Equal([carolLeaf], commit.Summary.Removed);
        await peer.CallAsync("process", new { name = "alice", message = commit.Commit.ToBytes().ToHex() }, Ct).WithTimeout();
        await AssertInSyncAsync(peer, "alice", bob);
        Assert.Equal(2, bob.Members.Count);

        // Alice commits an empty update; we follow; then Alice removes us.
        var aliceUpdate = await peer.CallAsync("commit", new { name = "alice" }, Ct).WithTimeout();
        await bob.ProcessMessageAsync(aliceUpdate.HexBytes("commit"), Ct).WithTimeout();
        await AssertInSyncAsync(peer, "alice", bob);
        await SendToPeerAsync(peer, bob, "alice", "still here");

        var removeBob = await peer.CallAsync("commit", new { name = "alice", remove = new[] { bob.OwnLeafIndex.Value } }, Ct).WithTimeout();
        var last = await bob.ProcessMessageAsync(removeBob.HexBytes("commit"), Ct).WithTimeout();
        Assert.True(last.Commit!.SelfRemoved);
        Assert.False(bob.IsActive);
    }


    private static SignaturePrivateKey NewSigner(CipherSuite suite)
    {
        using var pair = suite.GenerateSignatureKeyPair();
        return suite.SignatureScheme.ImportPrivateKey(pair.PrivateKey);
    }

    private static Slim.Mls.KeyPackages.KeyPackage KeyPackageOf(byte[] mlsMessage) => MlsMessages.ReadKeyPackage(mlsMessage);

    private static async Task SendToPeerAsync(TsMlsPeer peer, MlsGroup sender, string receiver, string text)
    {
        var message = await sender.EncryptApplicationMessageAsync(Encoding.UTF8.GetBytes(text), new byte[] { 1, 2, 3 }, Ct).WithTimeout();
        var received = await peer.CallAsync("process", new { name = receiver, message = message.ToBytes().ToHex() }, Ct).WithTimeout();
        Assert.Equal("application", received.GetProperty("kind").GetString());
        Assert.Equal(text, Encoding.UTF8.GetString(received.HexBytes("data")));
    }

    private static async Task AssertInSyncAsync(TsMlsPeer peer, string name, MlsGroup group)
    {
        var exported = await peer.CallAsync("export", new { name, label = "slim interop", context = "0102", length = 32 }, Ct).WithTimeout();
        Assert.Equal(group.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), exported.GetProperty("epoch").GetString());
        Assert.Equal(group.EpochAuthenticator.ToArray().ToHex(), exported.GetProperty("epoch_authenticator").GetString());
        Assert.Equal(group.ExportSecret("slim interop", [1, 2], 32).ToHex(), exported.GetProperty("secret").GetString());
    }
}
