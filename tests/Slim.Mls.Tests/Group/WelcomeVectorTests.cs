using Slim.Mls.Codec;
using Slim.Mls.Framing;
using Slim.Mls.KeyPackages;
using Slim.Mls.KeySchedule;
using Slim.Mls.Tests.Vectors;
using Slim.Mls.Welcome;

namespace Slim.Mls.Tests.Group;

/// <summary>
/// welcome.json: find our EncryptedGroupSecrets by KeyPackageRef, open them with the init key, decrypt the GroupInfo,
/// verify its signature and recompute the confirmation tag from the joiner secret.
/// </summary>
public sealed class WelcomeVectorTests
{
    public static TheoryData<ushort, int> Cases => VectorFile.MlsRowsBySuite("welcome.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_welcome_opens_and_its_group_info_verifies(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var entry = VectorFile.Mls("welcome.json")[index];
        var keyPackage = TlsCodec.Deserialize<KeyPackage>(MlsMessage.Decode(entry.Bytes("key_package")).Body);
        var welcome = TlsCodec.Deserialize<WelcomeMessage>(MlsMessage.Decode(entry.Bytes("welcome")).Body);
        Assert.Equal(suite.Id, welcome.CipherSuite);
        keyPackage.Validate(suite, null, null);

        var reference = keyPackage.ComputeRef(suite);
        var mine = Assert.Single(welcome.Secrets, s => s.NewMember.AsSpan().SequenceEqual(reference));
        var secrets = TlsCodec.Deserialize<GroupSecrets>(suite.DecryptWithLabel(
            entry.Bytes("init_priv"), "Welcome", welcome.EncryptedGroupInfo, mine.EncryptedSecrets.KemOutput, mine.EncryptedSecrets.Ciphertext));
        Assert.Empty(secrets.Psks);

        var welcomeSecret = EpochKeySchedule.WelcomeSecret(suite, secrets.JoinerSecret, []);
        var (key, nonce) = EpochKeySchedule.WelcomeKeyAndNonce(suite, welcomeSecret);
        var groupInfo = TlsCodec.Deserialize<GroupInfo>(suite.Aead.Open(key, nonce, [], welcome.EncryptedGroupInfo));
        Assert.True(groupInfo.VerifySignature(suite, entry.Bytes("signer_pub")));
        var tampered = new GroupInfo(groupInfo.GroupContext, groupInfo.Extensions, groupInfo.ConfirmationTag, groupInfo.Signer + 1, groupInfo.Signature);
        Assert.False(tampered.VerifySignature(suite, entry.Bytes("signer_pub")));

        using var epoch = EpochKeySchedule.FromJoinerSecret(suite, secrets.JoinerSecret, [], groupInfo.GroupContext);
        Assert.Equal(groupInfo.ConfirmationTag, suite.Mac(epoch.ConfirmationKey, groupInfo.GroupContext.ConfirmedTranscriptHash));
        Assert.Equal(entry.Bytes("welcome"), MlsMessage.FromBody(WireFormat.Welcome, TlsCodec.Serialize(welcome)).ToBytes());
    }
}
