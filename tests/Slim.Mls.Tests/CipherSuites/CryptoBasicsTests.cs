using Slim.Mls.CipherSuites;
using Slim.Mls.Tests.Vectors;

namespace Slim.Mls.Tests.CipherSuites;

/// <summary>crypto-basics.json (RFC 9420 sections 5.1.2, 5.1.3, 5.2, 8, 9.1): one case per suite 1-7.</summary>
public sealed class CryptoBasicsTests
{
    private const string File = "crypto-basics.json";

    public static TheoryData<ushort, int> Cases() => VectorFile.MlsRowsBySuite(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ref_hash(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var v = VectorFile.Mls(File)[index].GetProperty("ref_hash");
        Assert.Equal(v.Bytes("out"), suite.RefHash(v.Text("label"), v.Bytes("value")));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Expand_with_label(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var v = VectorFile.Mls(File)[index].GetProperty("expand_with_label");
        Assert.Equal(v.Bytes("out"), suite.ExpandWithLabel(v.Bytes("secret"), v.Text("label"), v.Bytes("context"), v.Int32("length")));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Derive_secret(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var v = VectorFile.Mls(File)[index].GetProperty("derive_secret");
        Assert.Equal(v.Bytes("out"), suite.DeriveSecret(v.Bytes("secret"), v.Text("label")));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Derive_tree_secret(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var v = VectorFile.Mls(File)[index].GetProperty("derive_tree_secret");
        var output = suite.DeriveTreeSecret(v.Bytes("secret"), v.Text("label"), (uint)v.UInt64("generation"), v.Int32("length"));
        Assert.Equal(v.Bytes("out"), output);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sign_with_label_verifies_the_given_signature_and_round_trips_our_own(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var v = VectorFile.Mls(File)[index].GetProperty("sign_with_label");
        var priv = v.Bytes("priv");
        var pub = v.Bytes("pub");
        var content = v.Bytes("content");
        var label = v.Text("label");

        Assert.Equal(pub, suite.SignatureScheme.GetPublicKey(priv));
        Assert.True(suite.VerifyWithLabel(pub, label, content, v.Bytes("signature")));

        var ours = suite.SignWithLabel(priv, label, content);
        Assert.True(suite.VerifyWithLabel(pub, label, content, ours));
        Assert.False(suite.VerifyWithLabel(pub, label + "x", content, ours));
        Assert.False(suite.VerifyWithLabel(pub, label, [.. content, 0], ours));

        using var key = suite.SignatureScheme.ImportPrivateKey(priv);
        using var verifier = suite.SignatureScheme.ImportPublicKey(pub);
        Assert.True(suite.VerifyWithLabel(verifier, label, content, suite.SignWithLabel(key, label, content)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encrypt_with_label_opens_the_given_ciphertext_and_round_trips_our_own(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var v = VectorFile.Mls(File)[index].GetProperty("encrypt_with_label");
        var priv = v.Bytes("priv");
        var pub = v.Bytes("pub");
        var label = v.Text("label");
        var context = v.Bytes("context");
        var plaintext = v.Bytes("plaintext");

        Assert.Equal(pub, suite.Kem.GetPublicKey(priv));
        Assert.Equal(plaintext, suite.DecryptWithLabel(priv, label, context, v.Bytes("kem_output"), v.Bytes("ciphertext")));

        var ours = suite.EncryptWithLabel(pub, label, context, plaintext);
        Assert.Equal(plaintext, suite.DecryptWithLabel(priv, label, context, ours.KemOutput, ours.Ciphertext));

        var wrongContext = Assert.Throws<MlsException>(() => suite.DecryptWithLabel(priv, label, [.. context, 1], ours.KemOutput, ours.Ciphertext));
        Assert.Equal(MlsErrorCode.HpkeDecryptFailed, wrongContext.ErrorCode);
    }

    [Fact]
    public void Every_suite_of_rfc9420_is_supported_here()
    {
        Assert.Equal(
            [
                CipherSuiteId.X25519Aes128GcmSha256Ed25519,
                CipherSuiteId.P256Aes128GcmSha256P256,
                CipherSuiteId.X25519ChaCha20Poly1305Sha256Ed25519,
                CipherSuiteId.X448Aes256GcmSha512Ed448,
                CipherSuiteId.P521Aes256GcmSha512P521,
                CipherSuiteId.X448ChaCha20Poly1305Sha512Ed448,
                CipherSuiteId.P384Aes256GcmSha384P384,
            ],
            CipherSuite.SupportedIds);
        var error = Assert.Throws<MlsException>(() => CipherSuite.Get((CipherSuiteId)0x0A0A));
        Assert.Equal(MlsErrorCode.UnsupportedCipherSuite, error.ErrorCode);
    }
}
