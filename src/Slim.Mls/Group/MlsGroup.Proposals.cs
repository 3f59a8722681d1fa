using Slim.Mls.Credentials;
using Slim.Mls.Extensions;
using Slim.Mls.Framing;
using Slim.Mls.Group.Internal;
using Slim.Mls.Internal;
using Slim.Mls.KeyPackages;
using Slim.Mls.KeySchedule;
using Slim.Mls.Proposals;
using Slim.Mls.Tree;

namespace Slim.Mls.Group;

/// <summary>Proposal-list validation (RFC 9420 section 12.2) and application (section 12.3).</summary>
public sealed partial class MlsGroup
{
    private async ValueTask<AppliedProposals> ApplyProposalsAsync(
        EpochState state, IReadOnlyList<ResolvedProposal> proposals, Sender committer, CancellationToken cancellationToken)
    {
        var external = committer.Type == SenderType.NewMemberCommit;
        CheckListRules(state, proposals, committer, external);

        // 1. GroupContextExtensions.
        var extensions = state.Context.Extensions;
        var gce = proposals.Select(p => p.Proposal).OfType<GroupContextExtensionsProposal>().SingleOrDefault();
        if (gce is not null)
        {
            extensions = gce.Extensions;
            await CheckGroupContextExtensionsAsync(extensions, cancellationToken).ConfigureAwait(false);
        }

        RequiredCapabilities? required;
        try
        {
            required = ExtensionList.RequiredCapabilities(extensions);
        }
        catch (MlsDecodeException e)
        {
            throw new MlsException(MlsErrorCode.ProposalInvalid, "The required_capabilities extension is malformed.", e);
        }

        var applied = new AppliedProposals(state.Tree.Clone(), extensions);
        var tree = applied.Tree;
        var groupId = state.Context.GroupId;

        // 2. Updates.
        foreach (var (proposal, sender, _) in proposals.Where(p => p.Proposal is UpdateProposal))
        {
            var update = (UpdateProposal)proposal;
            var leaf = sender.Leaf;
            var old = state.Tree.GetLeaf(leaf) ?? throw new MlsException(MlsErrorCode.ProposalInvalid, $"Update from blank {leaf}.");
            LeafNodeValidation.Validate(Suite, update.LeafNode, LeafNodeSource.Update, groupId, leaf.Value, required, null);
            if (update.LeafNode.EncryptionKey.Span.SequenceEqual(old.EncryptionKeyArray))
            {
                throw new MlsException(MlsErrorCode.ProposalInvalid, "An Update must change the leaf's encryption key.");
            }

            await CheckSuccessorAsync(old, update.LeafNode, cancellationToken).ConfigureAwait(false);
            tree.UpdateLeaf(leaf, update.LeafNode);
            applied.Updated.Add(leaf);
        }

        // 3. Removes.
        foreach (var remove in proposals.Select(p => p.Proposal).OfType<RemoveProposal>())
        {
            if (tree.GetLeaf(remove.Removed) is null)
            {
                throw new MlsException(MlsErrorCode.ProposalInvalid, $"Remove of blank or unknown {remove.Removed}.");
            }

            tree.RemoveLeaf(remove.Removed);
            applied.Removed.Add(remove.Removed);
        }

        // 4. Adds, in order. Validation (two signatures each) runs in parallel; it dominates a bulk add.
        var adds = proposals.Select(p => p.Proposal).OfType<AddProposal>().ToArray();
        if (adds.Length > 0)
        {
            var now = Now;
            var errors = new MlsException?[adds.Length];
            Parallel.For(0, adds.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Options.MaxDegreeOfParallelism) }, i =>
            {
                try
                {
                    adds[i].KeyPackage.Validate(Suite, required, now, Options.MaxKeyPackageLifetime);
                }
                catch (MlsException e)
                {
                    errors[i] = e;
                }
            });
            if (errors.FirstOrDefault(e => e is not null) is { } error)
            {
                throw new MlsException(error.ErrorCode, $"Add proposal invalid: {error.Message}", error);
            }

            foreach (var add in adds)
            {
                await ValidateCredentialAsync(add.KeyPackage.LeafNode, CredentialValidationReason.NewMember, cancellationToken).ConfigureAwait(false);
            }

