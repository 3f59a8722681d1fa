namespace Slim.Mls;

/// <summary>MLS protocol versions (RFC 9420 section 6). Only mls10 exists; other values decode but are refused where it matters.</summary>
public enum ProtocolVersion : ushort
{
    /// <summary>Reserved.</summary>
    Reserved = 0,

    /// <summary>MLS 1.0 (RFC 9420).</summary>
    Mls10 = 1,
}
