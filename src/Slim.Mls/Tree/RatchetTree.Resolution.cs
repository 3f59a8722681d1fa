namespace Slim.Mls.Tree;

/// <summary>Resolutions and filtered direct paths (RFC 9420 section 4.1).</summary>
public sealed partial class RatchetTree
{
    /// <summary>
    /// The resolution of <paramref name="node"/>: the node itself and its unmerged leaves when non-blank, nothing for a
    /// blank leaf, otherwise the resolutions of its children, left first.
    /// </summary>
    public NodeIndex[] Resolution(NodeIndex node)
    {
        if (node.Value >= (uint)_nodes.Length)
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, $"{node} is outside a tree of {LeafCount} leaves.");
        }

        var result = new List<uint>();
        AppendResolution(node.Value, result, null, int.MaxValue);
        return [.. result.Select(n => new NodeIndex(n))];
    }

    /// <summary>
    /// Appends the resolution of <paramref name="node"/> to <paramref name="output"/>, skipping leaves for which
    /// <paramref name="excluded"/> is true (new members of the commit), and stops once the output holds more than
    /// <paramref name="limit"/> entries.
    /// </summary>
    internal void AppendResolution(uint node, List<uint> output, Func<uint, bool>? excluded, int limit)
    {
        if (output.Count > limit)
        {
            return;
        }

        var value = _nodes[node];
        if (value is LeafNode)
        {
            if (excluded is null || !excluded(node >> 1))
            {
                output.Add(node);
            }

            return;
        }

        if (value is ParentNode parent)
        {
            output.Add(node);
            foreach (var leaf in parent.UnmergedArray)
            {
                if (excluded is null || !excluded(leaf))
                {
                    output.Add(2 * leaf);
                }
            }

            return;
        }

        if ((node & 1) == 1)
        {
            AppendResolution(LeftOf(node), output, excluded, limit);
            AppendResolution(RightOf(node), output, excluded, limit);
        }
    }

    /// <summary>True when the subtree of <paramref name="node"/> holds no non-blank node (its resolution is empty).</summary>
    internal bool IsResolutionEmpty(uint node)
    {
        if (_nodes[node] is not null)
        {
            return false;
        }

        return (node & 1) == 0 || (IsResolutionEmpty(LeftOf(node)) && IsResolutionEmpty(RightOf(node)));
    }

    /// <summary>
    /// The filtered direct path of a leaf: its direct path without the nodes whose child on the copath has an empty
    /// resolution, leaf to root, each with that copath child.
    /// </summary>
    public (NodeIndex Node, NodeIndex CopathChild)[] FilteredDirectPath(LeafIndex leaf)
    {
        CheckLeaf(leaf);
        return [.. FilteredDirectPathOf(2 * leaf.Value).Select(p => (new NodeIndex(p.Node), new NodeIndex(p.Copath)))];
    }

    internal List<(uint Node, uint Copath)> FilteredDirectPathOf(uint leafNode)
    {
        var root = LeafCount - 1;
        var result = new List<(uint, uint)>(32);
        var x = leafNode;
        while (x != root)
        {
            var parent = ParentOf(x);
            var sibling = SiblingOf(x, parent);
            if (!IsResolutionEmpty(sibling))
            {
                result.Add((parent, sibling));
            }

            x = parent;
        }

        return result;
    }
}
