namespace Slim.Mls.Framing;

/// <summary>MLS wire formats (RFC 9420 section 17.2); the wire type is a uint16.</summary>
public enum WireFormat : ushort
{
    /// <summary>Reserved.</summary>
    Reserved = 0,

    /// <summary>mls_public_message: signed, membership-tagged, not encrypted.</summary>
    PublicMessage = 1,

    /// <summary>mls_private_message: signed and encrypted.</summary>
    PrivateMessage = 2,

    /// <summary>mls_welcome.</summary>
    Welcome = 3,

    /// <summary>mls_group_info.</summary>
    GroupInfo = 4,

    /// <summary>mls_key_package.</summary>
    KeyPackage = 5,
}
