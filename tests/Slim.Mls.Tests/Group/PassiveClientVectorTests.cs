using System.Text.Json;
using Slim.Mls.Credentials;
using Slim.Mls.Framing;
using Slim.Mls.Group;
using Slim.Mls.KeyPackages;
using Slim.Mls.Tests.Vectors;
using Slim.Testing;

namespace Slim.Mls.Tests.Group;

/// <summary>
/// passive-client-welcome.json and passive-client-handling-commit.json: join from the Welcome (tree from the extension
/// or supplied), then follow every epoch's proposals and commit; the epoch authenticator must match after each step.
/// </summary>
public sealed class PassiveClientVectorTests
{
    // The welcome file's key packages expired on 2024-03-02; its clock is pinned to a day they were valid.
    private static readonly DateTimeOffset WelcomeClock = new(2024, 1, 15, 0, 0, 0, TimeSpan.Zero);

    // The members' leaves in the commit file are valid from 2024-03-14 to 2025-03-14.
    private static readonly DateTimeOffset CommitClock = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<ushort, int> WelcomeCases => VectorFile.MlsRowsBySuite("passive-client-welcome.json");

    public static TheoryData<ushort, int> CommitCases => VectorFile.MlsRowsBySuite("passive-client-handling-commit.json");

    [Theory]
    [MemberData(nameof(WelcomeCases))]
    public async Task Joins_from_the_welcome(ushort suiteId, int index) =>
        await RunAsync(suiteId, VectorFile.Mls("passive-client-welcome.json")[index], WelcomeClock);

    [Theory]
    [MemberData(nameof(CommitCases))]
    public async Task Follows_every_commit(ushort suiteId, int index) =>
        await RunAsync(suiteId, VectorFile.Mls("passive-client-handling-commit.json")[index], CommitClock);

    private static async Task RunAsync(ushort suiteId, JsonElement entry, DateTimeOffset now)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var psks = new ExternalPskStore();
        foreach (var psk in entry.GetProperty("external_psks").EnumerateArray())
        {
            psks.Add(psk.Bytes("psk_id"), psk.Bytes("psk"));
        }

        var options = MlsGroupOptions.Default with
        {
            TimeProvider = new ManualTimeProvider(now),
            ExternalPsks = psks,
            CredentialValidator = AcceptAll.Instance,
        };
        var keyPackage = MlsMessage.Decode(entry.Bytes("key_package"));
        var bundle = new KeyPackageBundle(
            Slim.Mls.Codec.TlsCodec.Deserialize<KeyPackage>(keyPackage.Body),
            Pad(entry.Bytes("init_priv"), suite.Kem.PrivateKeyLength),
            Pad(entry.Bytes("encryption_priv"), suite.Kem.PrivateKeyLength));
        using var signer = suite.SignatureScheme.ImportPrivateKey(entry.Bytes("signature_priv"));
        var tree = entry.OptionalBytes("ratchet_tree");
        using var group = await MlsGroup.JoinAsync(
            MlsMessage.Decode(entry.Bytes("welcome")), bundle, signer, options, tree is null ? null : (ReadOnlyMemory<byte>?)tree, TestContext.Current.CancellationToken).WithTimeout();
        Assert.Equal(entry.Bytes("initial_epoch_authenticator"), group.EpochAuthenticator.ToArray());

        var epoch = 0;
        foreach (var step in entry.GetProperty("epochs").EnumerateArray())
        {
            foreach (var proposal in step.GetProperty("proposals").EnumerateArray())
            {
                var processed = await group.ProcessMessageAsync(MlsMessage.Decode(Convert.FromHexString(proposal.GetString()!)), TestContext.Current.CancellationToken).WithTimeout();
                Assert.Equal(ProcessedMessageKind.Proposal, processed.Kind);
            }

            var commit = await group.ProcessMessageAsync(MlsMessage.Decode(step.Bytes("commit")), TestContext.Current.CancellationToken).WithTimeout();
            Assert.Equal(ProcessedMessageKind.Commit, commit.Kind);
            Assert.True(
                step.Bytes("epoch_authenticator").AsSpan().SequenceEqual(group.EpochAuthenticator.Span),
                $"epoch authenticator differs after epoch step {epoch}");
            epoch++;
        }
    }

    // Some P-521 scalars in the files drop their leading zero byte; RFC 9180 serializes them at full width.
    private static byte[] Pad(byte[] key, int length) => key.Length >= length ? key : [.. new byte[length - key.Length], .. key];

    private sealed class AcceptAll : ICredentialValidator
    {
        public static AcceptAll Instance { get; } = new();

        public ValueTask<CredentialValidation> ValidateAsync(Credential credential, ReadOnlyMemory<byte> signatureKey, CredentialValidationReason reason, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(CredentialValidation.Accept());

        public bool IsValidSuccessor(CredentialValidation predecessor, Credential predecessorCredential, CredentialValidation successor, Credential successorCredential) => true;
    }
}
