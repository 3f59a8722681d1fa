using Slim.Mls.Codec;

namespace Slim.Mls.Tree;

/// <summary>The node type of the ratchet tree encoding (RFC 9420 section 7.8). The wire type is a uint8.</summary>
public enum NodeType : byte
{
    /// <summary>Reserved.</summary>
    Reserved = 0,

    /// <summary>A leaf node.</summary>
    Leaf = 1,

    /// <summary>A parent node.</summary>
    Parent = 2,
}

/// <summary>
/// A non-blank node of the ratchet tree: a <see cref="LeafNode"/> or a <see cref="ParentNode"/>. Nodes are immutable.
/// <code>
/// struct {
///     NodeType node_type;   // uint8
///     select (node_type) { case leaf: LeafNode leaf_node; case parent: ParentNode parent_node; };
/// } Node;
/// </code>
/// </summary>
public abstract class TreeNode : ITlsEncodable
{
    private protected TreeNode()
    {
    }

    /// <summary>Leaf or parent.</summary>
    public abstract NodeType NodeType { get; }

    /// <summary>The node's HPKE public key.</summary>
    public abstract ReadOnlyMemory<byte> EncryptionKey { get; }

    internal abstract byte[] EncryptionKeyArray { get; }

    /// <summary>Reads a <c>Node</c> (type octet and body).</summary>
    public static TreeNode ReadNode(ref TlsReader reader)
    {
        var type = (NodeType)reader.ReadUInt8();
        return type switch
        {
            NodeType.Leaf => LeafNode.ReadFrom(ref reader),
            NodeType.Parent => ParentNode.ReadFrom(ref reader),
            _ => throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"Node type {(byte)type} is not leaf or parent", -1),
        };
    }

    /// <summary>Writes the node body (without the node type octet).</summary>
    public abstract void WriteTo(ref TlsWriter writer);

    /// <summary>Writes a <c>Node</c>: the type octet, then the body.</summary>
    public void WriteNode(ref TlsWriter writer)
    {
        writer.WriteUInt8((byte)NodeType);
        WriteTo(ref writer);
    }
}
