using Slim.Mls.Credentials;
using Slim.Mls.Framing;
using Slim.Mls.Proposals;
using Slim.Mls.Tree;
using Slim.Mls.Welcome;

namespace Slim.Mls.Group;

/// <summary>A member of the group as the tree shows it.</summary>
/// <param name="Index">The member's leaf.</param>
/// <param name="Credential">The member's credential.</param>
/// <param name="SignatureKey">The member's signature public key.</param>
public sealed record MlsMember(LeafIndex Index, Credential Credential, ReadOnlyMemory<byte> SignatureKey);

/// <summary>What a commit produced.</summary>
/// <param name="Commit">The commit to send to the group (PublicMessage unless handshake encryption is on).</param>
/// <param name="Welcome">The Welcome for the new members (one for all), or null when nobody was added.</param>
/// <param name="GroupInfo">The signed GroupInfo of the new epoch (also inside the Welcome).</param>
/// <param name="Summary">What changed.</param>
public sealed record CommitOutput(MlsMessage Commit, MlsMessage? Welcome, GroupInfo GroupInfo, CommitSummary Summary);

/// <summary>What a commit changed.</summary>
/// <param name="NewEpoch">The epoch the commit starts.</param>
/// <param name="Added">Leaves of the new members.</param>
/// <param name="Removed">Leaves removed.</param>
/// <param name="Updated">Leaves replaced by Update proposals or the committer's path.</param>
/// <param name="SelfRemoved">True when this client was removed (the group is then inactive).</param>
/// <param name="ReInit">A ReInit proposal the commit carried (the group then stops sending).</param>
public sealed record CommitSummary(
    ulong NewEpoch, IReadOnlyList<LeafIndex> Added, IReadOnlyList<LeafIndex> Removed, IReadOnlyList<LeafIndex> Updated, bool SelfRemoved, ReInitProposal? ReInit);

/// <summary>The kind of a processed message.</summary>
public enum ProcessedMessageKind
{
    /// <summary>Application data.</summary>
    Application = 0,

    /// <summary>A proposal, now cached for a later commit.</summary>
    Proposal = 1,

    /// <summary>A commit, now applied (the group is in the new epoch).</summary>
    Commit = 2,
}

/// <summary>The outcome of <see cref="MlsGroup.ProcessMessageAsync(MlsMessage, CancellationToken)"/>.</summary>
/// <param name="Kind">Application, proposal or commit.</param>
/// <param name="Sender">Who sent it.</param>
/// <param name="Epoch">The epoch it was sent in.</param>
/// <param name="AuthenticatedData">The sender's authenticated (not encrypted) data.</param>
/// <param name="ApplicationData">The plaintext of an application message.</param>
/// <param name="Proposal">The proposal of a proposal message.</param>
/// <param name="Commit">What a commit changed.</param>
public sealed record ProcessedMessage(
    ProcessedMessageKind Kind, Sender Sender, ulong Epoch, byte[] AuthenticatedData, byte[]? ApplicationData, Proposal? Proposal, CommitSummary? Commit);
