using System.Text;
using Slim.Mls.CipherSuites;
using Slim.Mls.Credentials;
using Slim.Mls.Framing;
using Slim.Mls.Group;
using Slim.Mls.Proposals;
using Slim.Testing;

namespace Slim.Mls.Tests.Group;

/// <summary>
/// The sequence a SLIM moderated group runs (suite 2, persistence after every operation, identity-token credentials):
/// invites one by one, messages with header AAD, a participant's credential rotation committed by the moderator, a
/// removal, and a rejoin as one remove+add commit, with a participant restored from its store half-way.
/// </summary>
public sealed class SlimStyleSessionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_moderated_group_runs_the_slim_sequence()
    {
        var suite = CipherSuite.Get(CipherSuiteId.P256Aes128GcmSha256P256);
        // Each client has its own store (a store holds one client's state per group), as each SLIM app does.
        var store = new InMemoryMlsGroupStore();
        var options = MlsGroupOptions.Default with { CredentialValidator = new TokenValidator(), Store = new InMemoryMlsGroupStore() };
        var p1Options = options with { Store = store };
        using var moderatorKey = Key(suite);
        using var p1Key = Key(suite);
        using var p2Key = Key(suite);
        using var moderator = await MlsGroup.CreateAsync(suite, moderatorKey, Token("moderator", moderatorKey, 1), options, cancellationToken: Ct).WithTimeout();

        // Invite participant 1, then participant 2 (the existing member processes the second commit).
        using var kp1 = MlsGroup.CreateKeyPackage(suite, p1Key, Token("p1", p1Key, 1), options);
        var invite1 = await moderator.AddMembersAsync([MlsMessages.ReadKeyPackage(MlsMessages.FromKeyPackage(kp1.KeyPackage).ToBytes())], cancellationToken: Ct).WithTimeout();
        var p1 = await MlsGroup.JoinAsync(MlsMessage.Decode(invite1.Welcome!.ToBytes()), kp1, p1Key, p1Options, cancellationToken: Ct).WithTimeout();
        using var kp2 = MlsGroup.CreateKeyPackage(suite, p2Key, Token("p2", p2Key, 1), options);
        var invite2 = await moderator.AddMembersAsync([kp2.KeyPackage], cancellationToken: Ct).WithTimeout();
        Assert.Null(TlsCommit(invite2).Path);
        await p1.ProcessMessageAsync(invite2.Commit.ToBytes(), Ct).WithTimeout();
        using var p2 = await MlsGroup.JoinAsync(invite2.Welcome!, kp2, p2Key, options with { Store = new InMemoryMlsGroupStore() }, cancellationToken: Ct).WithTimeout();

        // Messages carry the header-integrity AAD.
        var aad = Encoding.UTF8.GetBytes("header-integrity-aad");
        var hello = await moderator.EncryptApplicationMessageAsync("hello"u8.ToArray(), aad, Ct).WithTimeout();
        Assert.Equal(aad, (await p2.ProcessMessageAsync(hello.ToBytes(), Ct).WithTimeout()).AuthenticatedData);
        Assert.True(store.SaveCount >= 2);

        // p1 restarts from its store, then rotates its credential (fresh token, same sub); the moderator commits it.
        p1.Dispose();
        using var p1Restored = (await MlsGroup.LoadAsync(store, moderator.GroupId, p1Key, p1Options, Ct).WithTimeout())!;
        await p1Restored.ProcessMessageAsync(hello.ToBytes(), Ct).WithTimeout();
        var rotation = await p1Restored.ProposeUpdateAsync(Token("p1", p1Key, 2), Ct).WithTimeout();
        await moderator.ProcessMessageAsync(rotation.ToBytes(), Ct).WithTimeout();
        await p2.ProcessMessageAsync(rotation.ToBytes(), Ct).WithTimeout();
        var commit = await moderator.UpdateAsync(cancellationToken: Ct).WithTimeout();
        await p1Restored.ProcessMessageAsync(commit.Commit.ToBytes(), Ct).WithTimeout();
        await p2.ProcessMessageAsync(commit.Commit.ToBytes(), Ct).WithTimeout();
        Assert.Equal(moderator.EpochAuthenticator.ToArray(), p1Restored.EpochAuthenticator.ToArray());

        // A rotation to another subject is refused.
        var impostor = await p1Restored.ProposeUpdateAsync(Token("someone-else", p1Key, 3), Ct).WithTimeout();
        await moderator.ProcessMessageAsync(impostor.ToBytes(), Ct).WithTimeout();
        var refused = await Assert.ThrowsAsync<MlsException>(() => moderator.UpdateAsync(cancellationToken: Ct).WithTimeout());
        Assert.Equal(MlsErrorCode.CredentialRejected, refused.ErrorCode);

        // Remove p2; then p2 rejoins with a new KeyPackage in one remove+add commit (SLIM's rejoin).
        var moderatorState = moderator.ExportState();
        using var moderator2 = MlsGroup.Restore(moderatorState, moderatorKey, options with { Store = null });
        var p2Leaf = p2.OwnLeafIndex;
        using var kp2b = MlsGroup.CreateKeyPackage(suite, p2Key, Token("p2", p2Key, 4), options);
        var rejoin = await moderator2.CreateCommitAsync(
            [new RemoveProposal(p2Leaf), new AddProposal(kp2b.KeyPackage)], CommitOptions.Default with { IncludePendingProposals = false }, Ct).WithTimeout();
        await moderator2.MergePendingCommitAsync(Ct).WithTimeout();
        Assert.True((await p2.ProcessMessageAsync(rejoin.Commit.ToBytes(), Ct).WithTimeout()).Commit!.SelfRemoved);
        using var p2Again = await MlsGroup.JoinAsync(rejoin.Welcome!, kp2b, p2Key, options with { Store = null }, cancellationToken: Ct).WithTimeout();
        Assert.Equal(moderator2.EpochAuthenticator.ToArray(), p2Again.EpochAuthenticator.ToArray());
        var last = await p2Again.EncryptApplicationMessageAsync("back"u8.ToArray(), aad, Ct).WithTimeout();
        Assert.Equal("back", Encoding.UTF8.GetString((await moderator2.ProcessMessageAsync(last.ToBytes(), Ct).WithTimeout()).ApplicationData!));
    }

    private static Slim.Mls.Commits.Commit TlsCommit(CommitOutput output) =>
        Slim.Mls.Codec.TlsCodec.Deserialize<Slim.Mls.Commits.Commit>(output.Commit.PublicMessage!.Content.Content);

    private static SignaturePrivateKey Key(CipherSuite suite)
    {
        using var pair = suite.GenerateSignatureKeyPair();
        return suite.SignatureScheme.ImportPrivateKey(pair.PrivateKey);
    }

    // A stand-in for SLIM's identity token: "sub:serial:pubkey" (the real one is HMAC'd or a JWT).
    private static Credential Token(string subject, SignaturePrivateKey key, int serial) =>
        Credential.Basic(Encoding.UTF8.GetBytes($"{subject}:{serial}:{Convert.ToBase64String(key.PublicKey)}"));

    // Like SLIM's validator: the token's pubkey must be the leaf's signature key; the identity is the subject.
    private sealed class TokenValidator : ICredentialValidator
    {
        public ValueTask<CredentialValidation> ValidateAsync(Credential credential, ReadOnlyMemory<byte> signatureKey, CredentialValidationReason reason, CancellationToken cancellationToken = default)
        {
            var parts = Encoding.UTF8.GetString(credential.Identity.Span).Split(':');
            return ValueTask.FromResult(
                parts.Length == 3 && parts[2] == Convert.ToBase64String(signatureKey.Span)
                    ? CredentialValidation.Accept(parts[0])
                    : CredentialValidation.Reject("token pubkey does not match the signature key"));
        }
    }
}
