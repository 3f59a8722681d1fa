using System.Security.Cryptography;
using Slim.Testing;
using BcEd25519 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;
using BcEd448 = Org.BouncyCastle.Math.EC.Rfc8032.Ed448;

namespace Slim.Crypto.Tests;

public sealed class EdDsaTests
{
    // RFC 8032 section 7.1 (Ed25519): TEST 1, 2, 3 and SHA(abc).
    public static readonly TheoryData<string, string, string, string> Ed25519Vectors = new()
    {
        {
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        },
        {
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        },
        {
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
        },
        {
            "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
            "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"
        },
    };

    // RFC 8032 section 7.4 (Ed448, empty context): "-----Blank" and "-----1 octet".
    public static readonly TheoryData<string, string, string, string> Ed448Vectors = new()
    {
        {
            "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b",
            "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180",
            "",
            "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600"
        },
        {
            "c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e",
            "43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480",
            "03",
            "26b8f91727bd62897af15e41eb43c377efb9c610d48f2335cb0bd0087810f4352541b143c4b981b7e18f62de8ccdf633fc1bf037ab7cd779805e0dbcc0aae1cbcee1afb2e027df36bc04dcecbf154336c19f0af7e0a6472905e799f1953d2a0ff3348ab21aa4adafd1d234441cf807c03a00"
        },
    };

    [Theory]
    [MemberData(nameof(Ed25519Vectors))]
    public void Ed25519_matches_rfc8032(string secret, string pub, string message, string signature)
    {
        Assert.Equal(pub, Hex.Encode(Ed25519.GetPublicKey(Hex.Decode(secret))));
        Assert.Equal(signature, Hex.Encode(Ed25519.Sign(Hex.Decode(secret), Hex.Decode(message))));
        Assert.True(Ed25519.Verify(Hex.Decode(pub), Hex.Decode(message), Hex.Decode(signature)));

        using var key = CurvePrivateKey.Import(CurveAlgorithm.Ed25519, Hex.Decode(secret));
        Assert.Equal(pub, Hex.Encode(key.PublicKey));
        Assert.Equal(signature, Hex.Encode(key.Sign(Hex.Decode(message))));
        using var verifier = CurvePublicKey.Import(CurveAlgorithm.Ed25519, Hex.Decode(pub));
        Assert.True(verifier.Verify(Hex.Decode(message), Hex.Decode(signature)));
    }

    [Theory]
    [MemberData(nameof(Ed448Vectors))]
    public void Ed448_matches_rfc8032(string secret, string pub, string message, string signature)
    {
        Assert.Equal(pub, Hex.Encode(Ed448.GetPublicKey(Hex.Decode(secret))));
        Assert.Equal(signature, Hex.Encode(Ed448.Sign(Hex.Decode(secret), Hex.Decode(message))));
        Assert.True(Ed448.Verify(Hex.Decode(pub), Hex.Decode(message), Hex.Decode(signature)));

        using var key = CurvePrivateKey.Import(CurveAlgorithm.Ed448, Hex.Decode(secret));
        Assert.Equal(signature, Hex.Encode(key.Sign(Hex.Decode(message))));
        using var verifier = CurvePublicKey.Import(CurveAlgorithm.Ed448, Hex.Decode(pub));
        Assert.True(verifier.Verify(Hex.Decode(message), Hex.Decode(signature)));
    }

    [Fact]
    public void Tampered_signatures_messages_and_keys_are_rejected()
    {
        var seed = Ed25519.GeneratePrivateKey();
        var pub = Ed25519.GetPublicKey(seed);
        var message = "hello"u8.ToArray();
        var signature = Ed25519.Sign(seed, message);
        Assert.True(Ed25519.Verify(pub, message, signature));

        for (var i = 0; i < signature.Length; i += 7)
        {
            var bad = (byte[])signature.Clone();
            bad[i] ^= 0x01;
            Assert.False(Ed25519.Verify(pub, message, bad));
        }

        Assert.False(Ed25519.Verify(pub, "hellp"u8, signature));
        Assert.False(Ed25519.Verify(pub, message, signature.AsSpan(0, 63)));
        Assert.False(Ed25519.Verify(pub.AsSpan(0, 31), message, signature));
        Assert.False(Ed25519.Verify(Ed25519.GetPublicKey(Ed25519.GeneratePrivateKey()), message, signature));

        var seed448 = Ed448.GeneratePrivateKey();
        var sig448 = Ed448.Sign(seed448, message);
        sig448[5] ^= 0x80;
        Assert.False(Ed448.Verify(Ed448.GetPublicKey(seed448), message, sig448));
    }

    [Fact]
    public void Ed25519_agrees_with_the_bouncycastle_oracle_on_random_keys_and_messages()
    {
        for (var i = 0; i < 24; i++)
        {
            var seed = RandomNumberGenerator.GetBytes(32);
            var message = RandomNumberGenerator.GetBytes(i * 13);
            var bcPub = new byte[32];
            BcEd25519.GeneratePublicKey(seed, 0, bcPub, 0);
            var bcSig = new byte[64];
            BcEd25519.Sign(seed, 0, message, 0, message.Length, bcSig, 0);

            Assert.Equal(bcPub, Ed25519.GetPublicKey(seed));
            Assert.Equal(bcSig, Ed25519.Sign(seed, message)); // EdDSA is deterministic
            var ours = Ed25519.Sign(seed, message);
            Assert.True(BcEd25519.Verify(ours, 0, bcPub, 0, message, 0, message.Length));
        }
    }

    [Fact]
    public void Ed448_agrees_with_the_bouncycastle_oracle_on_random_keys_and_messages()
    {
        for (var i = 0; i < 12; i++)
        {
            var seed = RandomNumberGenerator.GetBytes(57);
            var message = RandomNumberGenerator.GetBytes(i * 29);
            var bcPub = new byte[57];
            BcEd448.GeneratePublicKey(seed, 0, bcPub, 0);
            var bcSig = new byte[114];
            BcEd448.Sign(seed, 0, [], message, 0, message.Length, bcSig, 0);

            Assert.Equal(bcPub, Ed448.GetPublicKey(seed));
            Assert.Equal(bcSig, Ed448.Sign(seed, message));
            Assert.True(Ed448.Verify(bcPub, message, bcSig));
        }
    }

    [Fact]
    public void Key_objects_export_the_seed_they_were_built_from_and_refuse_the_wrong_operation()
    {
        using var key = CurvePrivateKey.Generate(CurveAlgorithm.Ed25519);
        var seed = new byte[32];
        key.ExportPrivateKey(seed);
        Assert.Equal(Ed25519.GetPublicKey(seed), key.PublicKey.ToArray());
        Assert.Throws<InvalidOperationException>(() => key.Agree(new byte[32], new byte[32]));
        Assert.Throws<ArgumentException>(() => CurvePrivateKey.Import(CurveAlgorithm.Ed25519, new byte[31]));
    }
}
