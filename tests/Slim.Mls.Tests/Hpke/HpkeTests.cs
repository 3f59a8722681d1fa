using System.Security.Cryptography;
using Slim.Mls.Hpke;

namespace Slim.Mls.Tests.Hpke;

public sealed class HpkeTests
{
    public static TheoryData<KemId, KdfId, AeadId> Suites() => new()
    {
        { KemId.DhKemX25519Sha256, KdfId.HkdfSha256, AeadId.Aes128Gcm },
        { KemId.DhKemP256Sha256, KdfId.HkdfSha256, AeadId.Aes128Gcm },
        { KemId.DhKemX25519Sha256, KdfId.HkdfSha256, AeadId.ChaCha20Poly1305 },
        { KemId.DhKemX448Sha512, KdfId.HkdfSha512, AeadId.Aes256Gcm },
        { KemId.DhKemP521Sha512, KdfId.HkdfSha512, AeadId.Aes256Gcm },
        { KemId.DhKemX448Sha512, KdfId.HkdfSha512, AeadId.ChaCha20Poly1305 },
        { KemId.DhKemP384Sha384, KdfId.HkdfSha384, AeadId.Aes256Gcm },
    };

    [Theory]
    [MemberData(nameof(Suites))]
    public void Single_shot_seal_opens_and_rejects_any_modification(KemId kem, KdfId kdf, AeadId aead)
    {
        var hpke = HpkeSuite.Create(kem, kdf, aead);
        using var recipient = hpke.Kem.GenerateKeyPair();
        Assert.Equal(hpke.Kem.PrivateKeyLength, recipient.PrivateKey.Length);
        Assert.Equal(hpke.Kem.PublicKeyLength, recipient.PublicKey.Length);
        Assert.Equal(recipient.PublicKey, hpke.Kem.GetPublicKey(recipient.PrivateKey));

        var plaintext = RandomNumberGenerator.GetBytes(100);
        var sealedMessage = hpke.SealBase(recipient.PublicKey, "info"u8, "aad"u8, plaintext);
        Assert.Equal(hpke.Kem.EncapsulatedKeyLength, sealedMessage.KemOutput.Length);
        Assert.Equal(plaintext, hpke.OpenBase(sealedMessage.KemOutput, recipient.PrivateKey, "info"u8, "aad"u8, sealedMessage.Ciphertext));

        AssertFails(() => hpke.OpenBase(sealedMessage.KemOutput, recipient.PrivateKey, "inf0"u8, "aad"u8, sealedMessage.Ciphertext));
        AssertFails(() => hpke.OpenBase(sealedMessage.KemOutput, recipient.PrivateKey, "info"u8, "aae"u8, sealedMessage.Ciphertext));
        var tampered = (byte[])sealedMessage.Ciphertext.Clone();
        tampered[^1] ^= 1;
        AssertFails(() => hpke.OpenBase(sealedMessage.KemOutput, recipient.PrivateKey, "info"u8, "aad"u8, tampered));
        using var other = hpke.Kem.GenerateKeyPair();
        AssertFails(() => hpke.OpenBase(sealedMessage.KemOutput, other.PrivateKey, "info"u8, "aad"u8, sealedMessage.Ciphertext));
        AssertFails(() => hpke.OpenBase(sealedMessage.KemOutput, recipient.PrivateKey, "info"u8, "aad"u8, sealedMessage.Ciphertext.AsSpan(0, 15)));

        var secret = hpke.SendExport(recipient.PublicKey, "i"u8, "ctx"u8, 48, out var enc);
        Assert.Equal(secret, hpke.ReceiveExport(enc, recipient.PrivateKey, "i"u8, "ctx"u8, 48));

        static void AssertFails(Action open)
        {
            var error = Assert.Throws<MlsException>(open);
            Assert.True(error.ErrorCode is MlsErrorCode.HpkeDecryptFailed or MlsErrorCode.InvalidKey, error.ErrorCode.ToString());
        }
    }

