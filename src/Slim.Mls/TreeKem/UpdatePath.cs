using Slim.Mls.Codec;
using Slim.Mls.Hpke;
using Slim.Mls.Tree;

namespace Slim.Mls.TreeKem;

/// <summary>
/// One node of an UpdatePath (RFC 9420 section 7.6):
/// <c>struct { HPKEPublicKey encryption_key; HPKECiphertext encrypted_path_secret&lt;V&gt;; } UpdatePathNode;</c>
/// </summary>
/// <param name="EncryptionKey">The node's new public key.</param>
/// <param name="EncryptedPathSecret">The path secret encrypted to each node of the copath child's resolution, in order.</param>
public sealed record UpdatePathNode(byte[] EncryptionKey, IReadOnlyList<HpkeCiphertext> EncryptedPathSecret) : ITlsEncodable, ITlsDecodable<UpdatePathNode>
{
    /// <inheritdoc />
    public static UpdatePathNode ReadFrom(ref TlsReader reader)
    {
        var key = reader.ReadVectorBytes();
        return new UpdatePathNode(key, TlsCodec.ReadList<HpkeCiphertext>(ref reader));
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteVector(EncryptionKey);
        TlsCodec.WriteList(ref writer, EncryptedPathSecret);
    }
}

/// <summary>
/// The committer's new leaf and path keys (RFC 9420 section 7.6):
/// <c>struct { LeafNode leaf_node; UpdatePathNode nodes&lt;V&gt;; } UpdatePath;</c>
/// </summary>
/// <param name="LeafNode">The committer's new leaf (source commit).</param>
/// <param name="Nodes">One entry per node of the committer's filtered direct path, leaf to root.</param>
public sealed record UpdatePath(LeafNode LeafNode, IReadOnlyList<UpdatePathNode> Nodes) : ITlsEncodable, ITlsDecodable<UpdatePath>
{
    /// <inheritdoc />
    public static UpdatePath ReadFrom(ref TlsReader reader)
    {
        var leaf = LeafNode.ReadFrom(ref reader);
        return new UpdatePath(leaf, TlsCodec.ReadList<UpdatePathNode>(ref reader));
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        LeafNode.WriteTo(ref writer);
        TlsCodec.WriteList(ref writer, Nodes);
    }
}
