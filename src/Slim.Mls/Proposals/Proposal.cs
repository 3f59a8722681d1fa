using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.Extensions;
using Slim.Mls.KeyPackages;
using Slim.Mls.KeySchedule;
using Slim.Mls.Tree;

namespace Slim.Mls.Proposals;

/// <summary>
/// A proposed change to the group (RFC 9420 section 12.1). Immutable.
/// <code>
/// struct {
///     ProposalType proposal_type;   // uint16
///     select (proposal_type) { case add: Add; case update: Update; case remove: Remove; case psk: PreSharedKey;
///                              case reinit: ReInit; case external_init: ExternalInit;
///                              case group_context_extensions: GroupContextExtensions; };
/// } Proposal;
/// </code>
/// Proposal types outside RFC 9420 are carried as one <c>opaque&lt;V&gt;</c> body (<see cref="CustomProposal"/>).
/// </summary>
public abstract class Proposal : ITlsEncodable, ITlsDecodable<Proposal>
{
    private protected Proposal()
    {
    }

    /// <summary>The proposal type.</summary>
    public abstract ProposalType Type { get; }

    /// <summary>True for types whose commit must carry an UpdatePath (update, remove, external_init, group_context_extensions).</summary>
    public bool RequiresPath => Type is ProposalType.Update or ProposalType.Remove or ProposalType.ExternalInit or ProposalType.GroupContextExtensions;

    /// <inheritdoc />
    public static Proposal ReadFrom(ref TlsReader reader)
    {
        var type = (ProposalType)reader.ReadUInt16();
        return ReadBody(type, ref reader, -2);
    }

    /// <summary>Reads the body of a proposal of <paramref name="type"/> (the type itself already consumed).</summary>
    public static Proposal ReadBody(ProposalType type, ref TlsReader reader) => ReadBody(type, ref reader, 0);

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteUInt16((ushort)Type);
        WriteBody(ref writer);
    }

    /// <summary>Writes the body only (as the <c>*_proposal</c> fields of messages.json hold it).</summary>
    public abstract void WriteBody(ref TlsWriter writer);

    private static Proposal ReadBody(ProposalType type, ref TlsReader reader, int typeOffset) => type switch
    {
        ProposalType.Add => new AddProposal(KeyPackage.ReadFrom(ref reader)),
        ProposalType.Update => new UpdateProposal(LeafNode.ReadFrom(ref reader)),
        ProposalType.Remove => new RemoveProposal(new LeafIndex(reader.ReadUInt32())),
        ProposalType.PreSharedKey => new PreSharedKeyProposal(PreSharedKeyId.ReadFrom(ref reader)),
        ProposalType.ReInit => ReInitProposal.ReadContent(ref reader),
        ProposalType.ExternalInit => new ExternalInitProposal(reader.ReadVectorBytes()),
        ProposalType.GroupContextExtensions => new GroupContextExtensionsProposal(TlsCodec.ReadList<Extension>(ref reader)),
        ProposalType.Reserved => throw reader.Error(MlsErrorCode.DecodeInvalidValue, "Proposal type 0 is reserved", typeOffset),
        _ => new CustomProposal(type, reader.ReadVectorBytes()),
    };
}

/// <summary>Add a client: <c>struct { KeyPackage key_package; } Add;</c></summary>
/// <param name="KeyPackage">The new member's KeyPackage.</param>
public sealed class AddProposal(KeyPackage KeyPackage) : Proposal
{
    /// <summary>The new member's KeyPackage.</summary>
    public KeyPackage KeyPackage { get; } = KeyPackage ?? throw new ArgumentNullException(nameof(KeyPackage));

    /// <inheritdoc />
    public override ProposalType Type => ProposalType.Add;

    /// <inheritdoc />
    public override void WriteBody(ref TlsWriter writer) => KeyPackage.WriteTo(ref writer);
}

/// <summary>Replace the sender's leaf: <c>struct { LeafNode leaf_node; } Update;</c></summary>
/// <param name="LeafNode">The new leaf node (source update).</param>
public sealed class UpdateProposal(LeafNode LeafNode) : Proposal
{
    /// <summary>The new leaf node.</summary>
    public LeafNode LeafNode { get; } = LeafNode ?? throw new ArgumentNullException(nameof(LeafNode));

    /// <inheritdoc />
    public override ProposalType Type => ProposalType.Update;

    /// <inheritdoc />
    public override void WriteBody(ref TlsWriter writer) => LeafNode.WriteTo(ref writer);
}

/// <summary>Remove a member: <c>struct { uint32 removed; } Remove;</c></summary>
/// <param name="Removed">The leaf to remove.</param>
public sealed class RemoveProposal(LeafIndex Removed) : Proposal
{
    /// <summary>The leaf to remove.</summary>
    public LeafIndex Removed { get; } = Removed;

    /// <inheritdoc />
    public override ProposalType Type => ProposalType.Remove;

