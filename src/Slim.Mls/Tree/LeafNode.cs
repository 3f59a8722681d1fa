using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.Credentials;
using Slim.Mls.Extensions;

namespace Slim.Mls.Tree;

/// <summary>
/// A member's leaf (RFC 9420 section 7.2), signed by the member. Immutable; the encoding is computed once.
/// <code>
/// struct {
///     HPKEPublicKey encryption_key;        // opaque&lt;V&gt;
///     SignaturePublicKey signature_key;    // opaque&lt;V&gt;
///     Credential credential;
///     Capabilities capabilities;
///     LeafNodeSource leaf_node_source;     // uint8
///     select (leaf_node_source) {
///         case key_package: Lifetime lifetime;
///         case update:      struct{};
///         case commit:      opaque parent_hash&lt;V&gt;;
///     };
///     Extension extensions&lt;V&gt;;
///     opaque signature&lt;V&gt;;               // SignWithLabel(., "LeafNodeTBS", LeafNodeTBS)
/// } LeafNode;
/// </code>
/// <c>LeafNodeTBS</c> is every field but the signature, followed for the update and commit sources by
/// <c>opaque group_id&lt;V&gt;; uint32 leaf_index;</c>.
/// </summary>
public sealed class LeafNode : TreeNode, ITlsDecodable<LeafNode>, IEquatable<LeafNode>
{
    private readonly byte[] _encryptionKey;
    private readonly byte[] _signatureKey;
    private readonly byte[] _parentHash;
    private readonly Extension[] _extensions;
    private readonly byte[] _signature;
    private byte[]? _encoded;

    private LeafNode(
        byte[] encryptionKey,
        byte[] signatureKey,
        Credential credential,
        Capabilities capabilities,
        LeafNodeSource source,
        Lifetime lifetime,
        byte[] parentHash,
        Extension[] extensions,
        byte[] signature)
    {
        _encryptionKey = encryptionKey;
        _signatureKey = signatureKey;
        Credential = credential;
        Capabilities = capabilities;
        Source = source;
        Lifetime = lifetime;
        _parentHash = parentHash;
        _extensions = extensions;
        _signature = signature;
    }

    /// <inheritdoc />
    public override NodeType NodeType => NodeType.Leaf;

    /// <inheritdoc />
    public override ReadOnlyMemory<byte> EncryptionKey => _encryptionKey;

    /// <summary>The member's signature public key.</summary>
    public ReadOnlyMemory<byte> SignatureKey => _signatureKey;

    /// <summary>The member's credential.</summary>
    public Credential Credential { get; }

    /// <summary>What the member supports.</summary>
    public Capabilities Capabilities { get; }

    /// <summary>How the leaf was created.</summary>
    public LeafNodeSource Source { get; }

    /// <summary>The lifetime (meaningful for the key_package source only).</summary>
    public Lifetime Lifetime { get; }

    /// <summary>The parent hash (commit source only; empty otherwise).</summary>
    public ReadOnlyMemory<byte> ParentHash => _parentHash;

    /// <summary>The leaf's extensions.</summary>
    public IReadOnlyList<Extension> Extensions => _extensions;

    /// <summary>The signature over <c>LeafNodeTBS</c>.</summary>
    public ReadOnlyMemory<byte> Signature => _signature;

    internal override byte[] EncryptionKeyArray => _encryptionKey;

    internal byte[] SignatureKeyArray => _signatureKey;

    internal byte[] ParentHashArray => _parentHash;

    /// <summary>The encoding of this leaf node (computed once; do not modify).</summary>
    internal byte[] Encoded => _encoded ??= TlsCodec.Serialize(this);

