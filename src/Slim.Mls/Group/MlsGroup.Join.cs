using System.Security.Cryptography;
using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.Commits;
using Slim.Mls.Credentials;
using Slim.Mls.Extensions;
using Slim.Mls.Framing;
using Slim.Mls.Group.Internal;
using Slim.Mls.Hpke;
using Slim.Mls.KeyPackages;
using Slim.Mls.KeySchedule;
using Slim.Mls.Proposals;
using Slim.Mls.SecretTree;
using Slim.Mls.Tree;
using Slim.Mls.TreeKem.Internal;
using Slim.Mls.Welcome;

namespace Slim.Mls.Group;

/// <summary>Joining a group: from a Welcome (RFC 9420 section 12.4.3.1) or with an external commit (section 12.4.3.2).</summary>
public sealed partial class MlsGroup
{
    /// <summary>
    /// Joins a group from a Welcome addressed to <paramref name="keyPackage"/>. The tree comes from the GroupInfo's
    /// <c>ratchet_tree</c> extension unless <paramref name="ratchetTree"/> (the extension body) is given.
    /// </summary>
    /// <exception cref="MlsException">The Welcome is not for this KeyPackage, or a check failed; the error code says which.</exception>
    public static async Task<MlsGroup> JoinAsync(
        MlsMessage welcome,
        KeyPackageBundle keyPackage,
        SignaturePrivateKey signer,
        MlsGroupOptions? options = null,
        ReadOnlyMemory<byte>? ratchetTree = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(welcome);
        ArgumentNullException.ThrowIfNull(keyPackage);
        ArgumentNullException.ThrowIfNull(signer);
        if (welcome.WireFormat != WireFormat.Welcome)
        {
            throw new MlsException(MlsErrorCode.WrongWireFormat, $"Expected a Welcome, got {welcome.WireFormat}.");
        }

        options ??= MlsGroupOptions.Default;
        var message = TlsCodec.Deserialize<WelcomeMessage>(welcome.Body);
        var kp = keyPackage.KeyPackage;
        if (message.CipherSuite != kp.CipherSuite)
        {
            throw new MlsException(MlsErrorCode.WelcomeInvalid, "The Welcome's cipher suite differs from the KeyPackage's.");
        }

        var suite = CipherSuite.Get(message.CipherSuite);
        var reference = kp.ComputeRef(suite);
        var entry = message.Secrets.FirstOrDefault(s => CryptographicOperations.FixedTimeEquals(s.NewMember, reference))
            ?? throw new MlsException(MlsErrorCode.WelcomeNotForUs, "The Welcome holds no secrets for this KeyPackage.");

        byte[] secretsBytes;
        try
        {
            secretsBytes = suite.DecryptWithLabel(keyPackage.InitPrivateKey, "Welcome", message.EncryptedGroupInfo, entry.EncryptedSecrets.KemOutput, entry.EncryptedSecrets.Ciphertext);
        }
        catch (MlsException e)
        {
            throw new MlsException(MlsErrorCode.WelcomeInvalid, "The group secrets could not be decrypted.", e);
        }

        var groupSecrets = TlsCodec.Deserialize<GroupSecrets>(secretsBytes);
        CryptographicOperations.ZeroMemory(secretsBytes);
        var psks = new List<(PreSharedKeyId, byte[])>();
        foreach (var id in groupSecrets.Psks)
        {
            if (id.Type != PskType.External)
            {
                throw new MlsException(MlsErrorCode.PskNotFound, "Resumption PSKs in a Welcome (reinit, branch) are not supported for joining.");
            }

            psks.Add((id, options.ExternalPsks?.Find(id.PskId) ?? throw new MlsException(MlsErrorCode.PskNotFound, "A PSK named by the Welcome is not known.")));
        }

        var pskSecret = PskSecret.Compute(suite, psks);
        var welcomeSecret = EpochKeySchedule.WelcomeSecret(suite, groupSecrets.JoinerSecret, pskSecret);
        var (key, nonce) = EpochKeySchedule.WelcomeKeyAndNonce(suite, welcomeSecret);
        GroupInfo groupInfo;
        try
        {
            groupInfo = TlsCodec.Deserialize<GroupInfo>(suite.Aead.Open(key, nonce, [], message.EncryptedGroupInfo));
        }
        catch (MlsException e) when (e is not MlsDecodeException)
        {
            throw new MlsException(MlsErrorCode.WelcomeInvalid, "The GroupInfo could not be decrypted.", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(nonce);
            CryptographicOperations.ZeroMemory(welcomeSecret);
        }

        var context = groupInfo.GroupContext;
        if (context.CipherSuite != suite.Id || context.Version != ProtocolVersion.Mls10)
        {
            throw new MlsException(MlsErrorCode.WelcomeInvalid, "The GroupInfo's version or cipher suite differs from the KeyPackage's.");
        }

        var ownCapabilities = kp.LeafNode.Capabilities;
        foreach (var extension in context.Extensions)
        {
            if (!ownCapabilities.SupportsExtension(extension.Type))
            {
                throw new MlsException(MlsErrorCode.CapabilitiesUnsupported, $"The group uses GroupContext extension 0x{(ushort)extension.Type:x4}, which this client does not support.");
            }
        }

        var tree = await LoadAndValidateTreeAsync(suite, groupInfo, ratchetTree, options, cancellationToken).ConfigureAwait(false);
        var myLeaf = tree.FindLeaf(kp.LeafNode) ?? throw new MlsException(MlsErrorCode.WelcomeInvalid, "The tree has no leaf for this KeyPackage.");

        var keys = new PathKeys(myLeaf);
        keys.Set(2 * myLeaf.Value, new HpkeKeyPair((byte[])keyPackage.EncryptionPrivateKey.Clone(), kp.LeafNode.EncryptionKeyArray));
        if (groupSecrets.PathSecret is { } pathSecret)
        {
            // The path secret belongs to the lowest common ancestor with the signer; the non-blank nodes above it
            // are the rest of the committer's filtered direct path.
            var ancestor = TreeMath.CommonAncestor(myLeaf.Node, new LeafIndex(groupInfo.Signer).Node).Value;
            var nodes = new List<uint>();
            for (var x = ancestor; ; x = RatchetTree.ParentOf(x))
            {
                if (tree.GetNode(new NodeIndex(x)) is ParentNode)
                {
                    nodes.Add(x);
                }

                if (x == tree.Root.Value)
                {
                    break;
                }
            }

            if (nodes.Count == 0 || nodes[0] != ancestor)
            {
                throw new MlsException(MlsErrorCode.WelcomeInvalid, "The Welcome carries a path secret for a blank node.");
            }

            var commitSecret = TreeKemEngine.DeriveUp(
                suite, (byte[])pathSecret.Clone(), 0, [.. nodes], [.. nodes.Select(n => tree.GetNode(new NodeIndex(n))!.EncryptionKeyArray)], keys);
            CryptographicOperations.ZeroMemory(commitSecret);
        }

        var secrets = EpochKeySchedule.FromJoinerSecret(suite, groupSecrets.JoinerSecret, pskSecret, context);
        CryptographicOperations.ZeroMemory(pskSecret);
        CryptographicOperations.ZeroMemory(groupSecrets.JoinerSecret);
        if (!suite.VerifyMac(secrets.ConfirmationKey, context.ConfirmedTranscriptHash, groupInfo.ConfirmationTag))
        {
            secrets.Dispose();
            keys.Dispose();
            throw new MlsException(MlsErrorCode.ConfirmationTagInvalid, "The GroupInfo's confirmation tag does not verify.");
        }

        var interim = TranscriptHash.Interim(suite, context.ConfirmedTranscriptHash, groupInfo.ConfirmationTag);
        var state = new EpochState(context, tree, keys, secrets, new EncryptionSecretTree(suite, secrets.EncryptionSecret, tree.LeafCount, options.SecretTree), interim, groupInfo.ConfirmationTag);
        var group = new MlsGroup(suite, signer, options, state);
        await group.PersistAsync(cancellationToken).ConfigureAwait(false);
        MlsMetrics.Joins.Add(1);
        return group;
    }

    /// <summary>
    /// Joins a group with an external commit (RFC 9420 section 12.4.3.2) from a GroupInfo that carries
    /// <c>external_pub</c>. Returns the new group (already in the new epoch) and the commit to send to the members.
    /// <paramref name="resyncRemoving"/> makes it a "resync" commit that also removes this client's old leaf.
    /// </summary>
    public static async Task<(MlsGroup Group, MlsMessage Commit)> JoinByExternalCommitAsync(
        GroupInfo groupInfo,
        SignaturePrivateKey signer,
        Credential credential,
        MlsGroupOptions? options = null,
        ReadOnlyMemory<byte>? ratchetTree = null,
        LeafIndex? resyncRemoving = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupInfo);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(credential);
        options ??= MlsGroupOptions.Default;
        var suite = CipherSuite.Get(groupInfo.GroupContext.CipherSuite);
        var externalPub = ExtensionList.ExternalPub(groupInfo.Extensions)
            ?? throw new MlsException(MlsErrorCode.ExternalNotAllowed, "The GroupInfo has no external_pub extension.");
        var tree = await LoadAndValidateTreeAsync(suite, groupInfo, ratchetTree, options, cancellationToken).ConfigureAwait(false);
        var old = groupInfo.GroupContext;
        var (kemOutput, initSecret) = EpochKeySchedule.CreateExternalInit(suite, externalPub);
        var proposals = new List<ProposalOrRef> { ProposalOrRef.ByValue(new ExternalInitProposal(kemOutput)) };
        if (resyncRemoving is { } old1)
        {
            if (tree.GetLeaf(old1) is null)
            {
                throw new MlsException(MlsErrorCode.InvalidArgument, $"{old1} is blank; there is no old appearance to remove.");
            }

            proposals.Add(ProposalOrRef.ByValue(new RemoveProposal(old1)));
            tree.RemoveLeaf(old1);
        }

        // The joiner takes the leftmost free leaf; TreeKEM replaces this placeholder with its signed commit leaf.
        using var placeholderKey = suite.GenerateHpkeKeyPair();
        var myLeaf = tree.AddLeaf(
            LeafNode.Create(suite, signer, placeholderKey.PublicKey, credential, CapabilitiesFor(suite, options), LeafNodeSource.KeyPackage, Lifetime.Unlimited, [], null, [], 0));
        var keys = new PathKeys(myLeaf);
        var nextEpoch = old.Epoch + 1;
        var (path, generated) = TreeKemEngine.Generate(
            tree,
            myLeaf,
            (key, parentHash) => LeafNode.Create(suite, signer, key, credential, CapabilitiesFor(suite, options), LeafNodeSource.Commit, default, parentHash, null, old.GroupId, myLeaf.Value),
            treeHash => new GroupContext(suite.Id, old.GroupId, nextEpoch, treeHash, old.ConfirmedTranscriptHash, old.Extensions),
            null,
            keys,
            options.MaxDegreeOfParallelism);
        using (generated)
        {
            var commit = new Commit(proposals, path);
            var framed = new FramedContent(old.GroupId, old.Epoch, Sender.NewMemberCommit, [], ContentType.Commit, TlsCodec.Serialize(commit));
            var auth = AuthenticatedContent.Sign(suite, WireFormat.PublicMessage, framed, signer, old);
            var interimBefore = TranscriptHash.Interim(suite, old.ConfirmedTranscriptHash, groupInfo.ConfirmationTag);
            var confirmed = TranscriptHash.Confirmed(suite, interimBefore, auth);
            var context = new GroupContext(suite.Id, old.GroupId, nextEpoch, tree.RootTreeHash(), confirmed, old.Extensions);
            var secrets = EpochKeySchedule.Derive(suite, initSecret, generated.CommitSecret, [], context);
            CryptographicOperations.ZeroMemory(initSecret);
            var tag = suite.Mac(secrets.ConfirmationKey, confirmed);
            auth = auth.WithConfirmationTag(tag);
            var interim = TranscriptHash.Interim(suite, confirmed, tag);
            var message = MlsMessage.From(PublicMessage.Protect(suite, auth, old, []));
            var state = new EpochState(context, tree, keys, secrets, new EncryptionSecretTree(suite, secrets.EncryptionSecret, tree.LeafCount, options.SecretTree), interim, tag);
            var group = new MlsGroup(suite, signer, options, state);
            await group.PersistAsync(cancellationToken).ConfigureAwait(false);
            MlsMetrics.Joins.Add(1);
            return (group, message);
        }
    }

