namespace Slim.Mls.Proposals;

/// <summary>MLS proposal types (RFC 9420 section 17.4). The wire type is a uint16; unknown values may appear in capabilities.</summary>
public enum ProposalType : ushort
{
    /// <summary>Reserved.</summary>
    Reserved = 0,

    /// <summary>Add a member from a KeyPackage.</summary>
    Add = 1,

    /// <summary>Replace the sender's leaf node.</summary>
    Update = 2,

    /// <summary>Remove a member.</summary>
    Remove = 3,

    /// <summary>Inject a pre-shared key.</summary>
    PreSharedKey = 4,

    /// <summary>Reinitialize the group with new parameters.</summary>
    ReInit = 5,

    /// <summary>Initialize an epoch from an external commit.</summary>
    ExternalInit = 6,

    /// <summary>Replace the GroupContext extensions.</summary>
    GroupContextExtensions = 7,
}
