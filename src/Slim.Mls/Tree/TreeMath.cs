using System.Numerics;

namespace Slim.Mls.Tree;

/// <summary>
/// Arithmetic of the array-based, complete binary trees MLS uses for the ratchet tree and the secret tree
/// (RFC 9420 Appendix C and section 4.1). The leaf count of an MLS tree is always a power of two (the tree grows by
/// doubling), and every method that takes one checks it.
/// </summary>
/// <remarks>
/// <code>
///                 7
///           3           11
///        1     5     9     13
///       0 2   4 6   8 10 12 14      node index
///       0 1   2 3   4 5   6  7      leaf index
/// </code>
/// A node's level is the number of trailing one bits of its index; the children of an intermediate node at level k
/// are <c>x ^ (1 &lt;&lt; (k-1))</c> (left) and <c>x ^ (3 &lt;&lt; (k-1))</c> (right).
/// </remarks>
public static class TreeMath
{
    /// <summary>Number of nodes of a tree with <paramref name="leafCount"/> leaves: <c>2n - 1</c>.</summary>
    public static uint NodeWidth(uint leafCount) => leafCount == 0 ? 0 : checked((2 * (leafCount - 1)) + 1);

    /// <summary>The root of a tree with <paramref name="leafCount"/> leaves.</summary>
    public static NodeIndex Root(uint leafCount)
    {
        CheckLeafCount(leafCount);
        return new NodeIndex(leafCount - 1);
    }

    /// <summary>The level of a node: 0 for leaves, one more than its children for parents.</summary>
    public static int Level(NodeIndex node) => BitOperations.TrailingZeroCount(~node.Value);

    /// <summary>The left child of an intermediate node.</summary>
    public static NodeIndex Left(NodeIndex node)
    {
        var k = Level(node);
        return k == 0
            ? throw new MlsException(MlsErrorCode.InvalidArgument, $"{node} is a leaf and has no children.")
            : new NodeIndex(node.Value ^ (1u << (k - 1)));
    }

    /// <summary>The right child of an intermediate node.</summary>
    public static NodeIndex Right(NodeIndex node)
    {
        var k = Level(node);
        return k == 0
            ? throw new MlsException(MlsErrorCode.InvalidArgument, $"{node} is a leaf and has no children.")
            : new NodeIndex(node.Value ^ (3u << (k - 1)));
    }

    /// <summary>The parent of a node that is not the root.</summary>
    public static NodeIndex Parent(NodeIndex node, uint leafCount)
    {
        CheckNode(node, leafCount);
        if (node == Root(leafCount))
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, $"{node} is the root and has no parent.");
        }

        return ParentUnchecked(node);
    }

    /// <summary>The other child of the node's parent.</summary>
    public static NodeIndex Sibling(NodeIndex node, uint leafCount)
    {
        var parent = Parent(node, leafCount);
        return node.Value < parent.Value ? Right(parent) : Left(parent);
    }

    /// <summary>The direct path of a node: its ancestors from its parent up to the root (empty for the root).</summary>
    public static NodeIndex[] DirectPath(NodeIndex node, uint leafCount)
    {
        CheckNode(node, leafCount);
        var root = Root(leafCount);
        var path = new NodeIndex[Level(root) - Level(node)];
        for (var i = 0; i < path.Length; i++)
        {
            node = ParentUnchecked(node);
            path[i] = node;
        }

        return path;
    }

    /// <summary>The copath of a node: the sibling of the node and of each ancestor below the root, leaf to root.</summary>
    public static NodeIndex[] Copath(NodeIndex node, uint leafCount)
    {
        CheckNode(node, leafCount);
        var root = Root(leafCount);
        var copath = new NodeIndex[Level(root) - Level(node)];
        for (var i = 0; i < copath.Length; i++)
        {
            var parent = ParentUnchecked(node);
            copath[i] = node.Value < parent.Value ? Right(parent) : Left(parent);
            node = parent;
        }

        return copath;
    }

    /// <summary>The lowest node that is an ancestor of (or equal to) both nodes.</summary>
    public static NodeIndex CommonAncestor(NodeIndex x, NodeIndex y)
    {
        // Both subtrees are aligned ranges [x - (2^k - 1), x + (2^k - 1)]: climb until the ranges coincide.
        var a = x;
        var b = y;
        while (a != b)
        {
            if (Level(a) <= Level(b))
            {
                a = ParentUnchecked(a);
            }
            else
            {
                b = ParentUnchecked(b);
            }
        }

        return a;
    }

    /// <summary>True when <paramref name="node"/> is <paramref name="ancestor"/> or lies in its subtree.</summary>
    public static bool IsInSubtree(NodeIndex ancestor, NodeIndex node)
    {
        var k = Level(ancestor);
        var half = (1u << k) - 1;
        return node.Value >= ancestor.Value - half && node.Value <= ancestor.Value + half;
    }

    /// <summary>True when <paramref name="leafCount"/> is a valid MLS tree size (a power of two, at least 1).</summary>
    public static bool IsValidLeafCount(uint leafCount) => leafCount != 0 && BitOperations.IsPow2(leafCount);

    // In a complete tree every non-root node's parent is found from the level alone.
    private static NodeIndex ParentUnchecked(NodeIndex node)
    {
        var k = Level(node);
        var b = (node.Value >> (k + 1)) & 1;
        return new NodeIndex((node.Value | (1u << k)) ^ (b << (k + 1)));
    }

    private static void CheckLeafCount(uint leafCount)
    {
        if (!IsValidLeafCount(leafCount))
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, $"An MLS tree has a power-of-two number of leaves; got {leafCount}.");
        }
    }

    private static void CheckNode(NodeIndex node, uint leafCount)
    {
        CheckLeafCount(leafCount);
        if (node.Value >= NodeWidth(leafCount))
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, $"{node} is outside a tree of {leafCount} leaves.");
        }
    }
}
