using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.Extensions;
using Slim.Mls.Tree;

namespace Slim.Mls.KeyPackages;

/// <summary>
/// A pre-published description of a client that lets a group add it (RFC 9420 section 10). Immutable.
/// <code>
/// struct {
///     ProtocolVersion version;
///     CipherSuite cipher_suite;
///     HPKEPublicKey init_key;           // opaque&lt;V&gt;
///     LeafNode leaf_node;
///     Extension extensions&lt;V&gt;;
///     opaque signature&lt;V&gt;;            // SignWithLabel(., "KeyPackageTBS", KeyPackageTBS)
/// } KeyPackage;
/// </code>
/// </summary>
public sealed class KeyPackage : ITlsEncodable, ITlsDecodable<KeyPackage>, IEquatable<KeyPackage>
{
    private readonly byte[] _initKey;
    private readonly Extension[] _extensions;
    private readonly byte[] _signature;
    private byte[]? _encoded;

    private KeyPackage(ProtocolVersion version, CipherSuiteId cipherSuite, byte[] initKey, LeafNode leafNode, Extension[] extensions, byte[] signature)
    {
        Version = version;
        CipherSuite = cipherSuite;
        _initKey = initKey;
        LeafNode = leafNode;
        _extensions = extensions;
        _signature = signature;
    }

    /// <summary>The protocol version.</summary>
    public ProtocolVersion Version { get; }

    /// <summary>The cipher suite.</summary>
    public CipherSuiteId CipherSuite { get; }

    /// <summary>The HPKE key a Welcome is encrypted to.</summary>
    public ReadOnlyMemory<byte> InitKey => _initKey;

    /// <summary>The leaf node the client will occupy.</summary>
    public LeafNode LeafNode { get; }

    /// <summary>KeyPackage extensions.</summary>
    public IReadOnlyList<Extension> Extensions => _extensions;

    /// <summary>The signature over <c>KeyPackageTBS</c>.</summary>
    public ReadOnlyMemory<byte> Signature => _signature;

    internal byte[] InitKeyArray => _initKey;

    /// <summary>The encoding (computed once; do not modify).</summary>
    internal byte[] Encoded => _encoded ??= TlsCodec.Serialize(this);

    /// <summary>Builds and signs a KeyPackage around an already signed key_package-source leaf node.</summary>
    public static KeyPackage Create(CipherSuite suite, SignaturePrivateKey signer, ReadOnlySpan<byte> initKey, LeafNode leafNode, IEnumerable<Extension>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(leafNode);
        var unsigned = new KeyPackage(ProtocolVersion.Mls10, suite.Id, initKey.ToArray(), leafNode, [.. extensions ?? []], []);
        var signature = suite.SignWithLabel(signer, "KeyPackageTBS"u8, unsigned.ToBeSigned());
        return new KeyPackage(unsigned.Version, unsigned.CipherSuite, unsigned._initKey, leafNode, unsigned._extensions, signature);
    }

    /// <summary><c>KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", KeyPackage)</c>.</summary>
    public byte[] ComputeRef(CipherSuite suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.MakeKeyPackageRef(Encoded);
    }

