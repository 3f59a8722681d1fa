using System.Security.Cryptography;
using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.Commits;
using Slim.Mls.Credentials;
using Slim.Mls.Extensions;
using Slim.Mls.Framing;
using Slim.Mls.Group.Internal;
using Slim.Mls.KeySchedule;
using Slim.Mls.Proposals;
using Slim.Mls.SecretTree;
using Slim.Mls.Tree;
using Slim.Mls.TreeKem.Internal;

namespace Slim.Mls.Group;

/// <summary>Processing incoming messages (RFC 9420 sections 6, 12.1 and 12.4.2).</summary>
public sealed partial class MlsGroup
{
    /// <summary>Decodes and processes an MLSMessage (PublicMessage or PrivateMessage).</summary>
    public ValueTask<ProcessedMessage> ProcessMessageAsync(ReadOnlyMemory<byte> mlsMessage, CancellationToken cancellationToken = default) =>
        ProcessMessageAsync(MlsMessage.Decode(mlsMessage.Span), cancellationToken);

    /// <summary>
    /// Processes a PublicMessage or PrivateMessage of the current epoch: returns application data, caches a proposal,
    /// or applies a commit (a commit made here is merged when it comes back). Nothing changes when it throws.
    /// </summary>
    /// <exception cref="MlsException">The message is invalid for this group and epoch; the error code says why.</exception>
    public async ValueTask<ProcessedMessage> ProcessMessageAsync(MlsMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        EnsureActive();
        try
        {
            var processed = await ProcessCoreAsync(message, cancellationToken).ConfigureAwait(false);
            switch (processed.Kind)
            {
                case ProcessedMessageKind.Application:
                    MlsMetrics.MessagesDecrypted.Add(1);
                    break;
                case ProcessedMessageKind.Commit:
                    MlsMetrics.CommitsApplied.Add(1);
                    break;
            }

            return processed;
        }
        catch (MlsException e)
        {
            MlsMetrics.Rejected(e.ErrorCode);
            throw;
        }
    }

    private async ValueTask<ProcessedMessage> ProcessCoreAsync(MlsMessage message, CancellationToken cancellationToken)
    {
        AuthenticatedContent content;
        switch (message.WireFormat)
        {
            case WireFormat.PublicMessage:
                content = UnprotectPublic(message.PublicMessage!);
                break;
            case WireFormat.PrivateMessage:
                var priv = message.PrivateMessage!;
                if (priv.Epoch < _state.Context.Epoch && _pastEpochs.Find(p => p.Context.Epoch == priv.Epoch) is { } past &&
                    priv.GroupId.AsSpan().SequenceEqual(_state.Context.GroupId))
                {
                    return await ProcessLateApplicationMessageAsync(priv, past, cancellationToken).ConfigureAwait(false);
                }

                CheckGroupAndEpoch(priv.GroupId, priv.Epoch);
                content = priv.Unprotect(Suite, _state.SecretTree, _state.Secrets.SenderDataSecret, _state.Context, VerifierFor);
                break;
            default:
                throw new MlsException(MlsErrorCode.WrongWireFormat, $"A {message.WireFormat} is not a group message; use JoinAsync for Welcomes.");
        }

        var framed = content.Content;
        switch (framed.ContentType)
        {
            case ContentType.Application:
                if (message.WireFormat != WireFormat.PrivateMessage)
                {
                    throw new MlsException(MlsErrorCode.InvalidContentType, "Application data must come as a PrivateMessage.");
                }

                await PersistAsync(cancellationToken).ConfigureAwait(false);
                return new ProcessedMessage(ProcessedMessageKind.Application, framed.Sender, framed.Epoch, framed.AuthenticatedData, framed.Content, null, null);
            case ContentType.Proposal:
                var proposal = CacheProposal(content);
                await PersistAsync(cancellationToken).ConfigureAwait(false);
                return new ProcessedMessage(ProcessedMessageKind.Proposal, framed.Sender, framed.Epoch, framed.AuthenticatedData, null, proposal, null);
            default:
                var summary = await ProcessCommitAsync(content, cancellationToken).ConfigureAwait(false);
                await PersistAsync(cancellationToken).ConfigureAwait(false);
                return new ProcessedMessage(ProcessedMessageKind.Commit, framed.Sender, framed.Epoch, framed.AuthenticatedData, null, null, summary);
        }
    }

