using System.Security.Cryptography;
using System.Text.Json;
using Slim.Mls.CipherSuites;
using Slim.Mls.Framing;
using Slim.Mls.KeySchedule;
using Slim.Mls.SecretTree;
using Slim.Mls.Tests.Vectors;
using Slim.Mls.Tree;

namespace Slim.Mls.Tests.Framing;

/// <summary>
/// message-protection.json (RFC 9420 sections 6, 6.1-6.3): per suite 1-7, a proposal and a commit as PublicMessage and
/// PrivateMessage and an application message as PrivateMessage, sent by leaf 1 of a 2-member group. The given messages
/// are unprotected; our own protections are round-tripped (signatures and reuse guards are random).
/// </summary>
public sealed class MessageProtectionTests
{
    private const string File = "message-protection.json";
    private static readonly LeafIndex SenderLeaf = new(1);

    public static TheoryData<ushort, int> Cases() => VectorFile.MlsRowsBySuite(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Given_public_messages_unprotect_to_the_given_content(ushort suiteId, int index)
    {
        var (suite, v, context) = Load(suiteId, index);
        using var verifier = suite.SignatureScheme.ImportPublicKey(v.Bytes("signature_pub"));
        foreach (var (kind, type) in new[] { ("proposal", ContentType.Proposal), ("commit", ContentType.Commit) })
        {
            var encoded = v.Bytes(kind + "_pub");
            var message = MlsMessage.Decode(encoded);
            Assert.Equal(WireFormat.PublicMessage, message.WireFormat);
            Assert.Equal(encoded, message.ToBytes());

            var content = message.PublicMessage!.Unprotect(suite, context, v.Bytes("membership_key"), verifier);
            Assert.Equal(type, content.Content.ContentType);
            Assert.Equal(SenderLeaf, content.Content.Sender.Leaf);
            Assert.Equal(v.Bytes(kind), content.Content.Content);

            var wrongKey = Assert.Throws<MlsException>(() => message.PublicMessage.Unprotect(suite, context, new byte[suite.HashLength], verifier));
            Assert.Equal(MlsErrorCode.MembershipTagInvalid, wrongKey.ErrorCode);
            var nextEpoch = context.Next(context.TreeHash, context.ConfirmedTranscriptHash);
            var wrongEpoch = Assert.Throws<MlsException>(() => message.PublicMessage.Unprotect(suite, nextEpoch, v.Bytes("membership_key"), verifier));
            Assert.Equal(MlsErrorCode.WrongEpoch, wrongEpoch.ErrorCode);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Given_private_messages_decrypt_to_the_given_content(ushort suiteId, int index)
    {
        var (suite, v, context) = Load(suiteId, index);
        using var verifier = suite.SignatureScheme.ImportPublicKey(v.Bytes("signature_pub"));
        foreach (var (kind, type) in new[] { ("proposal", ContentType.Proposal), ("commit", ContentType.Commit), ("application", ContentType.Application) })
        {
            var encoded = v.Bytes(kind + "_priv");
            var message = MlsMessage.Decode(encoded);
            Assert.Equal(WireFormat.PrivateMessage, message.WireFormat);
            Assert.Equal(encoded, message.ToBytes());

            using var tree = new EncryptionSecretTree(suite, v.Bytes("encryption_secret"), 2);
            var senderData = message.PrivateMessage!.DecryptSenderData(suite, v.Bytes("sender_data_secret"));
            Assert.Equal(SenderLeaf, senderData.Leaf);

            var content = message.PrivateMessage.Unprotect(suite, tree, v.Bytes("sender_data_secret"), context, leaf => leaf == SenderLeaf ? verifier : null);
            Assert.Equal(type, content.Content.ContentType);
            Assert.Equal(SenderLeaf, content.Content.Sender.Leaf);
            Assert.Equal(v.Bytes(kind), content.Content.Content);

            // The key is gone once used: a replay is refused.
            var replay = Assert.Throws<MlsException>(() => message.PrivateMessage.Decrypt(suite, tree, v.Bytes("sender_data_secret")));
            Assert.Equal(MlsErrorCode.SecretTreeGenerationExpired, replay.ErrorCode);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Our_public_messages_round_trip_and_application_data_is_refused(ushort suiteId, int index)
    {
        var (suite, v, context) = Load(suiteId, index);
        using var signer = suite.SignatureScheme.ImportPrivateKey(v.Bytes("signature_priv"));
        using var verifier = suite.SignatureScheme.ImportPublicKey(v.Bytes("signature_pub"));
        var membershipKey = v.Bytes("membership_key");

        foreach (var (kind, type) in new[] { ("proposal", ContentType.Proposal), ("commit", ContentType.Commit) })
        {
            var framed = new FramedContent(context.GroupId, context.Epoch, Sender.Member(SenderLeaf), "aad"u8.ToArray(), type, v.Bytes(kind));
            var signed = AuthenticatedContent.Sign(suite, WireFormat.PublicMessage, framed, signer, context);
            if (type == ContentType.Commit)
            {
                Assert.Equal(MlsErrorCode.InvalidState, Assert.Throws<MlsException>(() => PublicMessage.Protect(suite, signed, context, membershipKey)).ErrorCode);
                signed = signed.WithConfirmationTag(RandomNumberGenerator.GetBytes(suite.HashLength));
            }

            var wire = MlsMessage.From(PublicMessage.Protect(suite, signed, context, membershipKey)).ToBytes();
            var received = MlsMessage.Decode(wire).PublicMessage!.Unprotect(suite, context, membershipKey, verifier);
            Assert.Equal(framed.Content, received.Content.Content);
            Assert.Equal("aad"u8.ToArray(), received.Content.AuthenticatedData);

            // A flipped bit in the signed part breaks the membership tag.
            var tampered = (byte[])wire.Clone();
            tampered[^(suite.HashLength + 5)] ^= 1;
            var error = Assert.Throws<MlsException>(() => MlsMessage.Decode(tampered).PublicMessage!.Unprotect(suite, context, membershipKey, verifier));
            Assert.True(error.ErrorCode is MlsErrorCode.MembershipTagInvalid or MlsErrorCode.SignatureInvalid or MlsErrorCode.DecodeInvalidValue or MlsErrorCode.DecodeTruncated, error.ErrorCode.ToString());
        }

        var application = new FramedContent(context.GroupId, context.Epoch, Sender.Member(SenderLeaf), [], ContentType.Application, v.Bytes("application"));
        var signedApplication = AuthenticatedContent.Sign(suite, WireFormat.PublicMessage, application, signer, context);
        var refused = Assert.Throws<MlsException>(() => PublicMessage.Protect(suite, signedApplication, context, membershipKey));
        Assert.Equal(MlsErrorCode.InvalidContentType, refused.ErrorCode);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Our_private_messages_round_trip_with_padding_and_reject_tampering(ushort suiteId, int index)
    {
        var (suite, v, context) = Load(suiteId, index);
        using var signer = suite.SignatureScheme.ImportPrivateKey(v.Bytes("signature_priv"));
        using var verifier = suite.SignatureScheme.ImportPublicKey(v.Bytes("signature_pub"));
        var senderDataSecret = v.Bytes("sender_data_secret");
        using var senderTree = new EncryptionSecretTree(suite, v.Bytes("encryption_secret"), 2);
        using var receiverTree = new EncryptionSecretTree(suite, v.Bytes("encryption_secret"), 2);

        foreach (var (kind, type) in new[] { ("proposal", ContentType.Proposal), ("commit", ContentType.Commit), ("application", ContentType.Application) })
        {
            var framed = new FramedContent(context.GroupId, context.Epoch, Sender.Member(SenderLeaf), [1, 2, 3], type, v.Bytes(kind));
            var signed = AuthenticatedContent.Sign(suite, WireFormat.PrivateMessage, framed, signer, context);
            if (type == ContentType.Commit)
            {
                signed = signed.WithConfirmationTag(RandomNumberGenerator.GetBytes(suite.HashLength));
            }

            var message = PrivateMessage.Protect(suite, signed, senderTree, senderDataSecret, paddingLength: 31);
            var wire = MlsMessage.From(message).ToBytes();

            var tampered = (byte[])wire.Clone();
            tampered[^1] ^= 0x80;
            var error = Assert.Throws<MlsException>(() => MlsMessage.Decode(tampered).PrivateMessage!.Unprotect(suite, receiverTree, senderDataSecret, context, _ => verifier));
            Assert.Equal(MlsErrorCode.AeadDecryptFailed, error.ErrorCode);

            var received = MlsMessage.Decode(wire).PrivateMessage!.Unprotect(suite, receiverTree, senderDataSecret, context, _ => verifier);
            Assert.Equal(framed.Content, received.Content.Content);
            Assert.Equal(signed.Auth.ConfirmationTag, received.Auth.ConfirmationTag);
            Assert.Equal(new byte[] { 1, 2, 3 }, received.Content.AuthenticatedData);
        }

        // A sender whose leaf is blank is refused before any key is used.
        var blank = PrivateMessage.Protect(
            suite,
            AuthenticatedContent.Sign(suite, WireFormat.PrivateMessage, new FramedContent(context.GroupId, context.Epoch, Sender.Member(SenderLeaf), [], ContentType.Application, [9]), signer, context),
            senderTree,
            senderDataSecret);
        Assert.Equal(MlsErrorCode.InvalidSender, Assert.Throws<MlsException>(() => blank.Unprotect(suite, receiverTree, senderDataSecret, context, _ => null)).ErrorCode);

        // A signature by someone else is refused and leaves the key usable for the genuine message.
        using var otherKeys = suite.GenerateSignatureKeyPair();
        using var other = suite.SignatureScheme.ImportPublicKey(otherKeys.PublicKey);
        Assert.Equal(MlsErrorCode.SignatureInvalid, Assert.Throws<MlsException>(() => blank.Unprotect(suite, receiverTree, senderDataSecret, context, _ => other)).ErrorCode);
        Assert.Equal([9], blank.Unprotect(suite, receiverTree, senderDataSecret, context, _ => verifier).Content.Content);
    }

    private static (CipherSuite Suite, JsonElement Vector, GroupContext Context) Load(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var v = VectorFile.Mls(File)[index];
        var context = new GroupContext((CipherSuiteId)suiteId, v.Bytes("group_id"), v.UInt64("epoch"), v.Bytes("tree_hash"), v.Bytes("confirmed_transcript_hash"));
        return (suite, v, context);
    }
}