            var hint = 0u;
            foreach (var add in adds)
            {
                var leaf = tree.AddLeaf(add.KeyPackage.LeafNode, hint);
                hint = leaf.Value + 1;
                applied.Added.Add((leaf, add.KeyPackage));
                applied.AddedLeaves.Add(leaf.Value);
            }
        }

        // 5. PSKs, in order.
        foreach (var psk in proposals.Select(p => p.Proposal).OfType<PreSharedKeyProposal>())
        {
            applied.Psks.Add((psk.Psk, ResolvePsk(psk.Psk)));
        }

        // 6. ExternalInit, 7. ReInit.
        applied.ExternalInitKemOutput = proposals.Select(p => p.Proposal).OfType<ExternalInitProposal>().SingleOrDefault()?.KemOutput;
        applied.ReInit = proposals.Select(p => p.Proposal).OfType<ReInitProposal>().SingleOrDefault();
        applied.PathRequired = proposals.Count == 0 || proposals.Any(p => p.Proposal.RequiresPath);

        CheckTreeAfterProposals(tree, applied, required);
        return applied;
    }

    private void CheckListRules(EpochState state, IReadOnlyList<ResolvedProposal> proposals, Sender committer, bool external)
    {
        static MlsException Invalid(string why) => new(MlsErrorCode.ProposalListInvalid, why);

        if (external)
        {
            if (proposals.Count(p => p.Proposal is ExternalInitProposal) != 1 ||
                proposals.Count(p => p.Proposal is RemoveProposal) > 1 ||
                proposals.Any(p => p.Proposal is not (ExternalInitProposal or RemoveProposal or PreSharedKeyProposal)))
            {
                throw Invalid("An external commit holds exactly one ExternalInit, at most one Remove and PreSharedKeys only.");
            }

            if (proposals.Any(p => p.Reference is not null))
            {
                throw Invalid("An external commit cannot reference proposals.");
            }
        }
        else if (proposals.Any(p => p.Proposal is ExternalInitProposal))
        {
            throw Invalid("ExternalInit is only valid in an external commit.");
        }

        if (proposals.Any(p => p.Proposal is ReInitProposal) && proposals.Count > 1)
        {
            throw Invalid("A ReInit must be the only proposal of its commit.");
        }

        if (proposals.Count(p => p.Proposal is GroupContextExtensionsProposal) > 1)
        {
            throw Invalid("At most one GroupContextExtensions proposal per commit.");
        }

        var touched = new HashSet<uint>();
        foreach (var (proposal, sender, _) in proposals)
        {
            switch (proposal)
            {
                case UpdateProposal:
                    if (sender.Type != SenderType.Member)
                    {
                        throw Invalid("Only members send Update proposals.");
                    }

                    if (committer.Type == SenderType.Member && sender.Index == committer.Index)
                    {
                        throw Invalid("A commit cannot include the committer's own Update.");
                    }

                    if (!touched.Add(sender.Index))
                    {
                        throw Invalid($"Two Update/Remove proposals for leaf {sender.Index}.");
                    }

                    break;
                case RemoveProposal remove:
                    if (committer.Type == SenderType.Member && remove.Removed.Value == committer.Index)
                    {
                        throw Invalid("A commit cannot remove the committer.");
                    }

                    if (!touched.Add(remove.Removed.Value))
                    {
                        throw Invalid($"Two Update/Remove proposals for leaf {remove.Removed.Value}.");
                    }

                    break;
                case PreSharedKeyProposal psk:
                    if (psk.Psk.Nonce.Length != Suite.HashLength)
                    {
                        throw new MlsException(MlsErrorCode.ProposalInvalid, "A PSK nonce must be Nh bytes.");
                    }

                    if (psk.Psk.Type == PskType.Resumption && psk.Psk.Usage != ResumptionPskUsage.Application)
                    {
                        throw new MlsException(MlsErrorCode.ProposalInvalid, "Resumption PSKs with usage reinit or branch cannot be proposed.");
                    }

                    break;
                case ReInitProposal reinit when reinit.Version < state.Context.Version:
                    throw new MlsException(MlsErrorCode.ProposalInvalid, "A ReInit cannot lower the protocol version.");
                case CustomProposal custom:
                    if (state.Tree.Leaves().Any(l => !l.Leaf.Capabilities.SupportsProposal(custom.Type)))
                    {
                        throw Invalid($"Proposal type {(ushort)custom.Type} is not supported by every member.");
                    }

                    break;
            }
        }

        var pskIds = proposals.Select(p => p.Proposal).OfType<PreSharedKeyProposal>().Select(p => Codec.TlsCodec.Serialize(p.Psk)).ToArray();
        if (pskIds.Distinct(ByteArrayComparer.Instance).Count() != pskIds.Length)
        {
            throw Invalid("Two PreSharedKey proposals name the same PSK.");
        }

        // Adds: no two for the same client, none for a client already in the group (same signature key) unless removed.
        var removed = proposals.Select(p => p.Proposal).OfType<RemoveProposal>().Select(r => r.Removed).ToHashSet();
        var signatureKeys = new HashSet<byte[]>(ByteArrayComparer.Instance);
        foreach (var (index, leaf) in state.Tree.Leaves())
        {
            if (!removed.Contains(index))
            {
                signatureKeys.Add(leaf.SignatureKeyArray);
            }
        }

        foreach (var add in proposals.Select(p => p.Proposal).OfType<AddProposal>())
        {
            if (!signatureKeys.Add(add.KeyPackage.LeafNode.SignatureKeyArray))
            {
                throw Invalid("An Add proposal names a client that is already (or twice) in the group.");
            }
        }
    }

    private static void CheckTreeAfterProposals(RatchetTree tree, AppliedProposals applied, RequiredCapabilities? required)
    {
        var encryptionKeys = new HashSet<byte[]>(ByteArrayComparer.Instance);
        for (var i = 0u; i < tree.NodeCount; i++)
        {
            if (tree.GetNode(new NodeIndex(i)) is { } node && !encryptionKeys.Add(node.EncryptionKeyArray))
            {
                throw new MlsException(MlsErrorCode.DuplicateKey, $"After the proposals, the encryption key of node {i} appears twice.");
            }
        }

        if (applied.Added.Count == 0 && applied.Updated.Count == 0 && required is null)
        {
            return;
        }

        var leaves = tree.Leaves().ToArray();
        var inUse = leaves.Select(l => l.Leaf.Credential.Type).Distinct().ToArray();
        foreach (var (index, leaf) in leaves)
        {
            if (inUse.Any(t => !leaf.Capabilities.SupportsCredential(t)))
            {
                throw new MlsException(MlsErrorCode.CapabilitiesUnsupported, $"{index} does not support every credential type in use.");
            }

            if (required is not null && !required.IsSatisfiedBy(leaf.Capabilities))
            {
                throw new MlsException(MlsErrorCode.CapabilitiesUnsupported, $"{index} does not support the required capabilities.");
            }
        }
    }

    private async ValueTask CheckGroupContextExtensionsAsync(IReadOnlyList<Extension> extensions, CancellationToken cancellationToken)
    {
        if (!ExtensionList.HasUniqueTypes(extensions))
        {
            throw new MlsException(MlsErrorCode.ProposalInvalid, "GroupContext extensions list a type twice.");
        }

        foreach (var extension in extensions)
        {
            if (_state.Tree.Leaves().Any(l => !l.Leaf.Capabilities.SupportsExtension(extension.Type)))
            {
                throw new MlsException(MlsErrorCode.CapabilitiesUnsupported, $"GroupContext extension 0x{(ushort)extension.Type:x4} is not supported by every member.");
            }
        }

        ExternalSender[] senders;
        try
        {
            senders = ExtensionList.ExternalSenders(extensions);
            _ = ExtensionList.RequiredCapabilities(extensions);
        }
        catch (MlsDecodeException e)
        {
            throw new MlsException(MlsErrorCode.ProposalInvalid, "A GroupContext extension is malformed.", e);
        }

        foreach (var sender in senders)
        {
            var result = await Options.CredentialValidator.ValidateAsync(sender.Credential, sender.SignatureKey, CredentialValidationReason.ExternalSender, cancellationToken).ConfigureAwait(false);
            if (!result.IsValid)
            {
                throw new MlsException(MlsErrorCode.CredentialRejected, $"External sender credential refused: {result.Error}");
            }
        }
    }

    private async ValueTask<CredentialValidation> ValidateCredentialAsync(LeafNode leaf, CredentialValidationReason reason, CancellationToken cancellationToken)
    {
        var result = await Options.CredentialValidator.ValidateAsync(leaf.Credential, leaf.SignatureKeyArray, reason, cancellationToken).ConfigureAwait(false);
        return result.IsValid ? result : throw new MlsException(MlsErrorCode.CredentialRejected, $"Credential refused ({reason}): {result.Error}");
    }

    private async ValueTask CheckSuccessorAsync(LeafNode old, LeafNode next, CancellationToken cancellationToken)
    {
        var after = await ValidateCredentialAsync(next, CredentialValidationReason.Successor, cancellationToken).ConfigureAwait(false);
        if (old.Credential.Equals(next.Credential))
        {
            return;
        }

        var before = await Options.CredentialValidator.ValidateAsync(old.Credential, old.SignatureKeyArray, CredentialValidationReason.ExistingMember, cancellationToken).ConfigureAwait(false);
        if (!Options.CredentialValidator.IsValidSuccessor(before, old.Credential, after, next.Credential))
        {
            throw new MlsException(MlsErrorCode.CredentialRejected, "The new credential is not a valid successor of the member's credential.");
        }
    }

    private byte[] ResolvePsk(PreSharedKeyId id)
    {
        if (id.Type == PskType.External)
        {
            return Options.ExternalPsks?.Find(id.PskId) ?? throw new MlsException(MlsErrorCode.PskNotFound, "An external PSK named by the commit is not known.");
        }

        if (id.PskGroupId.AsSpan().SequenceEqual(_state.Context.GroupId) && _resumptionPsks.TryGetValue(id.PskEpoch, out var psk))
        {
            return psk;
        }

        throw new MlsException(MlsErrorCode.PskNotFound, $"The resumption PSK of epoch {id.PskEpoch} is not available.");
    }
}