    /// <inheritdoc />
    public override void WriteBody(ref TlsWriter writer) => writer.WriteUInt32(Removed.Value);
}

/// <summary>Inject a PSK: <c>struct { PreSharedKeyID psk; } PreSharedKey;</c></summary>
/// <param name="Psk">The PSK identifier.</param>
public sealed class PreSharedKeyProposal(PreSharedKeyId Psk) : Proposal
{
    /// <summary>The PSK identifier.</summary>
    public PreSharedKeyId Psk { get; } = Psk ?? throw new ArgumentNullException(nameof(Psk));

    /// <inheritdoc />
    public override ProposalType Type => ProposalType.PreSharedKey;

    /// <inheritdoc />
    public override void WriteBody(ref TlsWriter writer) => Psk.WriteTo(ref writer);
}

/// <summary>
/// Reinitialize the group:
/// <c>struct { opaque group_id&lt;V&gt;; ProtocolVersion version; CipherSuite cipher_suite; Extension extensions&lt;V&gt;; } ReInit;</c>
/// </summary>
public sealed class ReInitProposal : Proposal
{
    /// <summary>Creates the proposal.</summary>
    public ReInitProposal(byte[] groupId, ProtocolVersion version, CipherSuiteId cipherSuite, IReadOnlyList<Extension> extensions)
    {
        GroupId = groupId ?? throw new ArgumentNullException(nameof(groupId));
        Version = version;
        CipherSuite = cipherSuite;
        Extensions = extensions ?? throw new ArgumentNullException(nameof(extensions));
    }

    /// <summary>The new group's id.</summary>
    public byte[] GroupId { get; }

    /// <summary>The new group's protocol version.</summary>
    public ProtocolVersion Version { get; }

    /// <summary>The new group's cipher suite.</summary>
    public CipherSuiteId CipherSuite { get; }

    /// <summary>The new group's GroupContext extensions.</summary>
    public IReadOnlyList<Extension> Extensions { get; }

    /// <inheritdoc />
    public override ProposalType Type => ProposalType.ReInit;

    /// <inheritdoc />
    public override void WriteBody(ref TlsWriter writer)
    {
        writer.WriteVector(GroupId);
        writer.WriteUInt16((ushort)Version);
        writer.WriteUInt16((ushort)CipherSuite);
        TlsCodec.WriteList(ref writer, Extensions);
    }

    internal static ReInitProposal ReadContent(ref TlsReader reader)
    {
        var groupId = reader.ReadVectorBytes();
        var version = (ProtocolVersion)reader.ReadUInt16();
        var suite = (CipherSuiteId)reader.ReadUInt16();
        return new ReInitProposal(groupId, version, suite, TlsCodec.ReadList<Extension>(ref reader));
    }
}

/// <summary>External join: <c>struct { opaque kem_output&lt;V&gt;; } ExternalInit;</c></summary>
/// <param name="KemOutput">The HPKE encapsulation to the group's external key.</param>
public sealed class ExternalInitProposal(byte[] KemOutput) : Proposal
{
    /// <summary>The HPKE encapsulation to the group's external key.</summary>
    public byte[] KemOutput { get; } = KemOutput ?? throw new ArgumentNullException(nameof(KemOutput));

    /// <inheritdoc />
    public override ProposalType Type => ProposalType.ExternalInit;

    /// <inheritdoc />
    public override void WriteBody(ref TlsWriter writer) => writer.WriteVector(KemOutput);
}

/// <summary>Replace the GroupContext extensions: <c>struct { Extension extensions&lt;V&gt;; } GroupContextExtensions;</c></summary>
/// <param name="Extensions">The complete new extension list.</param>
public sealed class GroupContextExtensionsProposal(IReadOnlyList<Extension> Extensions) : Proposal
{
    /// <summary>The complete new extension list.</summary>
    public IReadOnlyList<Extension> Extensions { get; } = Extensions ?? throw new ArgumentNullException(nameof(Extensions));

    /// <inheritdoc />
    public override ProposalType Type => ProposalType.GroupContextExtensions;

    /// <inheritdoc />
    public override void WriteBody(ref TlsWriter writer) => TlsCodec.WriteList(ref writer, Extensions);
}

/// <summary>A proposal type this library does not implement, carried as an opaque body.</summary>
public sealed class CustomProposal : Proposal
{
    private readonly ProposalType _type;

    /// <summary>Creates the proposal.</summary>
    public CustomProposal(ProposalType type, byte[] body)
    {
        _type = type;
        Body = body ?? throw new ArgumentNullException(nameof(body));
    }

    /// <summary>The opaque body.</summary>
    public byte[] Body { get; }

    /// <inheritdoc />
    public override ProposalType Type => _type;

    /// <inheritdoc />
    public override void WriteBody(ref TlsWriter writer) => writer.WriteVector(Body);
}
