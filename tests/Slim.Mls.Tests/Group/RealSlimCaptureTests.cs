using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.Commits;
using Slim.Mls.Credentials;
using Slim.Mls.Framing;
using Slim.Mls.KeyPackages;
using Slim.Mls.Proposals;
using Slim.Mls.Tree;
using Slim.Mls.Welcome;
using Slim.Testing.Capture;

namespace Slim.Mls.Tests.Group;

/// <summary>
/// The MLS messages that official SLIM (mls-rs 0.54 inside slim-bindings alpha.5) put on the wire in the captured group
/// session: its KeyPackages validate with our code (DER ECDSA P-256 signatures, lifetime, capabilities), its Welcomes
/// name our KeyPackageRefs, and its commits decode into the shapes SLIM relies on (add without path, remove with path).
/// </summary>
public sealed class RealSlimCaptureTests
{
    // The capture was recorded on 2026-11-22 at 09:19:55 UTC.
    private static readonly DateTimeOffset CaptureTime = new(2026, 11, 22, 9, 20, 0, TimeSpan.Zero);

    private static readonly Lazy<List<MlsMessage>> Messages = new(ExtractMessages);

    [Fact]
    public void Slim_key_packages_validate_with_our_code()
    {
        var suite = CipherSuite.Get(CipherSuiteId.P256Aes128GcmSha256P256);
        var keyPackages = KeyPackages();
        Assert.Equal(2, keyPackages.Count);
        foreach (var keyPackage in keyPackages)
        {
            keyPackage.Validate(suite, null, CaptureTime, TimeSpan.FromDays(366));
            var leaf = keyPackage.LeafNode;
            Assert.Equal(CredentialType.Basic, leaf.Credential.Type);
            Assert.Contains((byte)':', leaf.Credential.Identity.ToArray());
            Assert.Equal(31_536_000ul, leaf.Lifetime.Duration);
            Assert.Equal([CredentialType.Basic], leaf.Capabilities.Credentials);
            Assert.Contains(CipherSuiteId.P256Aes128GcmSha256P256, leaf.Capabilities.CipherSuites);
            Assert.Equal(65, leaf.SignatureKey.Length);
            Assert.Empty(keyPackage.Extensions);
            Assert.Equal(Convert.ToHexString(keyPackage.Encoded), Convert.ToHexString(TlsCodec.Serialize(keyPackage)));

            // Tampering with one signed byte must break validation.
            var bytes = (byte[])keyPackage.Encoded.Clone();
            bytes[^80] ^= 1;
            Assert.ThrowsAny<MlsException>(() => TlsCodec.Deserialize<KeyPackage>(bytes).Validate(suite, null, CaptureTime));
        }
    }

    [Fact]
    public void Slim_welcomes_are_addressed_to_our_key_package_refs()
    {
        var suite = CipherSuite.Get(CipherSuiteId.P256Aes128GcmSha256P256);
        var refs = KeyPackages().Select(k => Convert.ToHexString(k.ComputeRef(suite))).ToHashSet();
        var welcomes = Messages.Value.Where(m => m.WireFormat == WireFormat.Welcome).Select(m => TlsCodec.Deserialize<WelcomeMessage>(m.Body)).ToList();
        Assert.Equal(2, welcomes.Count);
        foreach (var welcome in welcomes)
        {
            Assert.Equal(CipherSuiteId.P256Aes128GcmSha256P256, welcome.CipherSuite);
            var secrets = Assert.Single(welcome.Secrets);
            Assert.Contains(Convert.ToHexString(secrets.NewMember), refs);
        }
    }

    [Fact]
    public void Slim_commits_are_public_add_without_path_and_remove_with_path()
    {
        var commits = Messages.Value
            .Where(m => m.WireFormat == WireFormat.PublicMessage)
            .Select(m => m.PublicMessage!)
            .OrderBy(m => m.Content.Epoch)
            .ToList();
        Assert.Equal(2, commits.Count);
        foreach (var message in commits)
        {
            Assert.Equal(ContentType.Commit, message.Content.ContentType);
            Assert.Equal(Sender.Member(new LeafIndex(0)), message.Content.Sender);
            Assert.Empty(message.Content.AuthenticatedData);
            Assert.NotNull(message.MembershipTag);
            Assert.Equal(Convert.ToHexString(message.Content.Content), Convert.ToHexString(TlsCodec.Serialize(TlsCodec.Deserialize<Commit>(message.Content.Content))));
        }

        var add = TlsCodec.Deserialize<Commit>(commits[0].Content.Content);
        var added = Assert.IsType<AddProposal>(Assert.Single(add.Proposals).Proposal);
        Assert.Null(add.Path);
        Assert.Contains(KeyPackages(), k => k.Equals(added.KeyPackage));

        var remove = TlsCodec.Deserialize<Commit>(commits[1].Content.Content);
        Assert.IsType<RemoveProposal>(Assert.Single(remove.Proposals).Proposal);
        Assert.NotNull(remove.Path);
        Assert.Equal(LeafNodeSource.Commit, remove.Path!.LeafNode.Source);
        Assert.Equal(2, Messages.Value.Count(m => m.WireFormat == WireFormat.PrivateMessage));
    }

    private static List<KeyPackage> KeyPackages() =>
        [.. Messages.Value.Where(m => m.WireFormat == WireFormat.KeyPackage).Select(m => TlsCodec.Deserialize<KeyPackage>(m.Body))];

    // MLS blobs sit in protobuf bytes fields: find every offset where a whole MLSMessage decodes and is preceded by a
    // protobuf length equal to its size, and keep each distinct message once (every message is captured twice).
    private static List<MlsMessage> ExtractMessages()
    {
        var seen = new HashSet<string>();
        var found = new List<MlsMessage>();
        foreach (var record in CaptureFile.LoadShared(CaptureFile.GroupMls))
        {
            var bytes = record.Bytes;
            for (var i = 1; i + 4 <= bytes.Length; i++)
            {
                if (bytes[i] != 0 || bytes[i + 1] != 1 || bytes[i + 2] != 0 || bytes[i + 3] is < 1 or > 5)
                {
                    continue;
                }

                MlsMessage message;
                int length;
                try
                {
                    var reader = new TlsReader(bytes.AsSpan(i));
                    message = MlsMessage.ReadFrom(ref reader);
                    length = reader.Position;
                }
                catch (MlsDecodeException)
                {
                    continue;
                }

                if (!PrecededByProtobufLength(bytes, i, length))
                {
                    continue;
                }

                if (seen.Add(Convert.ToHexString(bytes, i, length)))
                {
                    found.Add(message);
                }
            }
        }

        return found;
    }

    private static bool PrecededByProtobufLength(byte[] bytes, int offset, int length)
    {
        Span<byte> varint = stackalloc byte[5];
        var n = 0;
        var value = (uint)length;
        do
        {
            varint[n++] = (byte)((value & 0x7Fu) | (value > 0x7Fu ? 0x80u : 0u));
            value >>= 7;
        }
        while (value != 0);

        return offset >= n && bytes.AsSpan(offset - n, n).SequenceEqual(varint[..n]);
    }
}
