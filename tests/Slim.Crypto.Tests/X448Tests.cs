using System.Security.Cryptography;
using Slim.Testing;
using BcX25519 = Org.BouncyCastle.Math.EC.Rfc7748.X25519;
using BcX448 = Org.BouncyCastle.Math.EC.Rfc7748.X448;

namespace Slim.Crypto.Tests;

public sealed class X448Tests
{
    // RFC 7748 section 6.2.
    private const string AlicePrivate = "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b";
    private const string AlicePublic = "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0";
    private const string BobPrivate = "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d";
    private const string BobPublic = "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609";
    private const string Shared = "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d";

    [Fact]
    public void Scalar_multiplication_matches_rfc7748_section_5_2()
    {
        var output = X448.Agree(
            Hex.Decode("3d262fddf9ec8e88495266fea19a34d28882acef045104d0d1aae121700a779c984c24f8cdd78fbff44943eba368f54b29259a4f1c600ad3"),
            Hex.Decode("06fce640fa3487bfda5f6cf2d5263f8aad88334cbd07437f020f08f9814dc031ddbdc38c19c6da2583fa5429db94ada18aa7a7fb4ef8a086"));
        Assert.Equal(
            "ce3e4ff95a60dc6697da1db1d85e6afbdf79b50a2412d7546d5f239fe14fbaadeb445fc66a01b0779d98223961111e21766282f73dd96b6f",
            Hex.Encode(output));
    }

    [Fact]
    public void Key_agreement_matches_rfc7748_section_6_2()
    {
        Assert.Equal(AlicePublic, Hex.Encode(X448.GetPublicKey(Hex.Decode(AlicePrivate))));
        Assert.Equal(BobPublic, Hex.Encode(X448.GetPublicKey(Hex.Decode(BobPrivate))));
        Assert.Equal(Shared, Hex.Encode(X448.Agree(Hex.Decode(AlicePrivate), Hex.Decode(BobPublic))));
        Assert.Equal(Shared, Hex.Encode(X448.Agree(Hex.Decode(BobPrivate), Hex.Decode(AlicePublic))));

        using var alice = CurvePrivateKey.Import(CurveAlgorithm.X448, Hex.Decode(AlicePrivate));
        var shared = new byte[56];
        alice.Agree(Hex.Decode(BobPublic), shared);
        Assert.Equal(Shared, Hex.Encode(shared));
    }

    [Fact]
    public void Low_order_peer_keys_are_refused()
    {
        // u = 0 and u = 1 produce an all-zero shared secret for every scalar (RFC 7748 section 6).
        Assert.Throws<CryptographicException>(() => X448.Agree(X448.GeneratePrivateKey(), new byte[56]));
        var one = new byte[56];
        one[0] = 1;
        Assert.Throws<CryptographicException>(() => X448.Agree(X448.GeneratePrivateKey(), one));
        Assert.Throws<CryptographicException>(() => X25519.Agree(X25519.GeneratePrivateKey(), new byte[32]));
    }

    [Fact]
    public void X448_and_X25519_agree_with_the_bouncycastle_oracle()
    {
        for (var i = 0; i < 16; i++)
        {
            var k448 = RandomNumberGenerator.GetBytes(56);
            var peer448 = X448.GetPublicKey(RandomNumberGenerator.GetBytes(56));
            var bcPub448 = new byte[56];
            BcX448.ScalarMultBase(k448, 0, bcPub448, 0);
            var bcShared448 = new byte[56];
            BcX448.ScalarMult(k448, 0, peer448, 0, bcShared448, 0);
            Assert.Equal(bcPub448, X448.GetPublicKey(k448));
            Assert.Equal(bcShared448, X448.Agree(k448, peer448));

            var k25519 = RandomNumberGenerator.GetBytes(32);
            var peer25519 = X25519.GetPublicKey(RandomNumberGenerator.GetBytes(32));
            var bcPub25519 = new byte[32];
            BcX25519.ScalarMultBase(k25519, 0, bcPub25519, 0);
            var bcShared25519 = new byte[32];
            BcX25519.ScalarMult(k25519, 0, peer25519, 0, bcShared25519, 0);
            Assert.Equal(bcPub25519, X25519.GetPublicKey(k25519));
            Assert.Equal(bcShared25519, X25519.Agree(k25519, peer25519));
        }
    }
}
