using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.Extensions;
using Slim.Mls.KeySchedule;

namespace Slim.Mls.Welcome;

/// <summary>
/// What a joiner learns about the group (RFC 9420 section 12.4.3), signed by a member. Immutable.
/// <code>
/// struct {
///     GroupContext group_context;
///     Extension extensions&lt;V&gt;;
///     MAC confirmation_tag;            // opaque&lt;V&gt;
///     uint32 signer;
///     opaque signature&lt;V&gt;;           // SignWithLabel(., "GroupInfoTBS", GroupInfoTBS)
/// } GroupInfo;
/// </code>
/// </summary>
public sealed class GroupInfo : ITlsEncodable, ITlsDecodable<GroupInfo>
{
    /// <summary>Creates a GroupInfo from its fields.</summary>
    public GroupInfo(GroupContext groupContext, IReadOnlyList<Extension> extensions, byte[] confirmationTag, uint signer, byte[] signature)
    {
        GroupContext = groupContext ?? throw new ArgumentNullException(nameof(groupContext));
        Extensions = extensions ?? throw new ArgumentNullException(nameof(extensions));
        ConfirmationTag = confirmationTag ?? throw new ArgumentNullException(nameof(confirmationTag));
        Signer = signer;
        Signature = signature ?? throw new ArgumentNullException(nameof(signature));
    }

    /// <summary>The GroupContext of the epoch.</summary>
    public GroupContext GroupContext { get; }

    /// <summary>GroupInfo extensions (ratchet_tree, external_pub, ...).</summary>
    public IReadOnlyList<Extension> Extensions { get; }

    /// <summary>The confirmation tag of the commit that started the epoch.</summary>
    public byte[] ConfirmationTag { get; }

    /// <summary>The leaf index of the signing member.</summary>
    public uint Signer { get; }

    /// <summary>The signature over <c>GroupInfoTBS</c>.</summary>
    public byte[] Signature { get; }

    /// <summary>Builds and signs a GroupInfo.</summary>
    public static GroupInfo Create(CipherSuite suite, SignaturePrivateKey key, GroupContext context, IReadOnlyList<Extension> extensions, byte[] confirmationTag, uint signer)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var unsigned = new GroupInfo(context, extensions, confirmationTag, signer, []);
        return new GroupInfo(context, extensions, confirmationTag, signer, suite.SignWithLabel(key, "GroupInfoTBS"u8, unsigned.ToBeSigned()));
    }

    /// <summary>The <c>GroupInfoTBS</c> encoding (every field but the signature).</summary>
    public byte[] ToBeSigned()
    {
        var writer = new TlsWriter(256);
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

    /// <summary>Verifies the signature with the signer's signature key.</summary>
    public bool VerifySignature(CipherSuite suite, ReadOnlySpan<byte> signerKey)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.VerifyWithLabel(signerKey, "GroupInfoTBS", ToBeSigned(), Signature);
    }

    /// <inheritdoc />
    public static GroupInfo ReadFrom(ref TlsReader reader)
    {
        var context = GroupContext.ReadFrom(ref reader);
        var extensions = TlsCodec.ReadList<Extension>(ref reader);
        var tag = reader.ReadVectorBytes();
        var signer = reader.ReadUInt32();
        return new GroupInfo(context, extensions, tag, signer, reader.ReadVectorBytes());
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        WriteContent(ref writer);
        writer.WriteVector(Signature);
    }

    private void WriteContent(ref TlsWriter writer)
    {
        GroupContext.WriteTo(ref writer);
        TlsCodec.WriteList(ref writer, Extensions);
        writer.WriteVector(ConfirmationTag);
        writer.WriteUInt32(Signer);
    }
}
