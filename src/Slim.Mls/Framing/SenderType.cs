namespace Slim.Mls.Framing;

/// <summary>Who sent a message (RFC 9420 section 6); the wire type is a uint8.</summary>
public enum SenderType : byte
{
    /// <summary>Reserved.</summary>
    Reserved = 0,

    /// <summary>A member, by leaf index.</summary>
    Member = 1,

    /// <summary>An external sender, by index in the external_senders extension.</summary>
    External = 2,

    /// <summary>A non-member proposing its own Add.</summary>
    NewMemberProposal = 3,

    /// <summary>A non-member joining by external commit.</summary>
    NewMemberCommit = 4,
}
