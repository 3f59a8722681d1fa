namespace Slim.Mls.Extensions;

/// <summary>
/// MLS extension types (RFC 9420 section 17.3). The wire type is a uint16; values not listed here (including GREASE
/// values) are legal and must be carried or ignored, never rejected by the codec.
/// </summary>
public enum ExtensionType : ushort
{
    /// <summary>application_id (LeafNode).</summary>
    ApplicationId = 0x0001,

    /// <summary>ratchet_tree (GroupInfo).</summary>
    RatchetTree = 0x0002,

    /// <summary>required_capabilities (GroupContext).</summary>
    RequiredCapabilities = 0x0003,

    /// <summary>external_pub (GroupInfo).</summary>
    ExternalPub = 0x0004,

    /// <summary>external_senders (GroupContext).</summary>
    ExternalSenders = 0x0005,
}
