using System.Security.Cryptography;
using Slim.Mls.Codec;
using Slim.Mls.Commits;
using Slim.Mls.Extensions;
using Slim.Mls.Framing;
using Slim.Mls.Group.Internal;
using Slim.Mls.KeyPackages;
using Slim.Mls.KeySchedule;
using Slim.Mls.Proposals;
using Slim.Mls.Tree;
using Slim.Mls.TreeKem;
using Slim.Mls.TreeKem.Internal;
using Slim.Mls.Welcome;

namespace Slim.Mls.Group;

/// <summary>Creating commits and Welcomes (RFC 9420 sections 12.4 and 12.4.3), and merging them.</summary>
public sealed partial class MlsGroup
{
    /// <summary>Adds members from their KeyPackages in one commit, merges it, and returns the commit and the Welcome.</summary>
    public async Task<CommitOutput> AddMembersAsync(IEnumerable<KeyPackage> keyPackages, CommitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyPackages);
        var output = await CreateCommitAsync([.. keyPackages.Select(k => new AddProposal(k))], options, cancellationToken).ConfigureAwait(false);
        await MergePendingCommitAsync(cancellationToken).ConfigureAwait(false);
        return output;
    }

    /// <summary>Removes members in one commit (with an UpdatePath), merges it, and returns the commit.</summary>
    public async Task<CommitOutput> RemoveMembersAsync(IEnumerable<LeafIndex> leaves, CommitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        var output = await CreateCommitAsync([.. leaves.Select(l => new RemoveProposal(l))], options, cancellationToken).ConfigureAwait(false);
        await MergePendingCommitAsync(cancellationToken).ConfigureAwait(false);
        return output;
    }

    /// <summary>
    /// Commits the proposals received this epoch (none: an empty commit) with a fresh UpdatePath for this member,
    /// merges it, and returns the commit.
    /// </summary>
    public async Task<CommitOutput> UpdateAsync(CommitOptions? options = null, CancellationToken cancellationToken = default)
    {
        var output = await CreateCommitAsync([], (options ?? CommitOptions.Default) with { PathRequired = true }, cancellationToken).ConfigureAwait(false);
        await MergePendingCommitAsync(cancellationToken).ConfigureAwait(false);
        return output;
    }

    /// <summary>
    /// Creates a commit of <paramref name="proposals"/> (by value) plus, unless disabled, every proposal received this
    /// epoch (by reference). The new epoch stays pending until <see cref="MergePendingCommitAsync"/>.
    /// </summary>
    public async Task<CommitOutput> CreateCommitAsync(IReadOnlyList<Proposal> proposals, CommitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        EnsureActive();
        if (_pending is not null)
        {
            throw new MlsException(MlsErrorCode.PendingCommitConflict, "A commit is already pending; merge or discard it first.");
        }

        options ??= CommitOptions.Default;
        var me = Sender.Member(OwnLeafIndex);
        var resolved = new List<ResolvedProposal>();
        var refs = new List<ProposalOrRef>();
        if (options.IncludePendingProposals)
        {
            foreach (var cached in SelectPendingProposals(proposals, me))
            {
                resolved.Add(new ResolvedProposal(cached.Proposal, cached.Sender, cached.Reference));
                refs.Add(ProposalOrRef.ByReference(cached.Reference));
            }
        }

        foreach (var proposal in proposals)
        {
            resolved.Add(new ResolvedProposal(proposal, me, null));
            refs.Add(ProposalOrRef.ByValue(proposal));
        }

        var state = _state;
        var applied = await ApplyProposalsAsync(state, resolved, me, cancellationToken).ConfigureAwait(false);
        var tree = applied.Tree;
        var keys = state.Keys.Clone();
        keys.Prune(tree);
        var nextEpoch = state.Context.Epoch + 1;
        var withPath = applied.PathRequired || options.PathRequired;
        GeneratedPath? generated = null;
        UpdatePath? path = null;
        var myLeaf = OwnLeafIndex;
        if (withPath)
        {
            var old = tree.GetLeaf(myLeaf)!;
            (path, generated) = TreeKemEngine.Generate(
                tree,
                myLeaf,
                (key, parentHash) => LeafNode.Create(
                    Suite, _signer, key, old.Credential, old.Capabilities, LeafNodeSource.Commit, default, parentHash, old.Extensions, state.Context.GroupId, myLeaf.Value),
                treeHash => new GroupContext(Suite.Id, state.Context.GroupId, nextEpoch, treeHash, state.Context.ConfirmedTranscriptHash, applied.Extensions),
                applied.IsAdded,
                keys,
                Options.MaxDegreeOfParallelism);
        }

        try
        {
            var commit = new Commit(refs, path);
            var wireFormat = Options.EncryptHandshakeMessages ? WireFormat.PrivateMessage : WireFormat.PublicMessage;
            var framed = new FramedContent(state.Context.GroupId, state.Context.Epoch, me, options.AuthenticatedData.ToArray(), ContentType.Commit, TlsCodec.Serialize(commit));
            var auth = AuthenticatedContent.Sign(Suite, wireFormat, framed, _signer, state.Context);
            var commitSecret = generated?.CommitSecret ?? new byte[Suite.HashLength];
            var pskSecret = PskSecret.Compute(Suite, applied.Psks);
            var confirmed = TranscriptHash.Confirmed(Suite, state.InterimTranscriptHash, auth);
            var context = new GroupContext(Suite.Id, state.Context.GroupId, nextEpoch, tree.RootTreeHash(), confirmed, applied.Extensions);
            var secrets = EpochKeySchedule.Derive(Suite, state.Secrets.InitSecret, commitSecret, pskSecret, context);
            var tag = Suite.Mac(secrets.ConfirmationKey, confirmed);
            auth = auth.WithConfirmationTag(tag);
            var interim = TranscriptHash.Interim(Suite, confirmed, tag);
            var message = wireFormat == WireFormat.PublicMessage
                ? MlsMessage.From(PublicMessage.Protect(Suite, auth, state.Context, state.Secrets.MembershipKey))
                : MlsMessage.From(PrivateMessage.Protect(Suite, auth, state.SecretTree, state.Secrets.SenderDataSecret, Padding(framed.Content.Length)));

            var next = new EpochState(context, tree, keys, secrets, new Slim.Mls.SecretTree.EncryptionSecretTree(Suite, secrets.EncryptionSecret, tree.LeafCount, Options.SecretTree), interim, tag);
            var groupInfo = CreateGroupInfo(next, options.RatchetTreeExtension, options.ExternalPub);
            MlsMessage? welcome = applied.Added.Count == 0 ? null : CreateWelcome(next, groupInfo, applied, generated, myLeaf);
            var updated = withPath ? [.. applied.Updated, myLeaf] : applied.Updated;
            var summary = new CommitSummary(nextEpoch, [.. applied.Added.Select(a => a.Leaf)], applied.Removed, updated, false, applied.ReInit);
            _pending = new PendingCommit(next, TlsCodec.Serialize(framed), summary);
            MlsMetrics.CommitsCreated.Add(1);
            CryptographicOperations.ZeroMemory(pskSecret);
            return new CommitOutput(message, welcome, groupInfo, summary);
        }
        catch
        {
            keys.Dispose();
            throw;
        }
        finally
        {
            generated?.Dispose();
        }
    }

    // The received proposals a commit can include without breaking RFC 9420 section 12.2: not this member's own Update
    // (its path replaces the leaf anyway) or its own removal, one Update/Remove per leaf (a Remove wins, as the RFC
    // advises), nothing that touches a leaf the caller's own proposals already touch.
    private List<CachedProposal> SelectPendingProposals(IReadOnlyList<Proposal> byValue, Sender me)
    {
        var touched = byValue.OfType<RemoveProposal>().Select(r => r.Removed.Value).ToHashSet();
        var cached = _proposalOrder.Select(k => _proposals[k]).ToList();
        var removed = cached.Select(c => c.Proposal).OfType<RemoveProposal>().Select(r => r.Removed.Value).ToHashSet();
        var selected = new List<CachedProposal>();
        foreach (var item in cached)
        {
            switch (item.Proposal)
            {
                case UpdateProposal when item.Sender == me || removed.Contains(item.Sender.Index) || !touched.Add(item.Sender.Index):
                    continue;
                case RemoveProposal remove when remove.Removed.Value == me.Index || !touched.Add(remove.Removed.Value):
                    continue;
                default:
                    selected.Add(item);
                    break;
            }
        }

        return selected;
    }

    /// <summary>Applies the pending commit made here: the group moves to its epoch.</summary>
    public async Task MergePendingCommitAsync(CancellationToken cancellationToken = default)
    {
        var pending = _pending ?? throw new MlsException(MlsErrorCode.PendingCommitConflict, "There is no pending commit.");
        _pending = null;
        ReplaceState(pending.Next);
        MlsMetrics.CommitsApplied.Add(1);
        if (pending.Summary.ReInit is { } reinit)
        {
            PendingReInit = reinit;
            IsActive = false;
        }

        await PersistAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the pending commit (for example when the delivery service accepted another member's commit).</summary>
    public void DiscardPendingCommit()
    {
        _pending?.Dispose();
        _pending = null;
    }

    /// <summary>
    /// A signed GroupInfo of the current epoch, optionally with the ratchet tree and the external public key (needed
    /// for external commits).
    /// </summary>
    public GroupInfo CreateGroupInfo(bool withRatchetTree = true, bool withExternalPub = false) => CreateGroupInfo(_state, withRatchetTree, withExternalPub);

    private GroupInfo CreateGroupInfo(EpochState state, bool withRatchetTree, bool withExternalPub)
    {
        var extensions = new List<Extension>();
        if (withRatchetTree)
        {
            extensions.Add(new Extension(ExtensionType.RatchetTree, state.Tree.Encode()));
        }

        if (withExternalPub)
        {
            using var pair = EpochKeySchedule.ExternalKeyPair(Suite, state.Secrets.ExternalSecret);
            extensions.Add(ExtensionList.ExternalPubExtension(pair.PublicKey));
        }

        return GroupInfo.Create(Suite, _signer, state.Context, extensions, state.ConfirmationTag, state.Keys.Leaf.Value);
    }

    private MlsMessage CreateWelcome(EpochState next, GroupInfo groupInfo, AppliedProposals applied, GeneratedPath? generated, LeafIndex committer)
    {
        var (key, nonce) = EpochKeySchedule.WelcomeKeyAndNonce(Suite, next.Secrets.WelcomeSecret);
        byte[] encryptedGroupInfo;
        try
        {
            encryptedGroupInfo = Suite.Aead.Seal(key, nonce, [], TlsCodec.Serialize(groupInfo));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(nonce);
        }

        var psks = applied.Psks.Select(p => p.Id).ToArray();
        var prepared = Suite.PrepareEncryptWithLabel("Welcome", encryptedGroupInfo);
        var added = applied.Added;
        var secrets = new EncryptedGroupSecrets[added.Count];
        Parallel.For(0, added.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Options.MaxDegreeOfParallelism) }, i =>
        {
            var (leaf, keyPackage) = added[i];
            byte[]? pathSecret = null;
            if (generated is not null)
            {
                var ancestor = TreeMath.CommonAncestor(leaf.Node, committer.Node);
                pathSecret = generated.PathSecretFor(ancestor.Value);
            }

            var groupSecrets = TlsCodec.Serialize(new GroupSecrets(next.Secrets.JoinerSecret, pathSecret, psks));
            try
            {
                var sealedSecrets = Suite.EncryptWithLabelPrepared(keyPackage.InitKeyArray, prepared, groupSecrets);
                secrets[i] = new EncryptedGroupSecrets(keyPackage.ComputeRef(Suite), sealedSecrets);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(groupSecrets);
            }
        });

        var welcome = new WelcomeMessage(Suite.Id, secrets, encryptedGroupInfo);
        return MlsMessage.FromBody(WireFormat.Welcome, TlsCodec.Serialize(welcome));
    }

    private int Padding(int contentLength)
    {
        var block = Options.PaddingBlockSize;
        return block <= 0 ? 0 : (block - (contentLength % block)) % block;
    }
}