    /// <summary>The <c>KeyPackageTBS</c> encoding (every field but the signature).</summary>
    public byte[] ToBeSigned()
    {
        var writer = new TlsWriter(512);
        try
        {
            WriteContent(ref writer);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Verifies the KeyPackage signature with the leaf node's signature key.</summary>
    public bool VerifySignature(CipherSuite suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.VerifyWithLabel(LeafNode.SignatureKeyArray, "KeyPackageTBS", ToBeSigned(), _signature);
    }

    /// <summary>
    /// The checks of RFC 9420 section 10.1 except credential validation: version and suite, leaf node (source
    /// key_package, signature, capabilities, lifetime when <paramref name="now"/> is set), KeyPackage signature, and
    /// init key different from the leaf's encryption key.
    /// </summary>
    /// <exception cref="MlsException">A check failed.</exception>
    public void Validate(CipherSuite suite, RequiredCapabilities? required, DateTimeOffset? now, TimeSpan? maxLifetime = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        if (Version != ProtocolVersion.Mls10 || CipherSuite != suite.Id)
        {
            throw new MlsException(MlsErrorCode.KeyPackageInvalid, $"KeyPackage is for version {Version} and suite 0x{(ushort)CipherSuite:x4}; the group uses mls10 and 0x{(ushort)suite.Id:x4}.");
        }

        foreach (var extension in _extensions)
        {
            if (!LeafNode.Capabilities.SupportsExtension(extension.Type))
            {
                throw new MlsException(MlsErrorCode.KeyPackageInvalid, $"KeyPackage extension 0x{(ushort)extension.Type:x4} is not listed in the leaf's capabilities.");
            }
        }

        if (!suite.Kem.IsValidPublicKey(_initKey))
        {
            throw new MlsException(MlsErrorCode.KeyPackageInvalid, "The init key is not a valid public key for the suite.");
        }

        if (_initKey.AsSpan().SequenceEqual(LeafNode.EncryptionKeyArray))
        {
            throw new MlsException(MlsErrorCode.KeyPackageInvalid, "The init key equals the leaf's encryption key.");
        }

        if (LeafNode.Source != LeafNodeSource.KeyPackage)
        {
            throw new MlsException(MlsErrorCode.LeafNodeInvalid, $"A KeyPackage's leaf node has source {LeafNode.Source}; key_package was expected.");
        }

        LeafNodeValidation.CheckContent(suite, LeafNode, required, now, maxLifetime);

        // One parsed key for both signatures: importing a NIST key costs more than verifying with it.
        SignaturePublicKey key;
        try
        {
            key = suite.SignatureScheme.ImportPublicKey(LeafNode.SignatureKeyArray);
        }
        catch (MlsException e)
        {
            throw new MlsException(MlsErrorCode.KeyPackageInvalid, "The leaf node's signature key is malformed.", e);
        }

        using (key)
        {
            if (!suite.VerifyWithLabel(key, "LeafNodeTBS"u8, LeafNode.ToBeSigned([], 0), LeafNode.Signature.Span))
            {
                throw new MlsException(MlsErrorCode.LeafNodeInvalid, "The signature of the KeyPackage's leaf node does not verify.");
            }

            if (!suite.VerifyWithLabel(key, "KeyPackageTBS"u8, ToBeSigned(), _signature))
            {
                throw new MlsException(MlsErrorCode.KeyPackageInvalid, "The KeyPackage signature does not verify.");
            }
        }
    }

    /// <inheritdoc />
    public static KeyPackage ReadFrom(ref TlsReader reader)
    {
        var start = reader.Position;
        var version = (ProtocolVersion)reader.ReadUInt16();
        var suite = (CipherSuiteId)reader.ReadUInt16();
        var initKey = reader.ReadVectorBytes();
        var leaf = LeafNode.ReadFrom(ref reader);
        var extensions = TlsCodec.ReadList<Extension>(ref reader);
        var signature = reader.ReadVectorBytes();
        return new KeyPackage(version, suite, initKey, leaf, extensions, signature) { _encoded = reader.Buffer[start..reader.Position].ToArray() };
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
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
    public bool Equals(KeyPackage? other) => other is not null && Encoded.AsSpan().SequenceEqual(other.Encoded);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as KeyPackage);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_initKey.Length, _signature.Length);

    private void WriteContent(ref TlsWriter writer)
    {
        writer.WriteUInt16((ushort)Version);
        writer.WriteUInt16((ushort)CipherSuite);
        writer.WriteVector(_initKey);
        LeafNode.WriteTo(ref writer);
        TlsCodec.WriteList(ref writer, _extensions);
    }
}