    private static async Task<RatchetTree> LoadAndValidateTreeAsync(
        CipherSuite suite, GroupInfo groupInfo, ReadOnlyMemory<byte>? supplied, MlsGroupOptions options, CancellationToken cancellationToken)
    {
        var context = groupInfo.GroupContext;
        byte[] treeBytes;
        if (supplied is { } given)
        {
            treeBytes = given.ToArray();
        }
        else
        {
            treeBytes = ExtensionList.Find(groupInfo.Extensions, ExtensionType.RatchetTree)?.Data
                ?? throw new MlsException(MlsErrorCode.RatchetTreeMissing, "The GroupInfo has no ratchet_tree extension and no tree was supplied.");
        }

        var tree = RatchetTree.Decode(suite, treeBytes);
        if (!tree.RootTreeHash().AsSpan().SequenceEqual(context.TreeHash))
        {
            throw new MlsException(MlsErrorCode.TreeHashMismatch, "The ratchet tree does not match the GroupContext's tree hash.");
        }

        var signer = tree.GetLeaf(new LeafIndex(groupInfo.Signer))
            ?? throw new MlsException(MlsErrorCode.WelcomeInvalid, "The GroupInfo signer's leaf is blank.");
        if (!groupInfo.VerifySignature(suite, signer.SignatureKeyArray))
        {
            throw new MlsException(MlsErrorCode.SignatureInvalid, "The GroupInfo signature does not verify.");
        }

        RequiredCapabilities? required;
        try
        {
            required = ExtensionList.RequiredCapabilities(context.Extensions);
        }
        catch (MlsDecodeException e)
        {
            throw new MlsException(MlsErrorCode.WelcomeInvalid, "The group's required_capabilities extension is malformed.", e);
        }

        tree.Validate(context.GroupId, required, options.CheckMemberLifetimesOnJoin ? options.TimeProvider.GetUtcNow() : null, options.MaxDegreeOfParallelism);
        foreach (var (index, credential, signatureKey) in tree.MemberCredentials())
        {
            var result = await options.CredentialValidator.ValidateAsync(credential, signatureKey, CredentialValidationReason.ExistingMember, cancellationToken).ConfigureAwait(false);
            if (!result.IsValid)
            {
                throw new MlsException(MlsErrorCode.CredentialRejected, $"The credential of {index} was refused: {result.Error}");
            }
        }

        return tree;
    }
}
