using Slim.Mls.CipherSuites;

namespace Slim.Mls.Tests.Group;

/// <summary>The batched EncryptWithLabel (key-schedule context computed once) opens with the standard DecryptWithLabel.</summary>
public sealed class PreparedEncryptionTests
{
    [Theory]
    [InlineData((ushort)1)]
    [InlineData((ushort)2)]
    [InlineData((ushort)7)]
    public void Prepared_encryption_matches_the_single_shot_form(ushort suiteId)
    {
        var suite = CipherSuite.Get((CipherSuiteId)suiteId);
        var context = new byte[100_000];
        new Random(1).NextBytes(context);
        var prepared = suite.PrepareEncryptWithLabel("Welcome", context);
        for (var i = 0; i < 3; i++)
        {
            using var recipient = suite.GenerateHpkeKeyPair();
            var plaintext = new byte[] { (byte)i, 1, 2, 3 };
            var sealedSecret = suite.EncryptWithLabelPrepared(recipient.PublicKey, prepared, plaintext);
            Assert.Equal(plaintext, suite.DecryptWithLabel(recipient.PrivateKey, "Welcome", context, sealedSecret.KemOutput, sealedSecret.Ciphertext));
            context[0] ^= 1;
            Assert.Throws<MlsException>(() => suite.DecryptWithLabel(recipient.PrivateKey, "Welcome", context, sealedSecret.KemOutput, sealedSecret.Ciphertext));
            context[0] ^= 1;
        }
    }
}