    /// <summary>
    /// Builds and signs a leaf node. <paramref name="groupId"/> and <paramref name="leafIndex"/> are required for the
    /// update and commit sources and ignored for key_package.
    /// </summary>
    public static LeafNode Create(
        CipherSuite suite,
        SignaturePrivateKey signer,
        ReadOnlySpan<byte> encryptionKey,
        Credential credential,
        Capabilities capabilities,
        LeafNodeSource source,
        Lifetime lifetime,
        ReadOnlySpan<byte> parentHash,
        IEnumerable<Extension>? extensions,
        ReadOnlySpan<byte> groupId,
        uint leafIndex)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(capabilities);
        if (source is not (LeafNodeSource.KeyPackage or LeafNodeSource.Update or LeafNodeSource.Commit))
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, $"Leaf node source {source} is not valid.");
        }

        var unsigned = new LeafNode(
            encryptionKey.ToArray(),
            signer.PublicKey.ToArray(),
            credential,
            capabilities,
            source,
            source == LeafNodeSource.KeyPackage ? lifetime : default,
            source == LeafNodeSource.Commit ? parentHash.ToArray() : [],
            [.. extensions ?? []],
            []);
        var signature = suite.SignWithLabel(signer, "LeafNodeTBS"u8, unsigned.ToBeSigned(groupId, leafIndex));
        return unsigned.WithSignature(signature);
    }

    /// <summary>The <c>LeafNodeTBS</c> encoding for this leaf at <paramref name="leafIndex"/> of group <paramref name="groupId"/>.</summary>
    public byte[] ToBeSigned(ReadOnlySpan<byte> groupId, uint leafIndex)
    {
        var writer = new TlsWriter(256 + _encryptionKey.Length + _signatureKey.Length);
        try
        {
            WriteContent(ref writer);
            if (Source is LeafNodeSource.Update or LeafNodeSource.Commit)
            {
                writer.WriteVector(groupId);
                writer.WriteUInt32(leafIndex);
            }

            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>
    /// Verifies the signature with the leaf's own signature key; <paramref name="groupId"/> and
    /// <paramref name="leafIndex"/> are the context for the update and commit sources.
    /// </summary>
    public bool VerifySignature(CipherSuite suite, ReadOnlySpan<byte> groupId, uint leafIndex)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.VerifyWithLabel(_signatureKey, "LeafNodeTBS", ToBeSigned(groupId, leafIndex), _signature);
    }

    /// <inheritdoc />
    public static LeafNode ReadFrom(ref TlsReader reader)
    {
        var start = reader.Position;
        var encryptionKey = reader.ReadVectorBytes();
        var signatureKey = reader.ReadVectorBytes();
        var credential = Credential.ReadFrom(ref reader);
        var capabilities = Capabilities.ReadFrom(ref reader);
        var source = (LeafNodeSource)reader.ReadUInt8();
        var lifetime = default(Lifetime);
        byte[] parentHash = [];
        switch (source)
        {
            case LeafNodeSource.KeyPackage:
                lifetime = Lifetime.ReadFrom(ref reader);
                break;
            case LeafNodeSource.Update:
                break;
            case LeafNodeSource.Commit:
                parentHash = reader.ReadVectorBytes();
                break;
            default:
                throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"Leaf node source {(byte)source} is not valid", -1);
        }

        var extensions = TlsCodec.ReadList<Extension>(ref reader);
        var signature = reader.ReadVectorBytes();
        var node = new LeafNode(encryptionKey, signatureKey, credential, capabilities, source, lifetime, parentHash, extensions, signature);
        node._encoded = reader.Buffer[start..reader.Position].ToArray();
        return node;
    }

    /// <inheritdoc />
    public override void WriteTo(ref TlsWriter writer)
    {
        if (_encoded is not null)
        {
            writer.WriteBytes(_encoded);
            return;
        }

        WriteContent(ref writer);
        writer.WriteVector(_signature);
    }

    /// <summary>Equal when the encodings are equal.</summary>
    public bool Equals(LeafNode? other) => other is not null && (ReferenceEquals(this, other) || Encoded.AsSpan().SequenceEqual(other.Encoded));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LeafNode);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_signature.Length, _encryptionKey.Length);

    private LeafNode WithSignature(byte[] signature) =>
        new(_encryptionKey, _signatureKey, Credential, Capabilities, Source, Lifetime, _parentHash, _extensions, signature);

    private void WriteContent(ref TlsWriter writer)
    {
        writer.WriteVector(_encryptionKey);
        writer.WriteVector(_signatureKey);
        Credential.WriteTo(ref writer);
        Capabilities.WriteTo(ref writer);
        writer.WriteUInt8((byte)Source);
        switch (Source)
        {
            case LeafNodeSource.KeyPackage:
                Lifetime.WriteTo(ref writer);
                break;
            case LeafNodeSource.Commit:
                writer.WriteVector(_parentHash);
                break;
        }

        TlsCodec.WriteList(ref writer, _extensions);
    }
}
