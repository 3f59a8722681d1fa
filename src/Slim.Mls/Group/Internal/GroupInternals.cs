using Slim.Mls.Extensions;
using Slim.Mls.Framing;
using Slim.Mls.KeyPackages;
using Slim.Mls.KeySchedule;
using Slim.Mls.Proposals;
using Slim.Mls.Tree;

namespace Slim.Mls.Group.Internal;

/// <summary>A proposal received (or sent) this epoch, kept until a commit references it by its ProposalRef.</summary>
internal sealed record CachedProposal(Proposal Proposal, Sender Sender, byte[] Reference);

/// <summary>A proposal of a commit with its sender, resolved from a value or a reference.</summary>
internal sealed record ResolvedProposal(Proposal Proposal, Sender Sender, byte[]? Reference);

/// <summary>The result of applying a proposal list to a copy of the tree and GroupContext (RFC 9420 section 12.3).</summary>
internal sealed class AppliedProposals
{
    public AppliedProposals(RatchetTree tree, IReadOnlyList<Extension> extensions)
    {
        Tree = tree;
        Extensions = extensions;
    }

    public RatchetTree Tree { get; }

    public IReadOnlyList<Extension> Extensions { get; }

    public List<(LeafIndex Leaf, KeyPackage KeyPackage)> Added { get; } = [];

    /// <summary>Leaf indices of <see cref="Added"/>, for the resolution filter of an UpdatePath.</summary>
    public HashSet<uint> AddedLeaves { get; } = [];

    public List<LeafIndex> Removed { get; } = [];

    public List<LeafIndex> Updated { get; } = [];

    public List<(PreSharedKeyId Id, byte[] Psk)> Psks { get; } = [];

    public byte[]? ExternalInitKemOutput { get; set; }

    public ReInitProposal? ReInit { get; set; }

    public bool PathRequired { get; set; }

    public bool IsAdded(uint leaf) => AddedLeaves.Contains(leaf);
}

/// <summary>A commit made here that waits for the delivery service's go-ahead.</summary>
internal sealed class PendingCommit : IDisposable
{
    public PendingCommit(EpochState next, byte[] framedContent, CommitSummary summary)
    {
        Next = next;
        FramedContent = framedContent;
        Summary = summary;
    }

    public EpochState Next { get; }

    /// <summary>The encoded FramedContent of the commit, to recognize it when it comes back.</summary>
    public byte[] FramedContent { get; }

    public CommitSummary Summary { get; }

    public void Dispose() => Next.Dispose();
}
