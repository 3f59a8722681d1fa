using System.Security.Cryptography;
using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.Framing.Internal;
using Slim.Mls.Internal;
using Slim.Mls.KeySchedule;
using Slim.Mls.SecretTree;
using Slim.Mls.Tree;

namespace Slim.Mls.Framing;

/// <summary>
/// A signed and encrypted message (RFC 9420 section 6.3):
/// <code>
/// struct {
///     opaque group_id&lt;V&gt;;
///     uint64 epoch;
///     ContentType content_type;
///     opaque authenticated_data&lt;V&gt;;
///     opaque encrypted_sender_data&lt;V&gt;;   // AEAD(sender_data key/nonce, SenderDataAAD, SenderData)
///     opaque ciphertext&lt;V&gt;;              // AEAD(ratchet key, ratchet nonce ^ reuse_guard, PrivateContentAAD, PrivateMessageContent)
/// } PrivateMessage;
///
/// struct { content (by content_type, as in FramedContent); FramedContentAuthData auth; opaque padding[n] /* zeros */; } PrivateMessageContent;
/// struct { opaque group_id&lt;V&gt;; uint64 epoch; ContentType content_type; opaque authenticated_data&lt;V&gt;; } PrivateContentAAD;
/// struct { opaque group_id&lt;V&gt;; uint64 epoch; ContentType content_type; } SenderDataAAD;
/// </code>
/// Application messages use the sender's application ratchet, proposals and commits its handshake ratchet.
/// </summary>
public sealed class PrivateMessage : ITlsEncodable, ITlsDecodable<PrivateMessage>
{
    /// <summary>Combines the parts.</summary>
    public PrivateMessage(byte[] groupId, ulong epoch, ContentType contentType, byte[] authenticatedData, byte[] encryptedSenderData, byte[] ciphertext)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        ArgumentNullException.ThrowIfNull(authenticatedData);
        ArgumentNullException.ThrowIfNull(encryptedSenderData);
        ArgumentNullException.ThrowIfNull(ciphertext);
        if (contentType is not (ContentType.Application or ContentType.Proposal or ContentType.Commit))
        {
            throw new MlsException(MlsErrorCode.InvalidContentType, $"Content type {(byte)contentType} is not defined.");
        }

