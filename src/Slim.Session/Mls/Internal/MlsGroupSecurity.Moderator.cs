using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Slim.Mls;
using Slim.Mls.Credentials;
using Slim.Mls.Group;
using Slim.Mls.KeyPackages;
using Slim.Mls.Proposals;
using Slim.Mls.Tree;
using Slim.Protocol;

namespace Slim.Session.Mls.Internal;

// The moderator: it creates the group and makes every commit (add, remove, remove+add for a rejoin), merging each at
// once, as official SLIM does before sending it. Members are found by identity (the token subject).
internal sealed partial class MlsGroupSecurity
{
    private readonly Dictionary<string, LeafIndex> _leaves = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask CreateGroupAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_group is not null)
        {
            throw new SlimSessionException(SlimErrorCode.GroupSecurityFailed, $"Session {_context.SessionId} already has an MLS group.");
        }

        var started = Stopwatch.GetTimestamp();
        _group = MlsGroup.Create(_suite, _signer, OwnCredential(), _mlsOptions);
        _metrics.Duration("create", Stopwatch.GetElapsedTime(started));
        _metrics.GroupReady("create");
        MlsLog.GroupCreated(_logger, _context.SessionId, _suite.Id.ToString(), _group.Epoch);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask<GroupCommit> AddMemberAsync(ReadOnlyMemory<byte> keyPackage, CancellationToken cancellationToken)
    {
        var group = ActiveGroup("add");
        return await RunAsync("add", async () =>
        {
            var started = Stopwatch.GetTimestamp();
            var from = group.Epoch;
            var package = ReadKeyPackage(keyPackage.Span);
            var identity = await NewMemberIdentityAsync(package, cancellationToken);
            var output = await group.AddMembersAsync([package], CommitOptions.Default, cancellationToken);
            _leaves[identity] = output.Summary.Added[0];
            EpochChanged("add", from, started);
            return new GroupCommit(output.Commit.ToBytes(), output.Welcome!.ToBytes(), identity);
        });
    }

    /// <inheritdoc />
    public async ValueTask<GroupCommit> RemoveMemberAsync(string memberIdentity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(memberIdentity);
        var group = ActiveGroup("remove");
        return await RunAsync("remove", async () =>
        {
            var started = Stopwatch.GetTimestamp();
            var from = group.Epoch;
            var leaf = await FindLeafAsync(group, memberIdentity, cancellationToken) ?? throw new SlimSessionException(
                SlimErrorCode.ParticipantNotFound, $"No member of the MLS group of session {_context.SessionId} has the identity {memberIdentity}.");
            var output = await group.RemoveMembersAsync([leaf], CommitOptions.Default, cancellationToken);
            _leaves.Remove(memberIdentity);
            EpochChanged("remove", from, started);
            return new GroupCommit(output.Commit.ToBytes(), [], memberIdentity);
        });
    }

    /// <inheritdoc />
    public async ValueTask<GroupCommit> ReAddMemberAsync(string memberIdentity, ReadOnlyMemory<byte> keyPackage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(memberIdentity);
        var group = ActiveGroup("re-add");
        return await RunAsync("re-add", async () =>
        {
            var started = Stopwatch.GetTimestamp();
            var from = group.Epoch;
            var package = ReadKeyPackage(keyPackage.Span);
            var identity = await NewMemberIdentityAsync(package, cancellationToken);
            if (memberIdentity.Length > 0 && !string.Equals(identity, memberIdentity, StringComparison.Ordinal))
            {
                // A member may only bring itself back: the request was signed by the member, the KeyPackage must be its own.
                throw new SlimSessionException(
                    SlimErrorCode.GroupSecurityFailed, $"The rejoin key package of {memberIdentity} belongs to {identity}.");
            }

            List<Proposal> proposals = [];
            if (memberIdentity.Length > 0 && await FindLeafAsync(group, memberIdentity, cancellationToken) is { } old)
            {
                proposals.Add(new RemoveProposal(old));
            }

            proposals.Add(new AddProposal(package));
            CommitOutput output;
            try
            {
                output = await group.CreateCommitAsync(proposals, CommitOptions.Default with { IncludePendingProposals = false }, cancellationToken);
                await group.MergePendingCommitAsync(cancellationToken);
            }
            catch
            {
                if (group.HasPendingCommit)
                {
                    group.DiscardPendingCommit();
                }

                throw;
            }

            _leaves.Remove(memberIdentity);
            _leaves[identity] = output.Summary.Added[0];
            EpochChanged("re-add", from, started);
            return new GroupCommit(output.Commit.ToBytes(), output.Welcome!.ToBytes(), identity);
        });
    }

    /// <summary>The identity (token subject) of a KeyPackage's owner; throws when its credential is refused.</summary>
    private async ValueTask<string> NewMemberIdentityAsync(KeyPackage package, CancellationToken cancellationToken)
    {
        var checkedCredential = await CheckCredentialAsync(package.LeafNode, CredentialValidationReason.NewMember, cancellationToken);
        return checkedCredential is { IsValid: true, Identity: { } identity }
            ? identity
            : throw new MlsException(MlsErrorCode.CredentialRejected, $"The key package's credential was refused: {checkedCredential.Error}");
    }

    /// <summary>
    /// The leaf of the member with <paramref name="identity"/>: the one recorded when it was added, else the member whose
    /// credential proves that identity.
    /// </summary>
    private async ValueTask<LeafIndex?> FindLeafAsync(MlsGroup group, string identity, CancellationToken cancellationToken)
    {
        if (_leaves.TryGetValue(identity, out var known) && group.GetMember(known) is not null)
        {
            return known;
        }

        foreach (var member in group.Members)
        {
            if (member.Index == group.OwnLeafIndex)
            {
                continue;
            }

            var validation = await _validator.ValidateAsync(member.Credential, member.SignatureKey, CredentialValidationReason.ExistingMember, cancellationToken);
            if (validation.IsValid && string.Equals(validation.Identity, identity, StringComparison.Ordinal))
            {
                return member.Index;
            }
        }

        return null;
    }
}