    // An application message of a recent epoch that arrived after the commit that ended it.
    private async ValueTask<ProcessedMessage> ProcessLateApplicationMessageAsync(PrivateMessage message, PastEpoch past, CancellationToken cancellationToken)
    {
        if (message.ContentType != ContentType.Application)
        {
            throw new MlsException(MlsErrorCode.WrongEpoch, $"A handshake message for past epoch {message.Epoch} cannot be processed.");
        }

        var opened = new List<SignaturePublicKey>();
        try
        {
            var content = message.Unprotect(Suite, past.SecretTree, past.SenderDataSecret, past.Context, leaf =>
            {
                if (past.Tree.GetLeaf(leaf) is not { } node)
                {
                    return null;
                }

                var key = Suite.SignatureScheme.ImportPublicKey(node.SignatureKeyArray);
                opened.Add(key);
                return key;
            });
            await PersistAsync(cancellationToken).ConfigureAwait(false);
            var framed = content.Content;
            return new ProcessedMessage(ProcessedMessageKind.Application, framed.Sender, framed.Epoch, framed.AuthenticatedData, framed.Content, null, null);
        }
        finally
        {
            foreach (var key in opened)
            {
                key.Dispose();
            }
        }
    }

    private void CheckGroupAndEpoch(byte[] groupId, ulong epoch)
    {
        if (!groupId.AsSpan().SequenceEqual(_state.Context.GroupId))
        {
            throw new MlsException(MlsErrorCode.WrongGroup, "The message belongs to another group.");
        }

        if (epoch != _state.Context.Epoch)
        {
            throw new MlsException(MlsErrorCode.WrongEpoch, $"The message is for epoch {epoch}; the group is at {_state.Context.Epoch}.");
        }
    }

    private AuthenticatedContent UnprotectPublic(PublicMessage message)
    {
        var framed = message.Content;
        CheckGroupAndEpoch(framed.GroupId, framed.Epoch);
        var sender = framed.Sender;
        switch (sender.Type)
        {
            case SenderType.Member:
                var verifier = VerifierFor(sender.Leaf) ?? throw new MlsException(MlsErrorCode.InvalidSender, $"No member at {sender.Leaf}.");
                return message.Unprotect(Suite, _state.Context, _state.Secrets.MembershipKey, verifier);
            case SenderType.External:
                if (!Options.AllowExternalProposals || framed.ContentType != ContentType.Proposal)
                {
                    throw new MlsException(MlsErrorCode.ExternalNotAllowed, "External senders are not accepted by this group.");
                }

                var senders = ExtensionList.ExternalSenders(_state.Context.Extensions);
                if (sender.Index >= (uint)senders.Length)
                {
                    throw new MlsException(MlsErrorCode.InvalidSender, $"External sender {sender.Index} is not listed.");
                }

                return UnprotectWithKey(message, senders[sender.Index].SignatureKey);
            case SenderType.NewMemberProposal:
                if (!Options.AllowExternalProposals || framed.ContentType != ContentType.Proposal)
                {
                    throw new MlsException(MlsErrorCode.ExternalNotAllowed, "New-member proposals are not accepted by this group.");
                }

                var add = TlsCodec.Deserialize<Proposal>(framed.Content) as AddProposal
                    ?? throw new MlsException(MlsErrorCode.InvalidSender, "A new_member_proposal sender may only propose Add.");
                return UnprotectWithKey(message, add.KeyPackage.LeafNode.SignatureKeyArray);
            case SenderType.NewMemberCommit:
                if (!Options.AllowExternalCommits || framed.ContentType != ContentType.Commit)
                {
                    throw new MlsException(MlsErrorCode.ExternalNotAllowed, "External commits are not accepted by this group.");
                }

                var commit = TlsCodec.Deserialize<Commit>(framed.Content);
                var path = commit.Path ?? throw new MlsException(MlsErrorCode.CommitInvalid, "An external commit must have a path.");
                return UnprotectWithKey(message, path.LeafNode.SignatureKeyArray);
            default:
                throw new MlsException(MlsErrorCode.InvalidSender, $"Sender type {sender.Type} is not valid.");
        }
    }

    private AuthenticatedContent UnprotectWithKey(PublicMessage message, byte[] signatureKey)
    {
        SignaturePublicKey key;
        try
        {
            key = Suite.SignatureScheme.ImportPublicKey(signatureKey);
        }
        catch (MlsException e)
        {
            throw new MlsException(MlsErrorCode.SignatureInvalid, "The sender's signature key is malformed.", e);
        }

        using (key)
        {
            return message.Unprotect(Suite, _state.Context, _state.Secrets.MembershipKey, key);
        }
    }

