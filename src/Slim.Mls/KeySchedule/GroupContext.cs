using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.Extensions;

namespace Slim.Mls.KeySchedule;

/// <summary>
/// The state summary every member holds for an epoch (RFC 9420 section 8.1). Immutable; the encoding is computed
/// once, because it is signed into every member message (<see cref="Encoded"/>).
/// <code>
/// struct {
///     ProtocolVersion version = mls10;   // uint16
///     CipherSuite cipher_suite;          // uint16
///     opaque group_id&lt;V&gt;;
///     uint64 epoch;
///     opaque tree_hash&lt;V&gt;;
///     opaque confirmed_transcript_hash&lt;V&gt;;
///     Extension extensions&lt;V&gt;;
/// } GroupContext;
/// </code>
/// </summary>
public sealed class GroupContext : ITlsEncodable, ITlsDecodable<GroupContext>, IEquatable<GroupContext>
{
    private readonly byte[] _encoded;

    /// <summary>Creates a GroupContext (protocol version mls10 unless given).</summary>
    public GroupContext(
        CipherSuiteId cipherSuite,
        byte[] groupId,
        ulong epoch,
        byte[] treeHash,
        byte[] confirmedTranscriptHash,
        IReadOnlyList<Extension>? extensions = null,
        ProtocolVersion version = ProtocolVersion.Mls10)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        ArgumentNullException.ThrowIfNull(treeHash);
        ArgumentNullException.ThrowIfNull(confirmedTranscriptHash);
        Version = version;
        CipherSuite = cipherSuite;
        GroupId = groupId;
        Epoch = epoch;
        TreeHash = treeHash;
        ConfirmedTranscriptHash = confirmedTranscriptHash;
        Extensions = extensions ?? [];
        _encoded = Encode();
    }

    /// <summary>The protocol version.</summary>
    public ProtocolVersion Version { get; }

    /// <summary>The group's cipher suite.</summary>
    public CipherSuiteId CipherSuite { get; }

    /// <summary>The application-chosen group identifier.</summary>
    public byte[] GroupId { get; }

    /// <summary>The epoch number.</summary>
    public ulong Epoch { get; }

    /// <summary>The tree hash of the ratchet tree's root.</summary>
    public byte[] TreeHash { get; }

    /// <summary>The confirmed transcript hash.</summary>
    public byte[] ConfirmedTranscriptHash { get; }

    /// <summary>The group's extensions.</summary>
    public IReadOnlyList<Extension> Extensions { get; }

    /// <summary>The TLS encoding (computed once; do not modify).</summary>
    public ReadOnlySpan<byte> Encoded => _encoded;

    /// <summary>A copy for the next epoch with new hashes (and optionally new extensions).</summary>
    public GroupContext Next(byte[] treeHash, byte[] confirmedTranscriptHash, IReadOnlyList<Extension>? extensions = null) =>
        new(CipherSuite, GroupId, checked(Epoch + 1), treeHash, confirmedTranscriptHash, extensions ?? Extensions, Version);

    /// <inheritdoc />
    public static GroupContext ReadFrom(ref TlsReader reader)
    {
        var version = (ProtocolVersion)reader.ReadUInt16();
        var suite = (CipherSuiteId)reader.ReadUInt16();
        var groupId = reader.ReadVectorBytes();
        var epoch = reader.ReadUInt64();
        var treeHash = reader.ReadVectorBytes();
        var confirmed = reader.ReadVectorBytes();
        var extensions = TlsCodec.ReadList<Extension>(ref reader);
        return new GroupContext(suite, groupId, epoch, treeHash, confirmed, extensions, version);
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer) => writer.WriteBytes(_encoded);

    /// <summary>Encoded copy.</summary>
    public byte[] ToBytes() => (byte[])_encoded.Clone();

    /// <summary>Equal when the encodings are equal.</summary>
    public bool Equals(GroupContext? other) => other is not null && _encoded.AsSpan().SequenceEqual(other._encoded);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as GroupContext);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Epoch, _encoded.Length);

    private byte[] Encode()
    {
        var writer = new TlsWriter(64 + GroupId.Length + TreeHash.Length + ConfirmedTranscriptHash.Length);
        try
        {
            writer.WriteUInt16((ushort)Version);
            writer.WriteUInt16((ushort)CipherSuite);
            writer.WriteVector(GroupId);
            writer.WriteUInt64(Epoch);
            writer.WriteVector(TreeHash);
            writer.WriteVector(ConfirmedTranscriptHash);
            TlsCodec.WriteList(ref writer, Extensions);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }
}