        GroupId = groupId;
        Epoch = epoch;
        ContentType = contentType;
        AuthenticatedData = authenticatedData;
        EncryptedSenderData = encryptedSenderData;
        Ciphertext = ciphertext;
    }

    /// <summary>The group identifier (in clear).</summary>
    public byte[] GroupId { get; }

    /// <summary>The epoch (in clear).</summary>
    public ulong Epoch { get; }

    /// <summary>The content type (in clear).</summary>
    public ContentType ContentType { get; }

    /// <summary>The caller's authenticated data (in clear, authenticated).</summary>
    public byte[] AuthenticatedData { get; }

    /// <summary>The encrypted SenderData.</summary>
    public byte[] EncryptedSenderData { get; }

    /// <summary>The encrypted PrivateMessageContent.</summary>
    public byte[] Ciphertext { get; }

    /// <summary>
    /// Encrypts signed content with the next key of the sender's ratchet (consumed at once) and a fresh reuse guard.
    /// </summary>
    /// <param name="suite">The group's cipher suite.</param>
    /// <param name="content">Content signed for <see cref="WireFormat.PrivateMessage"/> by a member; a commit carries its confirmation tag.</param>
    /// <param name="tree">The epoch's secret tree.</param>
    /// <param name="senderDataSecret">The epoch's sender data secret.</param>
    /// <param name="paddingLength">Zero bytes appended to the plaintext to hide its length.</param>
    public static PrivateMessage Protect(CipherSuite suite, AuthenticatedContent content, EncryptionSecretTree tree, ReadOnlySpan<byte> senderDataSecret, int paddingLength = 0)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentOutOfRangeException.ThrowIfNegative(paddingLength);
        if (content.WireFormat != WireFormat.PrivateMessage)
        {
            throw new MlsException(MlsErrorCode.WrongWireFormat, "The content was signed for a PublicMessage.");
        }

        var framed = content.Content;
        if (framed.Sender.Type != SenderType.Member)
        {
            throw new MlsException(MlsErrorCode.InvalidSender, "Only members send PrivateMessages.");
        }

        using var key = tree.NextKey(framed.Sender.Leaf, RatchetFor(framed.ContentType));
        var senderData = new SenderData(framed.Sender.Leaf, key.Generation, RandomGuard());
        senderData.ApplyReuseGuard(key.Nonce);

        byte[] ciphertext;
        var plaintext = new TlsWriter(64 + framed.Content.Length + content.Auth.Signature.Length + paddingLength);
        var aad = new TlsWriter(32 + framed.GroupId.Length + framed.AuthenticatedData.Length);
        try
        {
            FramedContent.WriteContent(ref plaintext, framed.ContentType, framed.Content);
            content.Auth.WriteTo(ref plaintext, framed.ContentType);
            plaintext.Reserve(paddingLength).Clear();
            WriteContentAad(ref aad, framed.GroupId, framed.Epoch, framed.ContentType, framed.AuthenticatedData);
            ciphertext = suite.Aead.Seal(key.Key, key.Nonce, aad.WrittenSpan, plaintext.WrittenSpan);
        }
        finally
        {
            plaintext.Dispose();
            aad.Dispose();
        }

        var encryptedSenderData = SealSenderData(suite, senderDataSecret, ciphertext, framed.GroupId, framed.Epoch, framed.ContentType, senderData);
        return new PrivateMessage(framed.GroupId, framed.Epoch, framed.ContentType, framed.AuthenticatedData, encryptedSenderData, ciphertext);
    }

    /// <summary>Decrypts the SenderData (who sent it, which generation), without touching the secret tree.</summary>
    /// <exception cref="MlsException"><see cref="MlsErrorCode.AeadDecryptFailed"/>, or a decode error for a malformed SenderData.</exception>
    public SenderData DecryptSenderData(CipherSuite suite, ReadOnlySpan<byte> senderDataSecret)
    {
        ArgumentNullException.ThrowIfNull(suite);
        Span<byte> key = stackalloc byte[suite.AeadKeyLength];
        Span<byte> nonce = stackalloc byte[suite.AeadNonceLength];
        var aadWriter = new TlsWriter(32 + GroupId.Length);
        try
        {
            SenderDataKeys.Derive(suite, senderDataSecret, Ciphertext, key, nonce);
            WriteSenderDataAad(ref aadWriter, GroupId, Epoch, ContentType);
            if (EncryptedSenderData.Length != SenderData.Size + suite.Aead.TagLength)
            {
                throw new MlsException(MlsErrorCode.AeadDecryptFailed, "The encrypted sender data has the wrong size.");
            }

            Span<byte> plain = stackalloc byte[SenderData.Size];
            if (!suite.Aead.TryOpen(key, nonce, aadWriter.WrittenSpan, EncryptedSenderData, plain))
            {
                throw new MlsException(MlsErrorCode.AeadDecryptFailed, "The sender data does not decrypt.");
            }

            return TlsCodec.Deserialize<SenderData>(plain);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            aadWriter.Dispose();
        }
    }

    /// <summary>
    /// Decrypts the message and returns its content and auth. The ratchet key is consumed once the content decrypts and
    /// parses. The signature is NOT checked: use <see cref="Unprotect"/>, or verify it with the sender's key.
    /// </summary>
    public AuthenticatedContent Decrypt(CipherSuite suite, EncryptionSecretTree tree, ReadOnlySpan<byte> senderDataSecret) =>
        Open(suite, tree, senderDataSecret, context: null, senderKeys: null);

    /// <summary>
    /// Full unprotection (RFC 9420 section 6.3): group and epoch match, SenderData and content decrypt, padding is zero,
    /// and the signature verifies with the key <paramref name="senderKeys"/> returns for the sender's leaf (null means the
    /// leaf is blank, which is refused). The ratchet key is consumed only after all of that succeeded.
    /// </summary>
    /// <exception cref="MlsException">
    /// <see cref="MlsErrorCode.WrongGroup"/>, <see cref="MlsErrorCode.WrongEpoch"/>, <see cref="MlsErrorCode.AeadDecryptFailed"/>,
    /// <see cref="MlsErrorCode.InvalidSender"/>, <see cref="MlsErrorCode.SignatureInvalid"/>, a secret-tree code, or a decode error.
    /// </exception>
    public AuthenticatedContent Unprotect(CipherSuite suite, EncryptionSecretTree tree, ReadOnlySpan<byte> senderDataSecret, GroupContext context, Func<LeafIndex, SignaturePublicKey?> senderKeys)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(senderKeys);
        return Open(suite, tree, senderDataSecret, context, senderKeys);
    }

    /// <inheritdoc />
    public static PrivateMessage ReadFrom(ref TlsReader reader)
    {
        var groupId = reader.ReadVectorBytes();
        var epoch = reader.ReadUInt64();
        var contentType = (ContentType)reader.ReadUInt8();
        if (contentType is not (ContentType.Application or ContentType.Proposal or ContentType.Commit))
        {
            throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"Unknown content type {(byte)contentType}", -1);
        }

        var authenticatedData = reader.ReadVectorBytes();
        var senderData = reader.ReadVectorBytes();
        var ciphertext = reader.ReadVectorBytes();
        return new PrivateMessage(groupId, epoch, contentType, authenticatedData, senderData, ciphertext);
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteVector(GroupId);
        writer.WriteUInt64(Epoch);
        writer.WriteUInt8((byte)ContentType);
        writer.WriteVector(AuthenticatedData);
        writer.WriteVector(EncryptedSenderData);
        writer.WriteVector(Ciphertext);
    }

    private AuthenticatedContent Open(CipherSuite suite, EncryptionSecretTree tree, ReadOnlySpan<byte> senderDataSecret, GroupContext? context, Func<LeafIndex, SignaturePublicKey?>? senderKeys)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(tree);
        if (context is not null)
        {
            FramingChecks.CheckGroupAndEpoch(GroupId, Epoch, context);
        }

        var senderData = DecryptSenderData(suite, senderDataSecret);
        SignaturePublicKey? senderKey = null;
        if (senderKeys is not null)
        {
            senderKey = senderKeys(senderData.Leaf)
                ?? throw new MlsException(MlsErrorCode.InvalidSender, $"The sender data names {senderData.Leaf}, which is blank.");
        }

        var ratchet = RatchetFor(ContentType);
        AuthenticatedContent authenticated;
        using (var key = tree.PeekKey(senderData.Leaf, ratchet, senderData.Generation))
        {
            senderData.ApplyReuseGuard(key.Nonce);
            authenticated = DecryptContent(suite, key, senderData.Leaf);
        }

        if (senderKey is not null && !authenticated.VerifySignature(suite, senderKey, context))
        {
            throw new MlsException(MlsErrorCode.SignatureInvalid, "The message signature does not verify.");
        }

        tree.ConsumeKey(senderData.Leaf, ratchet, senderData.Generation);
        return authenticated;
    }

    private AuthenticatedContent DecryptContent(CipherSuite suite, RatchetKey key, LeafIndex sender)
    {
        if (Ciphertext.Length < suite.Aead.TagLength)
        {
            throw new MlsException(MlsErrorCode.AeadDecryptFailed, "The ciphertext is shorter than the AEAD tag.");
        }

        using var plaintext = new RentedBuffer(Ciphertext.Length - suite.Aead.TagLength);
        var aad = new TlsWriter(32 + GroupId.Length + AuthenticatedData.Length);
        try
        {
            WriteContentAad(ref aad, GroupId, Epoch, ContentType, AuthenticatedData);
            if (!suite.Aead.TryOpen(key.Key, key.Nonce, aad.WrittenSpan, Ciphertext, plaintext.Span))
            {
                throw new MlsException(MlsErrorCode.AeadDecryptFailed, "The message content does not decrypt.");
            }
        }
        finally
        {
            aad.Dispose();
        }

        var reader = new TlsReader(plaintext.Span);
        var content = MessageStructure.ReadContent(ref reader, ContentType);
        var auth = FramedContentAuthData.ReadFrom(ref reader, ContentType);
        var padding = 0;
        foreach (var b in reader.RemainingSpan)
        {
            padding |= b;
        }

        if (padding != 0)
        {
            throw reader.Error(MlsErrorCode.DecodeInvalidPadding, "The padding holds a non-zero byte");
        }

        var framed = new FramedContent(GroupId, Epoch, Sender.Member(sender), AuthenticatedData, ContentType, content);
        return new AuthenticatedContent(WireFormat.PrivateMessage, framed, auth);
    }

    private static byte[] SealSenderData(CipherSuite suite, ReadOnlySpan<byte> senderDataSecret, ReadOnlySpan<byte> ciphertext, byte[] groupId, ulong epoch, ContentType contentType, SenderData senderData)
    {
        Span<byte> key = stackalloc byte[suite.AeadKeyLength];
        Span<byte> nonce = stackalloc byte[suite.AeadNonceLength];
        var aad = new TlsWriter(32 + groupId.Length);
        var plain = new TlsWriter(SenderData.Size);
        try
        {
            SenderDataKeys.Derive(suite, senderDataSecret, ciphertext, key, nonce);
            WriteSenderDataAad(ref aad, groupId, epoch, contentType);
            senderData.WriteTo(ref plain);
            return suite.Aead.Seal(key, nonce, aad.WrittenSpan, plain.WrittenSpan);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            aad.Dispose();
            plain.Dispose();
        }
    }

    private static void WriteContentAad(ref TlsWriter writer, byte[] groupId, ulong epoch, ContentType contentType, byte[] authenticatedData)
    {
        WriteSenderDataAad(ref writer, groupId, epoch, contentType);
        writer.WriteVector(authenticatedData);
    }

    private static void WriteSenderDataAad(ref TlsWriter writer, byte[] groupId, ulong epoch, ContentType contentType)
    {
        writer.WriteVector(groupId);
        writer.WriteUInt64(epoch);
        writer.WriteUInt8((byte)contentType);
    }

    private static RatchetType RatchetFor(ContentType contentType) =>
        contentType == ContentType.Application ? RatchetType.Application : RatchetType.Handshake;

    private static uint RandomGuard()
    {
        Span<byte> guard = stackalloc byte[4];
        RandomNumberGenerator.Fill(guard);
        return BitConverter.ToUInt32(guard);
    }
}
