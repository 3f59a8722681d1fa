using Slim.Mls.Codec;
using Slim.Mls.Internal;

namespace Slim.Mls.Tree;

/// <summary>
/// An intermediate node of the ratchet tree (RFC 9420 section 7.1). Immutable.
/// <code>
/// struct {
///     HPKEPublicKey encryption_key;   // opaque&lt;V&gt;
///     opaque parent_hash&lt;V&gt;;
///     uint32 unmerged_leaves&lt;V&gt;;    // sorted ascending
/// } ParentNode;
/// </code>
/// </summary>
public sealed class ParentNode : TreeNode, ITlsDecodable<ParentNode>, IEquatable<ParentNode>
{
    private readonly byte[] _encryptionKey;
    private readonly byte[] _parentHash;
    private readonly uint[] _unmergedLeaves;

    /// <summary>Creates a parent node (arrays are copied).</summary>
    public ParentNode(ReadOnlySpan<byte> encryptionKey, ReadOnlySpan<byte> parentHash, ReadOnlySpan<uint> unmergedLeaves)
        : this(encryptionKey.ToArray(), parentHash.ToArray(), unmergedLeaves.ToArray())
    {
    }

    internal ParentNode(byte[] encryptionKey, byte[] parentHash, uint[] unmergedLeaves)
    {
        _encryptionKey = encryptionKey;
        _parentHash = parentHash;
        _unmergedLeaves = unmergedLeaves;
    }

    /// <inheritdoc />
    public override NodeType NodeType => NodeType.Parent;

    /// <inheritdoc />
    public override ReadOnlyMemory<byte> EncryptionKey => _encryptionKey;

    /// <summary>The parent hash of the next non-blank node above (empty at the root).</summary>
    public ReadOnlyMemory<byte> ParentHash => _parentHash;

    /// <summary>Leaves below this node added since it was last set, in ascending order.</summary>
    public ReadOnlyMemory<uint> UnmergedLeaves => _unmergedLeaves;

    internal override byte[] EncryptionKeyArray => _encryptionKey;

    internal byte[] ParentHashArray => _parentHash;

    internal uint[] UnmergedArray => _unmergedLeaves;

    /// <inheritdoc />
    public static ParentNode ReadFrom(ref TlsReader reader)
    {
        var key = reader.ReadVectorBytes();
        var parentHash = reader.ReadVectorBytes();
        return new ParentNode(key, parentHash, TlsLists.ReadUInt32List(ref reader));
    }

    /// <inheritdoc />
    public override void WriteTo(ref TlsWriter writer)
    {
        writer.WriteVector(_encryptionKey);
        writer.WriteVector(_parentHash);
        TlsLists.WriteUInt32List(ref writer, _unmergedLeaves);
    }

    /// <summary>A copy with <paramref name="leaf"/> inserted in the unmerged leaves (kept sorted).</summary>
    internal ParentNode WithUnmergedLeaf(uint leaf)
    {
        var index = Array.BinarySearch(_unmergedLeaves, leaf);
        if (index >= 0)
        {
            return this;
        }

        index = ~index;
        var list = new uint[_unmergedLeaves.Length + 1];
        _unmergedLeaves.AsSpan(0, index).CopyTo(list);
        list[index] = leaf;
        _unmergedLeaves.AsSpan(index).CopyTo(list.AsSpan(index + 1));
        return new ParentNode(_encryptionKey, _parentHash, list);
    }

    /// <summary>A copy without the unmerged leaves for which <paramref name="remove"/> is true.</summary>
    internal ParentNode WithoutUnmergedLeaves(Func<uint, bool> remove)
    {
        var kept = _unmergedLeaves.Where(l => !remove(l)).ToArray();
        return kept.Length == _unmergedLeaves.Length ? this : new ParentNode(_encryptionKey, _parentHash, kept);
    }

    /// <summary>Equal when every field is equal.</summary>
    public bool Equals(ParentNode? other) =>
        other is not null && _encryptionKey.AsSpan().SequenceEqual(other._encryptionKey) &&
        _parentHash.AsSpan().SequenceEqual(other._parentHash) && _unmergedLeaves.AsSpan().SequenceEqual(other._unmergedLeaves);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ParentNode);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_encryptionKey.Length, _unmergedLeaves.Length);
}