    private Proposal CacheProposal(AuthenticatedContent content)
    {
        var proposal = TlsCodec.Deserialize<Proposal>(content.Content.Content);
        var sender = content.Content.Sender;
        if (sender.Type == SenderType.External && proposal.Type is not (ProposalType.Add or ProposalType.Remove or ProposalType.PreSharedKey or ProposalType.ReInit or ProposalType.GroupContextExtensions))
        {
            throw new MlsException(MlsErrorCode.ProposalInvalid, $"An external sender cannot propose {proposal.Type}.");
        }

        if (proposal is UpdateProposal or ExternalInitProposal && sender.Type != SenderType.Member)
        {
            throw new MlsException(MlsErrorCode.ProposalInvalid, $"{proposal.Type} must come from a member.");
        }

        var reference = Suite.MakeProposalRef(TlsCodec.Serialize(content));
        var key = Convert.ToHexString(reference);
        if (_proposals.TryAdd(key, new CachedProposal(proposal, sender, reference)))
        {
            _proposalOrder.Add(key);
        }

        return proposal;
    }

    private async ValueTask<CommitSummary> ProcessCommitAsync(AuthenticatedContent content, CancellationToken cancellationToken)
    {
        var framed = content.Content;
        var sender = framed.Sender;
        if (_pending is not null && sender.Type == SenderType.Member && sender.Leaf == OwnLeafIndex)
        {
            if (!_pending.FramedContent.AsSpan().SequenceEqual(TlsCodec.Serialize(framed)))
            {
                throw new MlsException(MlsErrorCode.PendingCommitConflict, "A commit from this member differs from the pending one.");
            }

            var summary = _pending.Summary;
            await MergePendingCommitAsync(cancellationToken).ConfigureAwait(false);
            return summary;
        }

        if (sender.Type == SenderType.Member && sender.Leaf == OwnLeafIndex)
        {
            throw new MlsException(MlsErrorCode.PendingCommitConflict, "A commit from this member arrived, but none is pending.");
        }

        var commit = TlsCodec.Deserialize<Commit>(framed.Content);
        if (content.Auth.ConfirmationTag is null)
        {
            throw new MlsException(MlsErrorCode.CommitInvalid, "The commit has no confirmation tag.");
        }

        var state = _state;
        var resolved = new List<ResolvedProposal>(commit.Proposals.Count);
        foreach (var item in commit.Proposals)
        {
            if (item.Proposal is { } byValue)
            {
                resolved.Add(new ResolvedProposal(byValue, sender, null));
            }
            else if (_proposals.TryGetValue(Convert.ToHexString(item.Reference!), out var cached))
            {
                resolved.Add(new ResolvedProposal(cached.Proposal, cached.Sender, cached.Reference));
            }
            else
            {
                throw new MlsException(MlsErrorCode.ProposalNotFound, "The commit references a proposal this member has not received.");
            }
        }

        var applied = await ApplyProposalsAsync(state, resolved, sender, cancellationToken).ConfigureAwait(false);
        var external = sender.Type == SenderType.NewMemberCommit;
        if ((applied.PathRequired || external) && commit.Path is null)
        {
            throw new MlsException(MlsErrorCode.CommitInvalid, "The commit lacks a required UpdatePath.");
        }

        var tree = applied.Tree;
        var myLeaf = OwnLeafIndex;
        if (applied.Removed.Contains(myLeaf))
        {
            // A removed member cannot derive the new epoch; the commit's signature and membership tag were checked.
            IsActive = false;
            DiscardPendingCommit();
            var removedUpdated = commit.Path is null || external ? applied.Updated : [.. applied.Updated, sender.Leaf];
            return new CommitSummary(state.Context.Epoch + 1, [.. applied.Added.Select(a => a.Leaf)], applied.Removed, removedUpdated, true, applied.ReInit);
        }

        const bool selfRemoved = false;
        var keys = state.Keys.Clone();
        var nextEpoch = state.Context.Epoch + 1;
        var committer = external ? default : sender.Leaf;
        byte[] commitSecret;
        GroupContext? provisional = null;
        try
        {
            // My own Update, committed by someone else: its private key becomes my leaf key.
            if (applied.Updated.Contains(myLeaf) && tree.GetLeaf(myLeaf) is { } myNewLeaf &&
                _pendingUpdateKeys.TryGetValue(myNewLeaf.EncryptionKeyArray, out var updateKey))
            {
                keys.Set(2 * myLeaf.Value, new Hpke.HpkeKeyPair((byte[])updateKey.Clone(), myNewLeaf.EncryptionKeyArray));
            }

            if (commit.Path is { } path)
            {
                if (external)
                {
                    committer = tree.AddLeaf(path.LeafNode);
                }
                else if (tree.GetLeaf(committer) is { } current && current.EncryptionKey.Span.SequenceEqual(path.LeafNode.EncryptionKeyArray))
                {
                    throw new MlsException(MlsErrorCode.UpdatePathInvalid, "The committer's new leaf reuses its old encryption key.");
                }

                LeafNodeValidation.Validate(Suite, path.LeafNode, LeafNodeSource.Commit, state.Context.GroupId, committer.Value, ExtensionList.RequiredCapabilities(applied.Extensions), null);
                if (external)
                {
                    await ValidateCredentialAsync(path.LeafNode, CredentialValidationReason.ExternalJoiner, cancellationToken).ConfigureAwait(false);

                    // A "resync" external commit removes the joiner's old appearance: the new leaf must be its successor.
                    if (applied.Removed.Count == 1 && state.Tree.GetLeaf(applied.Removed[0]) is { } previous)
                    {
                        await CheckSuccessorAsync(previous, path.LeafNode, cancellationToken).ConfigureAwait(false);
                    }
                }
                else
                {
                    await CheckSuccessorAsync(state.Tree.GetLeaf(committer)!, path.LeafNode, cancellationToken).ConfigureAwait(false);
                }

                provisional = TreeKemEngine.Merge(
                    tree, committer, path, treeHash => new GroupContext(Suite.Id, state.Context.GroupId, nextEpoch, treeHash, state.Context.ConfirmedTranscriptHash, applied.Extensions));
                keys.Prune(tree);
                var (secret, decrypted) = TreeKemEngine.Decrypt(tree, committer, path, provisional, applied.IsAdded, keys);
                CryptographicOperations.ZeroMemory(decrypted);
                commitSecret = secret;
            }
            else
            {
                keys.Prune(tree);
                commitSecret = new byte[Suite.HashLength];
            }

            var pskSecret = PskSecret.Compute(Suite, applied.Psks);
            var confirmed = TranscriptHash.Confirmed(Suite, state.InterimTranscriptHash, content);
            var context = new GroupContext(Suite.Id, state.Context.GroupId, nextEpoch, tree.RootTreeHash(), confirmed, applied.Extensions);
            byte[] initSecret;
            if (external)
            {
                using var externalPair = EpochKeySchedule.ExternalKeyPair(Suite, state.Secrets.ExternalSecret);
                initSecret = EpochKeySchedule.ReceiveExternalInit(Suite, externalPair.PrivateKey, applied.ExternalInitKemOutput!);
            }
            else
            {
                initSecret = state.Secrets.InitSecret;
            }

            var secrets = EpochKeySchedule.Derive(Suite, initSecret, commitSecret, pskSecret, context);
            CryptographicOperations.ZeroMemory(commitSecret);
            CryptographicOperations.ZeroMemory(pskSecret);
            if (!Suite.VerifyMac(secrets.ConfirmationKey, confirmed, content.Auth.ConfirmationTag))
            {
                secrets.Dispose();
                throw new MlsException(MlsErrorCode.ConfirmationTagInvalid, "The commit's confirmation tag does not verify.");
            }

            var interim = TranscriptHash.Interim(Suite, confirmed, content.Auth.ConfirmationTag);
            var next = new EpochState(context, tree, keys, secrets, new EncryptionSecretTree(Suite, secrets.EncryptionSecret, tree.LeafCount, Options.SecretTree), interim, content.Auth.ConfirmationTag);
            DiscardPendingCommit();
            ReplaceState(next);
            foreach (var key in _pendingUpdateKeys.Values)
            {
                CryptographicOperations.ZeroMemory(key);
            }

            _pendingUpdateKeys.Clear();
            var updated = commit.Path is null ? applied.Updated : [.. applied.Updated, committer];
            var added = applied.Added.Select(a => a.Leaf).ToList();
            if (external)
            {
                added.Add(committer);
            }

            var summary = new CommitSummary(nextEpoch, added, applied.Removed, updated, selfRemoved, applied.ReInit);
            if (applied.ReInit is not null)
            {
                IsActive = false;
                PendingReInit = applied.ReInit;
            }

            return summary;
        }
        catch
        {
            keys.Dispose();
            throw;
        }
    }
}
