using Slim.Mls.Codec;
using Slim.Mls.Tree;

namespace Slim.Mls.Framing;

/// <summary>
/// The sender of a FramedContent (RFC 9420 section 6):
/// <code>
/// struct {
///     SenderType sender_type;                     // uint8
///     select (Sender.sender_type) {
///         case member:              uint32 leaf_index;
///         case external:            uint32 sender_index;
///         case new_member_commit:
///         case new_member_proposal: struct{};
///     };
/// } Sender;
/// </code>
/// </summary>
/// <param name="Type">The sender type.</param>
/// <param name="Index">The leaf index (member) or external sender index; 0 for new members.</param>
public readonly record struct Sender(SenderType Type, uint Index) : ITlsEncodable, ITlsDecodable<Sender>
{
    /// <summary>A member sender.</summary>
    public static Sender Member(LeafIndex leaf) => new(SenderType.Member, leaf.Value);

    /// <summary>An external sender.</summary>
    public static Sender External(uint senderIndex) => new(SenderType.External, senderIndex);

    /// <summary>A new member proposing its own Add.</summary>
    public static Sender NewMemberProposal { get; } = new(SenderType.NewMemberProposal, 0);

    /// <summary>A new member committing externally.</summary>
    public static Sender NewMemberCommit { get; } = new(SenderType.NewMemberCommit, 0);

    /// <summary>The member's leaf; throws for other sender types.</summary>
    public LeafIndex Leaf => Type == SenderType.Member
        ? new LeafIndex(Index)
        : throw new MlsException(MlsErrorCode.InvalidSender, $"A {Type} sender has no leaf index.");

    /// <summary>True when the signature covers the GroupContext (member and new_member_commit senders).</summary>
    public bool SignsGroupContext => Type is SenderType.Member or SenderType.NewMemberCommit;

    /// <inheritdoc />
    public static Sender ReadFrom(ref TlsReader reader)
    {
        var type = (SenderType)reader.ReadUInt8();
        return type switch
        {
            SenderType.Member or SenderType.External => new Sender(type, reader.ReadUInt32()),
            SenderType.NewMemberProposal or SenderType.NewMemberCommit => new Sender(type, 0),
            _ => throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"Unknown sender type {(byte)type}", -1),
        };
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteUInt8((byte)Type);
        if (Type is SenderType.Member or SenderType.External)
        {
            writer.WriteUInt32(Index);
        }
    }
}
