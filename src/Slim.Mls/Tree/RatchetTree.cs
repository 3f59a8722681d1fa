using System.Numerics;
using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;

namespace Slim.Mls.Tree;

/// <summary>
/// The public ratchet tree of a group (RFC 9420 sections 4.1 and 7): an array of optional nodes in the left-to-right
/// in-order layout of Appendix C (leaf <c>i</c> at node <c>2i</c>), with a power-of-two number of leaves.
/// </summary>
/// <remarks>
/// <para>
/// Nodes are immutable, so a copy of the tree (<see cref="Clone"/>) is two array copies; group operations build the
/// next epoch's tree on a copy and swap it in once everything checks out.
/// </para>
/// <para>
/// Tree hashes are cached per node and invalidated along the direct path of every change, so after a commit only the
/// changed paths are rehashed (O(changes · log N) instead of O(N)). A node's subtree, and so its hash, does not
/// depend on the tree's size, which keeps the cache valid across extension and truncation.
/// </para>
/// <para>The encoding is the <c>ratchet_tree</c> extension body: <c>optional&lt;Node&gt; ratchet_tree&lt;V&gt;</c>, without trailing blanks.</para>
/// </remarks>
public sealed partial class RatchetTree
{
    private TreeNode?[] _nodes;
    private byte[]?[] _hashes;

    private RatchetTree(CipherSuite suite, TreeNode?[] nodes, byte[]?[] hashes, uint leafCount)
    {
        Suite = suite;
        _nodes = nodes;
        _hashes = hashes;
        LeafCount = leafCount;
    }

    /// <summary>The cipher suite whose hash the tree uses.</summary>
    public CipherSuite Suite { get; }

    /// <summary>Number of leaves (a power of two, at least 1).</summary>
    public uint LeafCount { get; private set; }

    /// <summary>Number of nodes: <c>2 · LeafCount − 1</c>.</summary>
    public uint NodeCount => (2 * LeafCount) - 1;

    /// <summary>The root node index.</summary>
    public NodeIndex Root => new(LeafCount - 1);

