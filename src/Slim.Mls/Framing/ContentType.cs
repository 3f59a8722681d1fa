namespace Slim.Mls.Framing;

/// <summary>What a FramedContent carries (RFC 9420 section 6); the wire type is a uint8.</summary>
public enum ContentType : byte
{
    /// <summary>Reserved.</summary>
    Reserved = 0,

    /// <summary>Application data.</summary>
    Application = 1,

    /// <summary>A Proposal.</summary>
    Proposal = 2,

    /// <summary>A Commit.</summary>
    Commit = 3,
}
