using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.KeySchedule;

namespace Slim.Mls.Framing;

/// <summary>
/// A FramedContent with its authentication, as it is handled between protection layers (RFC 9420 section 6):
/// <code>
/// struct {
///     WireFormat wire_format;          // uint16: the wire format it is (or will be) sent in
///     FramedContent content;
///     FramedContentAuthData auth;
/// } AuthenticatedContent;
///
/// struct {                            // what the signature covers
///     ProtocolVersion version = mls10;
///     WireFormat wire_format;
///     FramedContent content;
///     select (content.sender.sender_type) {
///         case member: case new_member_commit: GroupContext context;
///         case external: case new_member_proposal: struct{};
///     };
/// } FramedContentTBS;
/// </code>
/// </summary>
public sealed class AuthenticatedContent : ITlsEncodable, ITlsDecodable<AuthenticatedContent>
{
    private const string SignatureLabel = "FramedContentTBS";

    /// <summary>Combines the parts.</summary>
    /// <exception cref="MlsException">The wire format is not a public or private message.</exception>
    public AuthenticatedContent(WireFormat wireFormat, FramedContent content, FramedContentAuthData auth)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(auth);
        if (wireFormat is not (WireFormat.PublicMessage or WireFormat.PrivateMessage))
        {
            throw new MlsException(MlsErrorCode.WrongWireFormat, $"Framed content travels as a public or private message, not {wireFormat}.");
        }

        WireFormat = wireFormat;
        Content = content;
        Auth = auth;
    }

    /// <summary>The wire format the message is sent in (it is covered by the signature).</summary>
    public WireFormat WireFormat { get; }

    /// <summary>The content.</summary>
    public FramedContent Content { get; }

    /// <summary>The signature and, for commits, the confirmation tag.</summary>
    public FramedContentAuthData Auth { get; }

    /// <summary>
    /// Signs <paramref name="content"/> for <paramref name="wireFormat"/>. For a commit the confirmation tag is not yet
    /// known: set it with <see cref="WithConfirmationTag"/> once the new epoch's keys are derived.
    /// </summary>
    /// <param name="suite">The group's cipher suite.</param>
    /// <param name="wireFormat">Public or private message.</param>
    /// <param name="content">The content to sign.</param>
    /// <param name="signer">The sender's signature key.</param>
    /// <param name="context">The current GroupContext; required for member and new_member_commit senders.</param>
    public static AuthenticatedContent Sign(CipherSuite suite, WireFormat wireFormat, FramedContent content, SignaturePrivateKey signer, GroupContext? context)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(signer);
        var tbs = new TlsWriter(256 + content.Content.Length);
        try
        {
            WriteTbs(ref tbs, wireFormat, content, context);
            var signature = suite.SignWithLabel(signer, SignatureLabel, tbs.WrittenSpan);
            return new AuthenticatedContent(wireFormat, content, new FramedContentAuthData(signature, null));
        }
        finally
        {
            tbs.Dispose();
        }
    }

    /// <summary>Verifies the signature with the sender's key.</summary>
    /// <param name="suite">The group's cipher suite.</param>
    /// <param name="key">The key the sender type designates (RFC 9420 section 6.1).</param>
    /// <param name="context">The GroupContext; required for member and new_member_commit senders.</param>
    public bool VerifySignature(CipherSuite suite, SignaturePublicKey key, GroupContext? context)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(key);
        var tbs = new TlsWriter(256 + Content.Content.Length);
        try
        {
            WriteTbs(ref tbs, WireFormat, Content, context);
            return suite.VerifyWithLabel(key, SignatureLabel, tbs.WrittenSpan, Auth.Signature);
        }
        finally
        {
            tbs.Dispose();
        }
    }

    /// <summary>Verifies the signature with a serialized public key; false also when the key is malformed.</summary>
    public bool VerifySignature(CipherSuite suite, ReadOnlySpan<byte> signaturePublicKey, GroupContext? context)
    {
        ArgumentNullException.ThrowIfNull(suite);
        SignaturePublicKey key;
        try
        {
            key = suite.SignatureScheme.ImportPublicKey(signaturePublicKey);
        }
        catch (MlsException)
        {
            return false;
        }

        using (key)
        {
            return VerifySignature(suite, key, context);
        }
    }

    /// <summary>A copy carrying the commit's confirmation tag.</summary>
    public AuthenticatedContent WithConfirmationTag(byte[] confirmationTag)
    {
        ArgumentNullException.ThrowIfNull(confirmationTag);
        if (Content.ContentType != ContentType.Commit)
        {
            throw new MlsException(MlsErrorCode.InvalidContentType, "Only commits carry a confirmation tag.");
        }

        return new AuthenticatedContent(WireFormat, Content, Auth with { ConfirmationTag = confirmationTag });
    }

    /// <summary>
    /// The <c>ConfirmedTranscriptHashInput</c> of a commit (RFC 9420 section 8.2):
    /// <c>struct { WireFormat wire_format; FramedContent content; opaque signature&lt;V&gt;; }</c>.
    /// </summary>
    public byte[] ConfirmedTranscriptHashInput()
    {
        var writer = new TlsWriter(64 + Content.Content.Length + Auth.Signature.Length);
        try
        {
            writer.WriteUInt16((ushort)WireFormat);
            Content.WriteTo(ref writer);
            writer.WriteVector(Auth.Signature);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <inheritdoc />
    public static AuthenticatedContent ReadFrom(ref TlsReader reader)
    {
        var wireFormat = (WireFormat)reader.ReadUInt16();
        if (wireFormat is not (WireFormat.PublicMessage or WireFormat.PrivateMessage))
        {
            throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"Wire format {(ushort)wireFormat} cannot carry framed content", -2);
        }

        var content = FramedContent.ReadFrom(ref reader);
        var auth = FramedContentAuthData.ReadFrom(ref reader, content.ContentType);
        return new AuthenticatedContent(wireFormat, content, auth);
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteUInt16((ushort)WireFormat);
        Content.WriteTo(ref writer);
        Auth.WriteTo(ref writer, Content.ContentType);
    }

    /// <summary>Writes FramedContentTBS.</summary>
    internal static void WriteTbs(ref TlsWriter writer, WireFormat wireFormat, FramedContent content, GroupContext? context)
    {
        writer.WriteUInt16((ushort)ProtocolVersion.Mls10);
        writer.WriteUInt16((ushort)wireFormat);
        content.WriteTo(ref writer);
        if (content.Sender.SignsGroupContext)
        {
            if (context is null)
            {
                throw new MlsException(MlsErrorCode.InvalidArgument, $"A {content.Sender.Type} sender signs the GroupContext; pass it.");
            }

            writer.WriteBytes(context.Encoded);
        }
    }
}
