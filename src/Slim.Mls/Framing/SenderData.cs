using System.Buffers.Binary;
using Slim.Mls.Codec;
using Slim.Mls.Tree;

namespace Slim.Mls.Framing;

/// <summary>
/// The encrypted header of a PrivateMessage that names the key used for its content (RFC 9420 section 6.3.2):
/// <code>
/// struct {
///     uint32 leaf_index;
///     uint32 generation;
///     opaque reuse_guard[4];
/// } SenderData;
/// </code>
/// </summary>
/// <param name="Leaf">The sender's leaf.</param>
/// <param name="Generation">The ratchet generation of the content key.</param>
/// <param name="ReuseGuard">The four reuse-guard bytes, big-endian.</param>
public readonly record struct SenderData(LeafIndex Leaf, uint Generation, uint ReuseGuard) : ITlsEncodable, ITlsDecodable<SenderData>
{
    /// <summary>Encoded size: 12 bytes.</summary>
    public const int Size = 12;

    /// <inheritdoc />
    public static SenderData ReadFrom(ref TlsReader reader)
    {
        var leaf = reader.ReadUInt32();
        var generation = reader.ReadUInt32();
        var guard = BinaryPrimitives.ReadUInt32BigEndian(reader.ReadFixed(4));
        return new SenderData(new LeafIndex(leaf), generation, guard);
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteUInt32(Leaf.Value);
        writer.WriteUInt32(Generation);
        writer.WriteUInt32(ReuseGuard);
    }

    /// <summary>XORs the reuse guard into the first four bytes of a ratchet nonce.</summary>
    public void ApplyReuseGuard(Span<byte> nonce) =>
        BinaryPrimitives.WriteUInt32BigEndian(nonce, BinaryPrimitives.ReadUInt32BigEndian(nonce) ^ ReuseGuard);
}
