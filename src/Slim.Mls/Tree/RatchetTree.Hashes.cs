using Slim.Mls.Codec;

namespace Slim.Mls.Tree;

/// <summary>Tree hashes (RFC 9420 section 7.8) and parent hashes (section 7.9), with a per-node cache.</summary>
public sealed partial class RatchetTree
{
    /// <summary>The tree hash of the root (the GroupContext <c>tree_hash</c>).</summary>
    public byte[] RootTreeHash() => (byte[])TreeHashOf(LeafCount - 1).Clone();

    /// <summary>The tree hash of the subtree rooted at <paramref name="node"/>.</summary>
    public byte[] TreeHash(NodeIndex node)
    {
        if (node.Value >= (uint)_nodes.Length)
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, $"{node} is outside a tree of {LeafCount} leaves.");
        }

        return (byte[])TreeHashOf(node.Value).Clone();
    }

    /// <summary>
    /// <c>Hash(ParentHashInput)</c> with <c>struct { HPKEPublicKey encryption_key; opaque parent_hash&lt;V&gt;;
    /// opaque original_sibling_tree_hash&lt;V&gt;; }</c>.
    /// </summary>
    public byte[] ComputeParentHash(ReadOnlySpan<byte> encryptionKey, ReadOnlySpan<byte> parentHash, ReadOnlySpan<byte> originalSiblingTreeHash)
    {
        var writer = new TlsWriter(16 + encryptionKey.Length + parentHash.Length + originalSiblingTreeHash.Length);
        try
        {
            writer.WriteVector(encryptionKey);
            writer.WriteVector(parentHash);
            writer.WriteVector(originalSiblingTreeHash);
            return Suite.Hash(writer.WrittenSpan);
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Cached tree hash of a node; computed recursively on a miss.</summary>
    internal byte[] TreeHashOf(uint node)
    {
        var cached = _hashes[node];
        if (cached is not null)
        {
            return cached;
        }

        byte[] hash;
        if ((node & 1) == 0)
        {
            hash = LeafHash(node >> 1, _nodes[node] as LeafNode);
        }
        else
        {
            var left = TreeHashOf(LeftOf(node));
            var right = TreeHashOf(RightOf(node));
            hash = ParentHashInputHash(_nodes[node] as ParentNode, left, right);
        }

        _hashes[node] = hash;
        return hash;
    }

    /// <summary>
    /// The tree hash of <paramref name="node"/>'s subtree after blanking the leaves in <paramref name="excluded"/>
    /// (sorted ascending) and removing them from every unmerged-leaves list: the "original sibling tree hash".
    /// Subtrees that contain none of them use the cache.
    /// </summary>
    internal byte[] TreeHashExcluding(uint node, uint[] excluded)
    {
        var (first, end) = LeafRange(node);
        if (!AnyInRange(excluded, first, end))
        {
            return TreeHashOf(node);
        }

        if ((node & 1) == 0)
        {
            return LeafHash(node >> 1, null);
        }

        var left = TreeHashExcluding(LeftOf(node), excluded);
        var right = TreeHashExcluding(RightOf(node), excluded);
        var parent = (_nodes[node] as ParentNode)?.WithoutUnmergedLeaves(l => Array.BinarySearch(excluded, l) >= 0);
        return ParentHashInputHash(parent, left, right);
    }

    private static bool AnyInRange(uint[] sorted, uint first, uint end)
    {
        var i = Array.BinarySearch(sorted, first);
        if (i < 0)
        {
            i = ~i;
        }

        return i < sorted.Length && sorted[i] < end;
    }

    private void InvalidateHashes(uint node)
    {
        var root = LeafCount - 1;
        _hashes[node] = null;
        while (node != root)
        {
            node = ParentOf(node);
            _hashes[node] = null;
        }
    }

    // TreeHashInput { node_type = leaf(1); uint32 leaf_index; optional<LeafNode> leaf_node; }
    private byte[] LeafHash(uint leafIndex, LeafNode? leaf)
    {
        var writer = new TlsWriter(leaf is null ? 16 : leaf.Encoded.Length + 16);
        try
        {
            writer.WriteUInt8((byte)NodeType.Leaf);
            writer.WriteUInt32(leafIndex);
            writer.WritePresence(leaf is not null);
            if (leaf is not null)
            {
                writer.WriteBytes(leaf.Encoded);
            }

            return Suite.Hash(writer.WrittenSpan);
        }
        finally
        {
            writer.Dispose();
        }
    }

    // TreeHashInput { node_type = parent(2); optional<ParentNode> parent_node; opaque left_hash<V>; opaque right_hash<V>; }
    private byte[] ParentHashInputHash(ParentNode? parent, byte[] left, byte[] right)
    {
        var writer = new TlsWriter(256);
        try
        {
            writer.WriteUInt8((byte)NodeType.Parent);
            writer.WritePresence(parent is not null);
            parent?.WriteTo(ref writer);
            writer.WriteVector(left);
            writer.WriteVector(right);
            return Suite.Hash(writer.WrittenSpan);
        }
        finally
        {
            writer.Dispose();
        }
    }
}
