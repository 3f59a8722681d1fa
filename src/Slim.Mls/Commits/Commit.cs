using Slim.Mls.Codec;
using Slim.Mls.Proposals;
using Slim.Mls.TreeKem;

namespace Slim.Mls.Commits;

/// <summary>How a commit names a proposal (RFC 9420 section 12.4). The wire type is a uint8.</summary>
public enum ProposalOrRefType : byte
{
    /// <summary>Reserved.</summary>
    Reserved = 0,

    /// <summary>The proposal itself.</summary>
    Proposal = 1,

    /// <summary>The ProposalRef of a proposal sent earlier in the epoch.</summary>
    Reference = 2,
}

/// <summary>
/// A proposal by value or by reference:
/// <c>struct { ProposalOrRefType type; select (type) { case proposal: Proposal proposal; case reference: ProposalRef reference; }; } ProposalOrRef;</c>
/// </summary>
public sealed class ProposalOrRef : ITlsEncodable, ITlsDecodable<ProposalOrRef>
{
    private ProposalOrRef(Proposal? proposal, byte[]? reference)
    {
        Proposal = proposal;
        Reference = reference;
    }

    /// <summary>By value or by reference.</summary>
    public ProposalOrRefType Type => Proposal is null ? ProposalOrRefType.Reference : ProposalOrRefType.Proposal;

    /// <summary>The proposal when sent by value.</summary>
    public Proposal? Proposal { get; }

    /// <summary>The ProposalRef when sent by reference.</summary>
    public byte[]? Reference { get; }

    /// <summary>A proposal by value.</summary>
    public static ProposalOrRef ByValue(Proposal proposal) => new(proposal ?? throw new ArgumentNullException(nameof(proposal)), null);

    /// <summary>A proposal by reference.</summary>
    public static ProposalOrRef ByReference(byte[] reference) => new(null, reference ?? throw new ArgumentNullException(nameof(reference)));

    /// <inheritdoc />
    public static ProposalOrRef ReadFrom(ref TlsReader reader)
    {
        var type = (ProposalOrRefType)reader.ReadUInt8();
        return type switch
        {
            ProposalOrRefType.Proposal => new ProposalOrRef(Proposal.ReadFrom(ref reader), null),
            ProposalOrRefType.Reference => new ProposalOrRef(null, reader.ReadVectorBytes()),
            _ => throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"ProposalOrRef type {(byte)type} is not valid", -1),
        };
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteUInt8((byte)Type);
        if (Proposal is not null)
        {
            Proposal.WriteTo(ref writer);
        }
        else
        {
            writer.WriteVector(Reference);
        }
    }
}

/// <summary>
/// A commit (RFC 9420 section 12.4): <c>struct { ProposalOrRef proposals&lt;V&gt;; optional&lt;UpdatePath&gt; path; } Commit;</c>
/// </summary>
/// <param name="Proposals">The committed proposals, in order.</param>
/// <param name="Path">The committer's UpdatePath, when present.</param>
public sealed record Commit(IReadOnlyList<ProposalOrRef> Proposals, UpdatePath? Path) : ITlsEncodable, ITlsDecodable<Commit>
{
    /// <inheritdoc />
    public static Commit ReadFrom(ref TlsReader reader)
    {
        var proposals = TlsCodec.ReadList<ProposalOrRef>(ref reader);
        var path = reader.ReadPresence() ? UpdatePath.ReadFrom(ref reader) : null;
        return new Commit(proposals, path);
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        TlsCodec.WriteList(ref writer, Proposals);
        writer.WritePresence(Path is not null);
        Path?.WriteTo(ref writer);
    }
}
