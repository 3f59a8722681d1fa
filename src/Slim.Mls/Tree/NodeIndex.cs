namespace Slim.Mls.Tree;

/// <summary>The index of a node in the array representation of a tree (RFC 9420 Appendix C): leaves are even, parents odd.</summary>
/// <param name="Value">The array position.</param>
public readonly record struct NodeIndex(uint Value) : IComparable<NodeIndex>
{
    /// <summary>True for leaves (even indices).</summary>
    public bool IsLeaf => (Value & 1) == 0;

    /// <summary>The leaf this node is; throws for a parent node.</summary>
    public LeafIndex Leaf =>
        IsLeaf ? new LeafIndex(Value >> 1) : throw new MlsException(MlsErrorCode.InvalidArgument, $"Node {Value} is a parent node, not a leaf.");

    /// <inheritdoc />
    public int CompareTo(NodeIndex other) => Value.CompareTo(other.Value);

    /// <inheritdoc />
    public override string ToString() => $"node {Value}";
}
