namespace Slim.Mls.Tree;

/// <summary>The index of a leaf (a member position) in the ratchet tree: leaf <c>i</c> is node <c>2i</c>.</summary>
/// <param name="Value">The leaf number (MLS <c>uint32 leaf_index</c>).</param>
public readonly record struct LeafIndex(uint Value) : IComparable<LeafIndex>
{
    /// <summary>The node index of this leaf in the array representation.</summary>
    public NodeIndex Node => new(checked(Value * 2));

    /// <inheritdoc />
    public int CompareTo(LeafIndex other) => Value.CompareTo(other.Value);

    /// <inheritdoc />
    public override string ToString() => $"leaf {Value}";
}