    /// <summary>A one-leaf tree holding <paramref name="leaf"/> (a new group's creator).</summary>
    public static RatchetTree CreateWithSingleLeaf(CipherSuite suite, LeafNode leaf)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(leaf);
        return new RatchetTree(suite, [leaf], new byte[]?[1], 1);
    }

    /// <summary>
    /// Builds a tree from the node list of a <c>ratchet_tree</c> extension (trailing blanks omitted): the last node must
    /// be non-blank, leaves must sit at even positions and parents at odd ones.
    /// </summary>
    /// <exception cref="MlsException"><see cref="MlsErrorCode.TreeInvalid"/>.</exception>
    public static RatchetTree FromNodes(CipherSuite suite, IReadOnlyList<TreeNode?> nodes)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.Count == 0 || nodes[^1] is null)
        {
            throw new MlsException(MlsErrorCode.TreeInvalid, "A ratchet tree must be non-empty and end with a non-blank node.");
        }

        // Smallest 2^(d+1) - 1 >= count.
        var leafCount = 1u;
        while ((2 * leafCount) - 1 < (uint)nodes.Count)
        {
            leafCount *= 2;
        }

        var array = new TreeNode?[(2 * leafCount) - 1];
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (node is not null && (node.NodeType == NodeType.Leaf) != ((i & 1) == 0))
            {
                throw new MlsException(MlsErrorCode.TreeInvalid, $"Node {i} is a {node.NodeType} node in a {((i & 1) == 0 ? "leaf" : "parent")} position.");
            }

            array[i] = node;
        }

        return new RatchetTree(suite, array, new byte[]?[array.Length], leafCount);
    }

    /// <summary>Decodes a <c>ratchet_tree</c> extension body and builds the tree (see <see cref="FromNodes"/>).</summary>
    /// <exception cref="MlsDecodeException">The bytes are not a node list.</exception>
    /// <exception cref="MlsException">The node list is not a valid tree shape.</exception>
    public static RatchetTree Decode(CipherSuite suite, ReadOnlySpan<byte> encoded)
    {
        var reader = new TlsReader(encoded);
        var nodes = ReadNodes(ref reader);
        reader.EnsureEnd();
        return FromNodes(suite, nodes);
    }

    /// <summary>Reads <c>optional&lt;Node&gt; ratchet_tree&lt;V&gt;</c> without interpreting it.</summary>
    public static TreeNode?[] ReadNodes(ref TlsReader reader)
    {
        var inner = reader.ReadVectorReader();
        var nodes = new List<TreeNode?>();
        while (!inner.IsEnd)
        {
            nodes.Add(inner.ReadPresence() ? TreeNode.ReadNode(ref inner) : null);
        }

        return [.. nodes];
    }

    /// <summary>Writes <c>optional&lt;Node&gt; ratchet_tree&lt;V&gt;</c> exactly as given.</summary>
    public static void WriteNodes(ref TlsWriter writer, IReadOnlyList<TreeNode?> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var marker = writer.BeginVector();
        foreach (var node in nodes)
        {
            writer.WritePresence(node is not null);
            node?.WriteNode(ref writer);
        }

        writer.EndVector(marker);
    }

    /// <summary>The <c>ratchet_tree</c> extension body of this tree (trailing blank nodes dropped).</summary>
    public byte[] Encode()
    {
        var last = _nodes.Length - 1;
        while (last > 0 && _nodes[last] is null)
        {
            last--;
        }

        var writer = new TlsWriter(1024 + (int)(LeafCount * 256));
        try
        {
            WriteNodes(ref writer, new ArraySegment<TreeNode?>(_nodes, 0, last + 1));
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>A copy sharing the (immutable) nodes and cached hashes.</summary>
    public RatchetTree Clone() => new(Suite, (TreeNode?[])_nodes.Clone(), (byte[]?[])_hashes.Clone(), LeafCount);

    /// <summary>The node at <paramref name="node"/>, or null when blank.</summary>
    public TreeNode? GetNode(NodeIndex node) => node.Value < (uint)_nodes.Length ? _nodes[node.Value] : null;

    /// <summary>The leaf node at <paramref name="leaf"/>, or null when blank or outside the tree.</summary>
    public LeafNode? GetLeaf(LeafIndex leaf) => leaf.Value < LeafCount ? (LeafNode?)_nodes[2 * leaf.Value] : null;

    /// <summary>The parent node at <paramref name="node"/>, or null when blank.</summary>
    public ParentNode? GetParent(NodeIndex node) => node.IsLeaf ? null : GetNode(node) as ParentNode;

    /// <summary>The non-blank leaves in index order.</summary>
    public IEnumerable<(LeafIndex Index, LeafNode Leaf)> Leaves()
    {
        for (var i = 0u; i < LeafCount; i++)
        {
            if (_nodes[2 * i] is LeafNode leaf)
            {
                yield return (new LeafIndex(i), leaf);
            }
        }
    }

    /// <summary>Number of non-blank leaves.</summary>
    public int MemberCount
    {
        get
        {
            var count = 0;
            for (var i = 0; i < _nodes.Length; i += 2)
            {
                count += _nodes[i] is null ? 0 : 1;
            }

            return count;
        }
    }

    /// <summary>The node list as stored (full width, blanks included).</summary>
    public IReadOnlyList<TreeNode?> Nodes => _nodes;

    /// <summary>The leaf whose leaf node is <paramref name="leaf"/> (same encoding), if any.</summary>
    public LeafIndex? FindLeaf(LeafNode leaf)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        for (var i = 0u; i < LeafCount; i++)
        {
            if (_nodes[2 * i] is LeafNode candidate && candidate.Equals(leaf))
            {
                return new LeafIndex(i);
            }
        }

        return null;
    }

    // ---- Mutation (internal: group operations work on a clone and swap it in) ----------------------------------

    /// <summary>
    /// Adds <paramref name="leaf"/> at the leftmost blank leaf at or after <paramref name="searchFrom"/> (extending
    /// the tree when there is none) and lists it as unmerged in every non-blank ancestor (RFC 9420 section 12.1.1).
    /// </summary>
    internal LeafIndex AddLeaf(LeafNode leaf, uint searchFrom = 0)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        var index = searchFrom;
        while (index < LeafCount && _nodes[2 * index] is not null)
        {
            index++;
        }

        while (index >= LeafCount)
        {
            Extend();
        }

        var node = 2 * index;
        var root = LeafCount - 1;
        var x = node;
        while (x != root)
        {
            x = ParentOf(x);
            if (_nodes[x] is ParentNode parent)
            {
                _nodes[x] = parent.WithUnmergedLeaf(index);
            }
        }

        SetNode(node, leaf);
        return new LeafIndex(index);
    }

    /// <summary>Replaces the leaf at <paramref name="leaf"/> and blanks its direct path (an Update proposal).</summary>
    internal void UpdateLeaf(LeafIndex leaf, LeafNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        CheckLeaf(leaf);
        SetNode(2 * leaf.Value, node);
        BlankDirectPath(leaf);
    }

    /// <summary>Blanks the leaf and its direct path, then truncates the tree (a Remove proposal).</summary>
    internal void RemoveLeaf(LeafIndex leaf)
    {
        CheckLeaf(leaf);
        SetNode(2 * leaf.Value, null);
        BlankDirectPath(leaf);
        Truncate();
    }

    /// <summary>Blanks every node on the direct path of <paramref name="leaf"/>.</summary>
    internal void BlankDirectPath(LeafIndex leaf)
    {
        CheckLeaf(leaf);
        var root = LeafCount - 1;
        var x = 2 * leaf.Value;
        while (x != root)
        {
            x = ParentOf(x);
            SetNode(x, null);
        }
    }

    /// <summary>Drops right halves that hold no non-blank leaf (RFC 9420 section 7.7).</summary>
    internal void Truncate()
    {
        while (LeafCount > 1)
        {
            var half = LeafCount / 2;
            var anyLeaf = false;
            for (var i = half; i < LeafCount && !anyLeaf; i++)
            {
                anyLeaf = _nodes[2 * i] is not null;
            }

            if (anyLeaf)
            {
                return;
            }

            LeafCount = half;
            Array.Resize(ref _nodes, (int)((2 * half) - 1));
            Array.Resize(ref _hashes, _nodes.Length);
        }
    }

    /// <summary>Sets (or blanks) one node and invalidates the cached hashes above it.</summary>
    internal void SetNode(uint node, TreeNode? value)
    {
        _nodes[node] = value;
        InvalidateHashes(node);
    }

    /// <summary>Doubles the number of leaves: the old tree becomes the left subtree of a new blank root.</summary>
    internal void Extend()
    {
        LeafCount = checked(LeafCount * 2);
        Array.Resize(ref _nodes, (int)((2 * LeafCount) - 1));
        Array.Resize(ref _hashes, _nodes.Length);
    }

    private void CheckLeaf(LeafIndex leaf)
    {
        if (leaf.Value >= LeafCount)
        {
            throw new MlsException(MlsErrorCode.LeafIndexOutOfRange, $"{leaf} is outside a tree of {LeafCount} leaves.");
        }
    }

    // ---- Index arithmetic without size checks (indices here are always inside the tree) ---------------------------

    internal static int LevelOf(uint node) => BitOperations.TrailingZeroCount(~node);

    internal static uint LeftOf(uint node) => node ^ (1u << (LevelOf(node) - 1));

    internal static uint RightOf(uint node) => node ^ (3u << (LevelOf(node) - 1));

    internal static uint ParentOf(uint node)
    {
        var k = LevelOf(node);
        var b = (node >> (k + 1)) & 1;
        return (node | (1u << k)) ^ (b << (k + 1));
    }

    internal static uint SiblingOf(uint node, uint parent) => node < parent ? RightOf(parent) : LeftOf(parent);

    /// <summary>First and one-past-last leaf index covered by the subtree of <paramref name="node"/>.</summary>
    internal static (uint First, uint End) LeafRange(uint node)
    {
        var k = LevelOf(node);
        var first = (node - ((1u << k) - 1)) >> 1;
        return (first, first + (1u << k));
    }

    /// <summary>The direct path of a leaf (parent up to root) in the current tree.</summary>
    internal uint[] DirectPathOf(uint node)
    {
        var root = LeafCount - 1;
        var path = new List<uint>(32);
        while (node != root)
        {
            node = ParentOf(node);
            path.Add(node);
        }

        return [.. path];
    }
}
