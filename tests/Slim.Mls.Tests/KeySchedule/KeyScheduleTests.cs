using Slim.Mls.CipherSuites;
using Slim.Mls.KeySchedule;
using Slim.Mls.Tests.Vectors;

namespace Slim.Mls.Tests.KeySchedule;

/// <summary>key-schedule.json (RFC 9420 sections 8, 8.1, 8.5, 8.7): 7 suites, 5 chained epochs each.</summary>
public sealed class KeyScheduleTests
{
    private const string File = "key-schedule.json";

    public static TheoryData<ushort, int> Cases() => VectorFile.MlsRowsBySuite(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_epoch_secret_matches_across_the_chain(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var v = VectorFile.Mls(File)[index];
        var groupId = v.Bytes("group_id");
        var initSecret = v.Bytes("initial_init_secret");
        var epochNumber = 0UL;
        foreach (var epoch in v.GetProperty("epochs").EnumerateArray())
        {
            var context = new GroupContext((CipherSuiteId)suiteId, groupId, epochNumber, epoch.Bytes("tree_hash"), epoch.Bytes("confirmed_transcript_hash"));
            Assert.Equal(epoch.Bytes("group_context"), context.ToBytes());

            using var secrets = EpochKeySchedule.Derive(suite, initSecret, epoch.Bytes("commit_secret"), epoch.Bytes("psk_secret"), context);
            Assert.Equal(epoch.Bytes("joiner_secret"), secrets.JoinerSecret);
            Assert.Equal(epoch.Bytes("welcome_secret"), secrets.WelcomeSecret);
            Assert.Equal(epoch.Bytes("welcome_secret"), EpochKeySchedule.WelcomeSecret(suite, secrets.JoinerSecret, epoch.Bytes("psk_secret")));
            Assert.Equal(epoch.Bytes("init_secret"), secrets.InitSecret);
            Assert.Equal(epoch.Bytes("sender_data_secret"), secrets.SenderDataSecret);
            Assert.Equal(epoch.Bytes("encryption_secret"), secrets.EncryptionSecret);
            Assert.Equal(epoch.Bytes("exporter_secret"), secrets.ExporterSecret);
            Assert.Equal(epoch.Bytes("epoch_authenticator"), secrets.EpochAuthenticator);
            Assert.Equal(epoch.Bytes("external_secret"), secrets.ExternalSecret);
            Assert.Equal(epoch.Bytes("confirmation_key"), secrets.ConfirmationKey);
            Assert.Equal(epoch.Bytes("membership_key"), secrets.MembershipKey);
            Assert.Equal(epoch.Bytes("resumption_psk"), secrets.ResumptionPsk);

            using var external = EpochKeySchedule.ExternalKeyPair(suite, secrets.ExternalSecret);
            Assert.Equal(epoch.Bytes("external_pub"), external.PublicKey);

            // exporter.label looks like hex, but the vectors use its characters as the label: the label bytes are the
            // UTF-8 of the string as written (decoding it to bytes gives a different secret).
            var exporter = epoch.GetProperty("exporter");
            Assert.Equal(
                exporter.Bytes("secret"),
                EpochKeySchedule.Export(suite, secrets.ExporterSecret, exporter.Text("label"), exporter.Bytes("context"), exporter.Int32("length")));
            Assert.NotEqual(
                exporter.Bytes("secret"),
                EpochKeySchedule.Export(suite, secrets.ExporterSecret, exporter.Bytes("label"), exporter.Bytes("context"), exporter.Int32("length")));

            // A joiner who gets only joiner_secret and the GroupContext reaches the same epoch.
            using var joined = EpochKeySchedule.FromJoinerSecret(suite, secrets.JoinerSecret, epoch.Bytes("psk_secret"), context);
            Assert.Equal(secrets.EpochAuthenticator, joined.EpochAuthenticator);

            // External init: both sides export the same init secret.
            var (kemOutput, joinerInit) = EpochKeySchedule.CreateExternalInit(suite, external.PublicKey);
            Assert.Equal(joinerInit, EpochKeySchedule.ReceiveExternalInit(suite, external.PrivateKey, kemOutput));

            initSecret = secrets.InitSecret.ToArray();
            epochNumber++;
        }

        Assert.Equal(5UL, epochNumber);
    }

    [Fact]
    public void Epoch_secrets_persist_and_restore_and_random_bytes_only_raise_the_decode_error()
    {
        var suite = CipherSuite.Get(CipherSuiteId.X25519Aes128GcmSha256Ed25519);
        var context = new GroupContext(suite.Id, [1], 0, new byte[32], []);
        using var secrets = EpochKeySchedule.Derive(suite, new byte[32], [], [], context);
        var state = Slim.Mls.Codec.TlsCodec.Serialize(secrets);
        using var restored = Slim.Mls.Codec.TlsCodec.Deserialize<EpochSecrets>(state);
        Assert.Equal(secrets.EpochAuthenticator, restored.EpochAuthenticator);
        Assert.Equal(secrets.InitSecret, restored.InitSecret);
        Assert.Equal(state, Slim.Mls.Codec.TlsCodec.Serialize(restored));

        var random = new Random(17);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = (byte[])state.Clone();
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            bytes = bytes[..random.Next(bytes.Length + 1)];
            try
            {
                using var decoded = Slim.Mls.Codec.TlsCodec.Deserialize<EpochSecrets>(bytes);
            }
            catch (MlsDecodeException)
            {
            }
        }
    }

    [Fact]
    public void Group_context_decodes_what_it_encodes_and_rejects_random_bytes()
    {
        var context = new GroupContext(CipherSuiteId.P256Aes128GcmSha256P256, [1, 2, 3], 42, new byte[32], new byte[32], [new(Slim.Mls.Extensions.ExtensionType.ExternalSenders, [9, 9])]);
        var decoded = Slim.Mls.Codec.TlsCodec.Deserialize<GroupContext>(context.ToBytes());
        Assert.Equal(context, decoded);
        Assert.Equal(43UL, context.Next(new byte[32], new byte[32]).Epoch);
        Assert.NotEqual(context, context.Next(new byte[32], new byte[32]));

        var random = new Random(3);
        var encoded = context.ToBytes();
        for (var i = 0; i < 3000; i++)
        {
            var bytes = i % 2 == 0 ? new byte[random.Next(120)] : (byte[])encoded.Clone();
            if (i % 2 == 0)
            {
                random.NextBytes(bytes);
            }
            else
            {
                bytes[random.Next(bytes.Length)] ^= (byte)(1 + random.Next(255));
                bytes = bytes[..random.Next(bytes.Length + 1)];
            }

            try
            {
                Slim.Mls.Codec.TlsCodec.Deserialize<GroupContext>(bytes);
            }
            catch (MlsDecodeException)
            {
            }
        }
    }
}
