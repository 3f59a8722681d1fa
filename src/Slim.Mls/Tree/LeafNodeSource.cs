namespace Slim.Mls.Tree;

/// <summary>How a leaf node came to be in the tree (RFC 9420 section 7.2). The wire type is a uint8.</summary>
public enum LeafNodeSource : byte
{
    /// <summary>Reserved.</summary>
    Reserved = 0,

    /// <summary>From a KeyPackage (carries a lifetime).</summary>
    KeyPackage = 1,

    /// <summary>From an Update proposal.</summary>
    Update = 2,

    /// <summary>From a commit's UpdatePath (carries a parent hash).</summary>
    Commit = 3,
}
