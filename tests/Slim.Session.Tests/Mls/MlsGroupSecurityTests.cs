using System.Text;
using Slim.Identity;
using Slim.Identity.SharedSecret;
using Slim.Mls;
using Slim.Mls.Credentials;
using Slim.Mls.Framing;
using Slim.Protocol;
using Slim.Session.Mls;
using Slim.Session.Mls.Internal;
using Slim.Testing;

namespace Slim.Session.Tests.Mls;

/// <summary>
/// The MLS glue on its own, with the real shared-secret identity of Slim.Identity: credentials (token verifies, pubkey is
/// the leaf key, identity is the subject, successor rule, expiry), the seam's operations and their refusals.
/// </summary>
public sealed class MlsGroupSecurityTests : IDisposable
{
    private const string Secret = "mls-glue-tests-shared-secret-0123456789abcdef";

    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero));
    private readonly List<IDisposable> _disposables = [];

    public void Dispose()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_credential_is_accepted_when_its_token_verifies_and_names_the_leaf_key_and_its_identity_is_the_subject()
    {
        var alice = Provider("org/ns/alice");
        var verifier = Verifier();
        var validator = new IdentityCredentialValidator(verifier, _time);

        var credential = CredentialOf(alice);
        var accepted = await validator.ValidateAsync(credential, alice.PublicKey, CredentialValidationReason.NewMember, Ct).WithTimeout();
        Assert.True(accepted.IsValid, accepted.Error);
        Assert.Equal(alice.Id, accepted.Identity);

        // Verified once: the same credential again is answered from memory; a fresh token is verified.
        var again = await validator.ValidateAsync(credential, alice.PublicKey, CredentialValidationReason.NewMember, Ct).WithTimeout();
        Assert.True(again.IsValid);
        Assert.Equal(1, validator.Verifications);
        Assert.True((await validator.ValidateAsync(CredentialOf(alice), alice.PublicKey, CredentialValidationReason.NewMember, Ct).WithTimeout()).IsValid);
        Assert.Equal(2, validator.Verifications);
    }

    [Fact]
    public async Task A_credential_is_refused_for_another_key_another_secret_another_type_or_an_external_sender()
    {
        var alice = Provider("org/ns/alice");
        var mallory = Provider("org/ns/mallory");
        var validator = new IdentityCredentialValidator(Verifier(), _time);
        using var otherSecret = new SharedSecretIdentityProvider(
            "org/ns/alice", "another-secret-of-at-least-32-bytes-0123456789", new SharedSecretProviderOptions { TimeProvider = _time });

        async Task<CredentialValidation> Check(Credential credential, ReadOnlyMemory<byte> key, CredentialValidationReason reason = CredentialValidationReason.NewMember) =>
            await validator.ValidateAsync(credential, key, reason, Ct).WithTimeout();

        Assert.Contains("pubkey", (await Check(CredentialOf(alice), mallory.PublicKey)).Error, StringComparison.Ordinal);
        Assert.False((await Check(CredentialOf(otherSecret), otherSecret.PublicKey)).IsValid);
        Assert.False((await Check(Credential.Basic([0xFF, 0xFE, 0x00]), alice.PublicKey)).IsValid);
        Assert.False((await Check(Credential.X509([[0x30, 0x00]]), alice.PublicKey)).IsValid);
        Assert.False((await Check(CredentialOf(alice), alice.PublicKey, CredentialValidationReason.ExternalSender)).IsValid);
        Assert.False((await Check(CredentialOf(alice), alice.PublicKey, CredentialValidationReason.ExternalJoiner)).IsValid);
        Assert.True((await Check(CredentialOf(alice), alice.PublicKey)).IsValid);
    }

    [Fact]
    public async Task An_expired_token_admits_nobody_new_but_a_member_admitted_with_it_stays_valid()
    {
        var alice = Provider("org/ns/alice");
        var bob = Provider("org/ns/bob");
        var validator = new IdentityCredentialValidator(Verifier(), _time);
        var aliceCredential = CredentialOf(alice);
        var bobCredential = CredentialOf(bob);
        Assert.True((await validator.ValidateAsync(aliceCredential, alice.PublicKey, CredentialValidationReason.NewMember, Ct).WithTimeout()).IsValid);

        _time.Advance(TimeSpan.FromHours(2));
        Assert.False((await validator.ValidateAsync(aliceCredential, alice.PublicKey, CredentialValidationReason.NewMember, Ct).WithTimeout()).IsValid);
        Assert.True((await validator.ValidateAsync(aliceCredential, alice.PublicKey, CredentialValidationReason.Successor, Ct).WithTimeout()).IsValid);
        Assert.True((await validator.ValidateAsync(aliceCredential, alice.PublicKey, CredentialValidationReason.ExistingMember, Ct).WithTimeout()).IsValid);

        // A credential never seen before is verified, and an expired token is refused whatever the reason.
        Assert.False((await validator.ValidateAsync(bobCredential, bob.PublicKey, CredentialValidationReason.ExistingMember, Ct).WithTimeout()).IsValid);
    }

    [Fact]
    public async Task A_member_may_replace_its_credential_only_with_one_of_the_same_subject()
    {
        var alice = Provider("org/ns/alice");
        var bob = Provider("org/ns/bob");
        ICredentialValidator validator = new IdentityCredentialValidator(Verifier(), _time);
        var first = CredentialOf(alice);
        var renewed = CredentialOf(alice);
        var other = CredentialOf(bob);
        var a1 = await validator.ValidateAsync(first, alice.PublicKey, CredentialValidationReason.ExistingMember, Ct).WithTimeout();
        var a2 = await validator.ValidateAsync(renewed, alice.PublicKey, CredentialValidationReason.Successor, Ct).WithTimeout();
        var b = await validator.ValidateAsync(other, bob.PublicKey, CredentialValidationReason.Successor, Ct).WithTimeout();
        Assert.True(validator.IsValidSuccessor(a1, first, a2, renewed));
        Assert.False(validator.IsValidSuccessor(a1, first, b, other));
    }

    [Fact]
    public async Task A_moderator_and_two_participants_run_the_seam_end_to_end()
    {
        var (moderator, p1, p2) = (Security("org/ns/moderator", true), Security("org/ns/p1", false), Security("org/ns/p2", false));
        await moderator.CreateGroupAsync(Ct).WithTimeout();
        Assert.True(moderator.HasGroup);
        Assert.Equal(0ul, moderator.Epoch);

        var add1 = await moderator.AddMemberAsync(await p1.CreateKeyPackageAsync(Ct).WithTimeout(), Ct).WithTimeout();
        Assert.Equal(((MlsGroupSecurity)p1).Context.Identity.Id, add1.MemberIdentity);
        await p1.JoinAsync(add1.Welcome, Ct).WithTimeout();
        var add2 = await moderator.AddMemberAsync(await p2.CreateKeyPackageAsync(Ct).WithTimeout(), Ct).WithTimeout();
        await p1.ApplyCommitAsync(add2.Commit, Ct).WithTimeout();
        await p2.JoinAsync(add2.Welcome, Ct).WithTimeout();
        Assert.All([moderator, p1, p2], s => Assert.Equal(2ul, s.Epoch));

        var aad = Encoding.UTF8.GetBytes("the header-integrity aad");
        var sealedMessage = p2.Encrypt("hello"u8, aad);
        foreach (var receiver in new[] { moderator, p1 })
        {
            var opened = receiver.Decrypt(sealedMessage);
            Assert.Equal("hello", Encoding.UTF8.GetString(opened.Plaintext));
            Assert.Equal(aad, opened.AuthenticatedData);
            sealedMessage = p2.Encrypt("hello"u8, aad);
        }

        var removal = await moderator.RemoveMemberAsync(add1.MemberIdentity, Ct).WithTimeout();
        Assert.Empty(removal.Welcome);
        await p1.ApplyCommitAsync(removal.Commit, Ct).WithTimeout();
        await p2.ApplyCommitAsync(removal.Commit, Ct).WithTimeout();
        Assert.False(p1.HasGroup);
        Assert.True(p2.HasGroup);
        Assert.Equal(3ul, p2.Epoch);
        var afterwards = moderator.Encrypt("bye p1"u8, aad);
        Assert.Equal("bye p1", Encoding.UTF8.GetString(p2.Decrypt(afterwards).Plaintext));
        Assert.Throws<SlimSessionException>(() => p1.Decrypt(afterwards));

        // Rejoin: one commit removing p2's leaf and adding its new KeyPackage.
        var readd = await moderator.ReAddMemberAsync(add2.MemberIdentity, await p2.CreateKeyPackageAsync(Ct).WithTimeout(), Ct).WithTimeout();
        await p2.JoinAsync(readd.Welcome, Ct).WithTimeout();
        Assert.Equal(4ul, p2.Epoch);
        Assert.Equal(
            ((MlsGroupSecurity)moderator).Group!.EpochAuthenticator.ToArray(),
            ((MlsGroupSecurity)p2).Group!.EpochAuthenticator.ToArray());
        Assert.Equal(2, ((MlsGroupSecurity)moderator).Group!.Members.Count);
    }

    [Fact]
    public async Task The_seam_refuses_what_it_cannot_vouch_for_and_the_group_stays_as_it_was()
    {
        var moderator = Security("org/ns/moderator", true);
        var p1 = Security("org/ns/p1", false);
        var stranger = Security("org/ns/stranger", false, secret: "a-different-secret-of-at-least-32-bytes-123456");
        var noGroup = Assert.Throws<SlimSessionException>(() => moderator.Encrypt("x"u8, []));
        Assert.Equal(SlimErrorCode.GroupSecurityFailed, noGroup.ErrorCode);
        await moderator.CreateGroupAsync(Ct).WithTimeout();

        async Task<SlimErrorCode> Refused(Func<Task> action) =>
            (await Assert.ThrowsAnyAsync<SlimException>(action).WithTimeout()).ErrorCode;

        // A KeyPackage whose token this app cannot verify; bytes that are no KeyPackage.
        Assert.Equal(SlimErrorCode.GroupSecurityFailed, await Refused(async () => await moderator.AddMemberAsync(await stranger.CreateKeyPackageAsync(Ct), Ct)));
        Assert.Equal(SlimErrorCode.GroupSecurityFailed, await Refused(async () => await moderator.AddMemberAsync(new byte[] { 0, 1, 0, 5, 1, 2, 3 }, Ct)));
        Assert.Equal(0ul, moderator.Epoch);

        var add = await moderator.AddMemberAsync(await p1.CreateKeyPackageAsync(Ct).WithTimeout(), Ct).WithTimeout();
        await p1.JoinAsync(add.Welcome, Ct).WithTimeout();

        // Unknown member, a rejoin under someone else's KeyPackage, a Welcome for a KeyPackage this app never made.
        Assert.Equal(SlimErrorCode.ParticipantNotFound, await Refused(async () => await moderator.RemoveMemberAsync("org/ns/ghost_00000000", Ct)));
        var other = Security("org/ns/other", false);
        Assert.Equal(SlimErrorCode.GroupSecurityFailed, await Refused(async () => await moderator.ReAddMemberAsync(add.MemberIdentity, await other.CreateKeyPackageAsync(Ct), Ct)));
        Assert.Equal(SlimErrorCode.GroupSecurityFailed, await Refused(async () => await other.JoinAsync(add.Welcome, Ct)));
        Assert.False(other.HasGroup);

        // A commit where data belongs, data where a commit belongs.
        var unrelated = Security("org/ns/p3", false);
        var commit = await moderator.AddMemberAsync(await unrelated.CreateKeyPackageAsync(Ct).WithTimeout(), Ct).WithTimeout();
        Assert.Throws<SlimSessionException>(() => p1.Decrypt(commit.Commit));
        Assert.Equal(1ul, p1.Epoch);
        Assert.Equal(SlimErrorCode.GroupSecurityFailed, await Refused(async () => await p1.ApplyCommitAsync(moderator.Encrypt("data"u8, []), Ct)));
        Assert.Equal(1ul, p1.Epoch);
        await p1.ApplyCommitAsync(commit.Commit, Ct).WithTimeout();
        Assert.Equal(2ul, p1.Epoch);
    }

    [Fact]
    public async Task A_participant_keeps_its_recent_key_packages_so_a_late_welcome_still_opens()
    {
        var moderator = Security("org/ns/moderator", true);
        await moderator.CreateGroupAsync(Ct).WithTimeout();
        var keep2 = Security("org/ns/keeps-two", false, new MlsGroupSecurityOptions { PendingKeyPackages = 2 });
        var keep1 = Security("org/ns/keeps-one", false, new MlsGroupSecurityOptions { PendingKeyPackages = 1 });
        var first2 = await keep2.CreateKeyPackageAsync(Ct).WithTimeout();
        await keep2.CreateKeyPackageAsync(Ct).WithTimeout();
        var first1 = await keep1.CreateKeyPackageAsync(Ct).WithTimeout();
        await keep1.CreateKeyPackageAsync(Ct).WithTimeout();

        await keep2.JoinAsync((await moderator.AddMemberAsync(first2, Ct).WithTimeout()).Welcome, Ct).WithTimeout();
        Assert.True(keep2.HasGroup);
        var late = await moderator.AddMemberAsync(first1, Ct).WithTimeout();
        await Assert.ThrowsAsync<SlimSessionException>(() => keep1.JoinAsync(late.Welcome, Ct).AsTask()).WithTimeout();
        Assert.False(keep1.HasGroup);
    }

    [Fact]
    public async Task While_a_commit_waits_for_a_slow_verifier_data_is_refused_rather_than_read_from_a_changing_group()
    {
        var moderator = Security("org/ns/moderator", true);
        await moderator.CreateGroupAsync(Ct).WithTimeout();
        var slow = new GatedVerifier(Verifier());
        var p1 = Security("org/ns/p1", false, verifier: slow);
        await p1.JoinAsync((await moderator.AddMemberAsync(await p1.CreateKeyPackageAsync(Ct).WithTimeout(), Ct).WithTimeout()).Welcome, Ct).WithTimeout();
        var data = moderator.Encrypt("before the commit"u8, []);
        var p2 = Security("org/ns/p2", false);
        var commit = await moderator.AddMemberAsync(await p2.CreateKeyPackageAsync(Ct).WithTimeout(), Ct).WithTimeout();

        slow.Close();
        var applying = p1.ApplyCommitAsync(commit.Commit, Ct).AsTask();
        await slow.Waiting.WithTimeout();
        var busy = Assert.Throws<SlimSessionException>(() => p1.Decrypt(data));
        Assert.Contains("in progress", busy.Message, StringComparison.Ordinal);
        Assert.Throws<SlimSessionException>(() => p1.Encrypt("x"u8, []));
        slow.Open();
        await applying.WithTimeout();
        Assert.Equal(2ul, p1.Epoch);
        Assert.Equal("before the commit", Encoding.UTF8.GetString(p1.Decrypt(data).Plaintext));
    }

    [Fact]
    public async Task Disposing_during_a_waiting_commit_releases_the_group_once_the_commit_is_over()
    {
        var moderator = Security("org/ns/moderator", true);
        await moderator.CreateGroupAsync(Ct).WithTimeout();
        var slow = new GatedVerifier(Verifier());
        var p1 = (MlsGroupSecurity)Security("org/ns/p1", false, verifier: slow);
        await p1.JoinAsync((await moderator.AddMemberAsync(await p1.CreateKeyPackageAsync(Ct).WithTimeout(), Ct).WithTimeout()).Welcome, Ct).WithTimeout();
        var commit = await moderator.AddMemberAsync(await Security("org/ns/p2", false).CreateKeyPackageAsync(Ct).WithTimeout(), Ct).WithTimeout();

        slow.Close();
        var applying = p1.ApplyCommitAsync(commit.Commit, Ct).AsTask();
        await slow.Waiting.WithTimeout();
        p1.Dispose();
        Assert.NotNull(p1.Group);
        slow.Open();
        await applying.WithTimeout();
        Assert.Null(p1.Group);
        Assert.False(p1.HasGroup);
    }

    [Fact]
    public void The_factory_refuses_an_identity_key_that_cannot_sign_for_the_suite()
    {
        var factory = new MlsGroupSecurityFactory(new MlsGroupSecurityOptions { TimeProvider = _time });
        var context = new GroupSecurityContext(1, SlimName.Parse("org/ns/ed").WithId(1), true, new Ed25519OnlyIdentity(), Verifier());
        var refused = Assert.Throws<SlimSessionException>(() => factory.Create(context));
        Assert.Equal(SlimErrorCode.GroupSecurityUnavailable, refused.ErrorCode);
        Assert.Throws<ArgumentException>(() => new MlsGroupSecurityFactory(new MlsGroupSecurityOptions { CipherSuite = (Slim.Mls.CipherSuites.CipherSuiteId)0x7777 }));
    }

    private SharedSecretIdentityProvider Provider(string name, string secret = Secret)
    {
        var provider = new SharedSecretIdentityProvider(name, secret, new SharedSecretProviderOptions { TimeProvider = _time });
        _disposables.Add(provider);
        return provider;
    }

    private SharedSecretIdentityVerifier Verifier()
    {
        var verifier = new SharedSecretIdentityVerifier(Secret, new SharedSecretVerifierOptions { TimeProvider = _time });
        _disposables.Add(verifier);
        return verifier;
    }

    private IGroupSecurity Security(
        string name, bool moderator, MlsGroupSecurityOptions? options = null, string secret = Secret, IIdentityVerifier? verifier = null)
    {
        var provider = Provider(name, secret);
        var factory = new MlsGroupSecurityFactory((options ?? MlsGroupSecurityOptions.Default) with { TimeProvider = _time, MaxDegreeOfParallelism = 1 });
        var security = factory.Create(new GroupSecurityContext(
            7, SlimName.Parse(name).WithId(SlimIds.AppIdFromIdentity(provider.Id)), moderator, provider, verifier ?? Verifier()));
        _disposables.Add(security);
        return security;
    }

    private static Credential CredentialOf(IIdentityProvider provider) => Credential.Basic(Encoding.UTF8.GetBytes(provider.GetToken()));

    /// <summary>A verifier that, once closed, holds every verification until opened (a JWKS fetch in real life).</summary>
    private sealed class GatedVerifier(IIdentityVerifier inner) : IIdentityVerifier
    {
        private readonly TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource? _gate;

        public Task Waiting => _waiting.Task;

        public void Close() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _gate?.TrySetResult();

        public async ValueTask<IdentityVerification> VerifyAsync(string token, CancellationToken cancellationToken = default)
        {
            if (_gate is { } gate)
            {
                _waiting.TrySetResult();
                await gate.Task.WaitAsync(cancellationToken);
            }

            return await inner.VerifyAsync(token, cancellationToken);
        }
    }

    private sealed class Ed25519OnlyIdentity : IIdentityProvider
    {
        public string Id => "org/ns/ed_AAAAAAAA";

        public SignatureAlgorithm SignatureAlgorithm => SignatureAlgorithm.Ed25519;

        public ReadOnlyMemory<byte> PublicKey { get; } = new byte[32];

        public string GetToken() => throw new NotSupportedException();

        public byte[] Sign(ReadOnlySpan<byte> data) => throw new NotSupportedException();
    }
}
