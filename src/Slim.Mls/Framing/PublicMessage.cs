using System.Security.Cryptography;
using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.Framing.Internal;
using Slim.Mls.KeySchedule;

namespace Slim.Mls.Framing;

/// <summary>
/// A signed, not encrypted, handshake message (RFC 9420 section 6.2):
/// <code>
/// struct {
///     FramedContent content;
///     FramedContentAuthData auth;
///     select (PublicMessage.content.sender.sender_type) {
///         case member: MAC membership_tag;          // opaque&lt;V&gt;
///         case external: case new_member_commit: case new_member_proposal: struct{};
///     };
/// } PublicMessage;
///
/// membership_tag = MAC(membership_key, AuthenticatedContentTBM)
/// struct { FramedContentTBS content_tbs; FramedContentAuthData auth; } AuthenticatedContentTBM;
/// </code>
/// Application data is never sent as a PublicMessage.
/// </summary>
public sealed class PublicMessage : ITlsEncodable, ITlsDecodable<PublicMessage>
{
    /// <summary>Combines the parts; the membership tag must be present exactly for member senders.</summary>
    public PublicMessage(FramedContent content, FramedContentAuthData auth, byte[]? membershipTag)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(auth);
        if ((content.Sender.Type == SenderType.Member) != (membershipTag is not null))
        {
            throw new MlsException(MlsErrorCode.InvalidSender, "A membership tag is present exactly when the sender is a member.");
        }

        Content = content;
        Auth = auth;
        MembershipTag = membershipTag;
    }

    /// <summary>The content.</summary>
    public FramedContent Content { get; }

    /// <summary>Signature and, for commits, the confirmation tag.</summary>
    public FramedContentAuthData Auth { get; }

    /// <summary>The membership tag (member senders only).</summary>
    public byte[]? MembershipTag { get; }

    /// <summary>
    /// Wraps signed content as a PublicMessage, adding the membership tag for member senders.
    /// </summary>
    /// <param name="suite">The group's cipher suite.</param>
    /// <param name="content">Content signed for <see cref="WireFormat.PublicMessage"/>; a commit must carry its confirmation tag.</param>
    /// <param name="context">The GroupContext of the current epoch (required for member senders).</param>
    /// <param name="membershipKey">The epoch's membership key (ignored for non-member senders).</param>
    public static PublicMessage Protect(CipherSuite suite, AuthenticatedContent content, GroupContext? context, ReadOnlySpan<byte> membershipKey)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(content);
        if (content.WireFormat != WireFormat.PublicMessage)
        {
            throw new MlsException(MlsErrorCode.WrongWireFormat, "The content was signed for a PrivateMessage.");
        }

        if (content.Content.ContentType == ContentType.Application)
        {
            throw new MlsException(MlsErrorCode.InvalidContentType, "Application data must be sent as a PrivateMessage.");
        }

        var tag = content.Content.Sender.Type == SenderType.Member
            ? ComputeMembershipTag(suite, content.Content, content.Auth, context, membershipKey)
            : null;
        return new PublicMessage(content.Content, content.Auth, tag);
    }

    /// <summary>Checks the membership tag in constant time (false for a non-member sender, which has none).</summary>
    public bool VerifyMembershipTag(CipherSuite suite, GroupContext context, ReadOnlySpan<byte> membershipKey)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(context);
        if (MembershipTag is null)
        {
            return false;
        }

        var expected = ComputeMembershipTag(suite, Content, Auth, context, membershipKey);
        return CryptographicOperations.FixedTimeEquals(expected, MembershipTag);
    }

    /// <summary>
    /// Checks everything the framing layer can (RFC 9420 section 6.2): group, epoch, content type, membership tag for
    /// members, and the signature with <paramref name="senderKey"/>, which the caller chose from the sender type
    /// (leaf, external sender, or the key in the message). The confirmation tag of a commit is checked by the group.
    /// </summary>
    /// <exception cref="MlsException">
    /// <see cref="MlsErrorCode.WrongGroup"/>, <see cref="MlsErrorCode.WrongEpoch"/>, <see cref="MlsErrorCode.InvalidContentType"/>,
    /// <see cref="MlsErrorCode.MembershipTagInvalid"/> or <see cref="MlsErrorCode.SignatureInvalid"/>.
    /// </exception>
    public AuthenticatedContent Unprotect(CipherSuite suite, GroupContext context, ReadOnlySpan<byte> membershipKey, SignaturePublicKey senderKey)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(senderKey);
        FramingChecks.CheckGroupAndEpoch(Content.GroupId, Content.Epoch, context);
        if (Content.ContentType == ContentType.Application)
        {
            throw new MlsException(MlsErrorCode.InvalidContentType, "Application data arrived as a PublicMessage.");
        }

        if (Content.Sender.Type == SenderType.Member && !VerifyMembershipTag(suite, context, membershipKey))
        {
            throw new MlsException(MlsErrorCode.MembershipTagInvalid, "The membership tag does not verify.");
        }

        var authenticated = new AuthenticatedContent(WireFormat.PublicMessage, Content, Auth);
        return authenticated.VerifySignature(suite, senderKey, context)
            ? authenticated
            : throw new MlsException(MlsErrorCode.SignatureInvalid, "The message signature does not verify.");
    }

    /// <summary>The content and auth as an AuthenticatedContent (no checks).</summary>
    public AuthenticatedContent ToAuthenticatedContent() => new(WireFormat.PublicMessage, Content, Auth);

    /// <inheritdoc />
    public static PublicMessage ReadFrom(ref TlsReader reader)
    {
        var content = FramedContent.ReadFrom(ref reader);
        var auth = FramedContentAuthData.ReadFrom(ref reader, content.ContentType);
        var tag = content.Sender.Type == SenderType.Member ? reader.ReadVectorBytes() : null;
        return new PublicMessage(content, auth, tag);
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        Content.WriteTo(ref writer);
        Auth.WriteTo(ref writer, Content.ContentType);
        if (MembershipTag is not null)
        {
            writer.WriteVector(MembershipTag);
        }
    }

    private static byte[] ComputeMembershipTag(CipherSuite suite, FramedContent content, FramedContentAuthData auth, GroupContext? context, ReadOnlySpan<byte> membershipKey)
    {
        var tbm = new TlsWriter(256 + content.Content.Length);
        try
        {
            AuthenticatedContent.WriteTbs(ref tbm, WireFormat.PublicMessage, content, context);
            auth.WriteTo(ref tbm, content.ContentType);
            return suite.Mac(membershipKey, tbm.WrittenSpan);
        }
        finally
        {
            tbm.Dispose();
        }
    }
}