    [Theory]
    [InlineData(KemId.DhKemP256Sha256)]
    [InlineData(KemId.DhKemP384Sha384)]
    [InlineData(KemId.DhKemP521Sha512)]
    public void Nist_public_keys_off_the_curve_or_compressed_are_invalid(KemId id)
    {
        var kem = Kem.FromId(id);
        using var pair = kem.GenerateKeyPair();
        Assert.True(kem.IsValidPublicKey(pair.PublicKey));

        var offCurve = (byte[])pair.PublicKey.Clone();
        offCurve[^1] ^= 1;
        Assert.False(kem.IsValidPublicKey(offCurve));
        var compressed = (byte[])pair.PublicKey.Clone();
        compressed[0] = 0x02;
        Assert.False(kem.IsValidPublicKey(compressed));
        Assert.False(kem.IsValidPublicKey(pair.PublicKey.AsSpan(1)));

        var shared = new byte[kem.SharedSecretLength];
        var error = Assert.Throws<MlsException>(() => kem.Encap(offCurve, shared));
        Assert.Equal(MlsErrorCode.InvalidKey, error.ErrorCode);
        error = Assert.Throws<MlsException>(() => kem.Decap(offCurve, pair.PrivateKey, shared));
        Assert.Equal(MlsErrorCode.InvalidKey, error.ErrorCode);

        // Scalars of zero and of the group order itself are not private keys.
        error = Assert.Throws<MlsException>(() => kem.GetPublicKey(new byte[kem.PrivateKeyLength]));
        Assert.Equal(MlsErrorCode.InvalidKey, error.ErrorCode);
    }

    [Fact]
    public void P256_order_is_not_a_valid_private_key_but_order_minus_one_is()
    {
        var kem = Kem.DhKemP256;
        var order = Convert.FromHexString("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
        Assert.Equal(MlsErrorCode.InvalidKey, Assert.Throws<MlsException>(() => kem.GetPublicKey(order)).ErrorCode);
        order[^1]--;
        Assert.Equal(kem.PublicKeyLength, kem.GetPublicKey(order).Length);
    }

    [Theory]
    [InlineData(KemId.DhKemX25519Sha256)]
    [InlineData(KemId.DhKemX448Sha512)]
    public void Low_order_encapsulated_keys_are_refused(KemId id)
    {
        var kem = Kem.FromId(id);
        using var pair = kem.GenerateKeyPair();
        var shared = new byte[kem.SharedSecretLength];
        var error = Assert.Throws<MlsException>(() => kem.Decap(new byte[kem.EncapsulatedKeyLength], pair.PrivateKey, shared));
        Assert.Equal(MlsErrorCode.InvalidKey, error.ErrorCode);
        error = Assert.Throws<MlsException>(() => kem.Encap(new byte[kem.PublicKeyLength], shared));
        Assert.Equal(MlsErrorCode.InvalidKey, error.ErrorCode);
    }

    [Fact]
    public void Unknown_identifiers_are_reported_as_unsupported()
    {
        Assert.Equal(MlsErrorCode.UnsupportedCipherSuite, Assert.Throws<MlsException>(() => Kem.FromId((KemId)0x0030)).ErrorCode);
        Assert.Equal(MlsErrorCode.UnsupportedCipherSuite, Assert.Throws<MlsException>(() => Kdf.FromId((KdfId)0x0010)).ErrorCode);
        Assert.Equal(MlsErrorCode.UnsupportedCipherSuite, Assert.Throws<MlsException>(() => Aead.FromId((AeadId)0x0010)).ErrorCode);
    }

    [Fact]
    public void Hpke_ciphertext_structure_round_trips_and_rejects_random_bytes()
    {
        var value = new HpkeCiphertext([1, 2, 3], RandomNumberGenerator.GetBytes(70));
        var encoded = Slim.Mls.Codec.TlsCodec.Serialize(value);
        var decoded = Slim.Mls.Codec.TlsCodec.Deserialize<HpkeCiphertext>(encoded);
        Assert.Equal(value.KemOutput, decoded.KemOutput);
        Assert.Equal(value.Ciphertext, decoded.Ciphertext);

        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(40)];
            random.NextBytes(bytes);
            try
            {
                Slim.Mls.Codec.TlsCodec.Deserialize<HpkeCiphertext>(bytes);
            }
            catch (MlsDecodeException)
            {
            }
        }
    }
}
