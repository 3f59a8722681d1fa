using System.Security.Cryptography;
using Slim.Testing;

namespace Slim.Crypto.Tests;

public sealed class EcdhTests
{
    public static TheoryData<EcCurve> Curves() => [EcCurve.P256, EcCurve.P384, EcCurve.P521];

    [Fact]
    public void P256_matches_rfc5903_section_8_1()
    {
        Assert.True(EcdhPrivateKey.IsSupported, "OpenSSL 3 is expected on the CI image");
        using var initiator = EcdhPrivateKey.Import(EcCurve.P256, Hex.Decode("c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433"));
        Assert.Equal(
            "04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c37725811805271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
            Hex.Encode(initiator.PublicKey));
        using var responder = EcdhPrivateKey.Import(EcCurve.P256, Hex.Decode("c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53"));
        Assert.Equal(
            "04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf6356fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
            Hex.Encode(responder.PublicKey));

        var shared = new byte[32];
        initiator.Agree(responder.PublicKey, shared);
        Assert.Equal("d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de", Hex.Encode(shared));
        responder.Agree(initiator.PublicKey, shared);
        Assert.Equal("d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de", Hex.Encode(shared));
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Keys_and_shared_secrets_agree_with_the_bcl(EcCurve curve)
    {
        var named = curve switch
        {
            EcCurve.P256 => ECCurve.NamedCurves.nistP256,
            EcCurve.P384 => ECCurve.NamedCurves.nistP384,
            _ => ECCurve.NamedCurves.nistP521,
        };
        for (var i = 0; i < 6; i++)
        {
            using var ours = EcdhPrivateKey.Generate(curve);
            var scalar = new byte[ours.PublicKey.Length / 2];
            ours.ExportPrivateKey(scalar);
            using var reimported = EcdhPrivateKey.Import(curve, scalar);
            Assert.Equal(ours.PublicKey.ToArray(), reimported.PublicKey.ToArray());

            using var bcl = ECDiffieHellman.Create(named);
            var q = bcl.ExportParameters(false).Q;
            var bclPoint = new byte[ours.PublicKey.Length];
            bclPoint[0] = 4;
            q.X!.CopyTo(bclPoint, 1);
            q.Y!.CopyTo(bclPoint, 1 + q.X.Length);

            var shared = new byte[scalar.Length];
            ours.Agree(bclPoint, shared);
            using var ourPublic = ECDiffieHellman.Create(new ECParameters { Curve = named, D = scalar });
            Assert.Equal(bcl.DeriveRawSecretAgreement(ourPublic.PublicKey), shared);
        }
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Invalid_points_and_scalars_are_refused(EcCurve curve)
    {
        using var key = EcdhPrivateKey.Generate(curve);
        var shared = new byte[key.PublicKey.Length / 2];
        var offCurve = key.PublicKey.ToArray();
        offCurve[^1] ^= 1;
        Assert.Throws<CryptographicException>(() => key.Agree(offCurve, shared));
        var compressed = key.PublicKey.ToArray();
        compressed[0] = 2;
        Assert.Throws<ArgumentException>(() => key.Agree(compressed, shared));
        Assert.Throws<ArgumentException>(() => key.Agree(key.PublicKey[..^1], shared));

        var zero = new byte[shared.Length];
        Assert.False(EcdhPrivateKey.IsValidPrivateKey(curve, zero));
        Assert.Throws<ArgumentException>(() => EcdhPrivateKey.Import(curve, zero));
        var ones = Enumerable.Repeat((byte)0xFF, shared.Length).ToArray();
        Assert.False(EcdhPrivateKey.IsValidPrivateKey(curve, ones));
        zero[^1] = 1;
        Assert.True(EcdhPrivateKey.IsValidPrivateKey(curve, zero));
    }
}
