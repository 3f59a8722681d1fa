using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Slim.Testing;

namespace Slim.Crypto.Tests;

/// <summary>
/// <see cref="EcdsaPublicKey"/> (OpenSSL verification with partial key validation) against the MLS test vectors
/// (SignWithLabel of suites 2, 7 and 5) and against the BCL on random keys, signatures and tampering.
/// </summary>
public sealed class EcdsaTests
{
    public static TheoryData<EcCurve> Curves() => [EcCurve.P256, EcCurve.P384, EcCurve.P521];

    private static (ECCurve Named, HashAlgorithmName Hash, BigInteger Order) Parameters(EcCurve curve) => curve switch
    {
        EcCurve.P256 => (ECCurve.NamedCurves.nistP256, HashAlgorithmName.SHA256, Order("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")),
        EcCurve.P384 => (ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384, Order("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973")),
        _ => (ECCurve.NamedCurves.nistP521, HashAlgorithmName.SHA512, Order("01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" + "fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409")),
    };

    [Theory]
    [InlineData(2, EcCurve.P256)]
    [InlineData(7, EcCurve.P384)]
    [InlineData(5, EcCurve.P521)]
    public void Mls_sign_with_label_vectors_verify(int suite, EcCurve curve)
    {
        Assert.True(EcdsaPublicKey.IsSupported, "OpenSSL 3 is expected on the CI image");
        using var json = JsonDocument.Parse(File.ReadAllText(SharedReference.File("mls-test-vectors", "crypto-basics.json")));
        var vector = json.RootElement.EnumerateArray().Single(v => v.GetProperty("cipher_suite").GetInt32() == suite).GetProperty("sign_with_label");
        var content = Hex.Decode(vector.GetProperty("content").GetString()!);
        var label = Encoding.UTF8.GetBytes("MLS 1.0 " + vector.GetProperty("label").GetString());
        byte[] signContent = [.. Varint(label.Length), .. label, .. Varint(content.Length), .. content];
        var signature = Hex.Decode(vector.GetProperty("signature").GetString()!);

        using var key = EcdsaPublicKey.Import(curve, Hex.Decode(vector.GetProperty("pub").GetString()!));
        var hash = Parameters(curve).Hash;
        Assert.True(key.VerifyData(signContent, signature, hash));
        signContent[^1] ^= 1;
        Assert.False(key.VerifyData(signContent, signature, hash));
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Verification_agrees_with_the_bcl_on_valid_tampered_and_high_s_signatures(EcCurve curve)
    {
        var (named, hash, order) = Parameters(curve);
        for (var i = 0; i < 8; i++)
        {
            using var bcl = ECDsa.Create(named);
            using var ours = EcdsaPublicKey.Import(curve, Point(bcl));
            Assert.Equal(Point(bcl), ours.PublicKey.ToArray());
            var data = RandomNumberGenerator.GetBytes(1 + (i * 37));
            var signature = bcl.SignData(data, hash, DSASignatureFormat.Rfc3279DerSequence);
            Assert.True(ours.VerifyData(data, signature, hash));
            Assert.True(ours.VerifyHash(Digest(data, hash), signature));

            // (r, n - s) is valid too: ECDSA has no low-s rule, and both sides agree.
            var highS = Der(bcl.SignData(data, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation), order, flipS: true);
            Assert.Equal(bcl.VerifyData(data, highS, hash, DSASignatureFormat.Rfc3279DerSequence), ours.VerifyData(data, highS, hash));
            Assert.True(ours.VerifyData(data, highS, hash));

            var otherData = (byte[])data.Clone();
            otherData[0] ^= 0x80;
            Assert.False(ours.VerifyData(otherData, signature, hash));
            for (var bit = 0; bit < 4; bit++)
            {
                var tampered = (byte[])signature.Clone();
                tampered[RandomNumberGenerator.GetInt32(tampered.Length)] ^= (byte)(1 << RandomNumberGenerator.GetInt32(8));
                Assert.Equal(BclVerifies(bcl, data, tampered, hash), ours.VerifyData(data, tampered, hash));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Garbage_and_non_canonical_signatures_do_not_verify_and_never_throw(EcCurve curve)
    {
        var (named, hash, order) = Parameters(curve);
        using var bcl = ECDsa.Create(named);
        using var ours = EcdsaPublicKey.Import(curve, Point(bcl));
        var data = RandomNumberGenerator.GetBytes(64);
        for (var i = 0; i < 50; i++)
        {
            Assert.False(ours.VerifyData(data, RandomNumberGenerator.GetBytes(1 + RandomNumberGenerator.GetInt32(150)), hash));
        }

        Assert.False(ours.VerifyData(data, [], hash));
        Assert.False(ours.VerifyHash([], [0x30, 0x00]));

        // A valid signature with a needless leading zero on r is BER, not DER: refused.
        var (r, s) = RS(bcl.SignData(data, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        var padded = Sequence([.. Integer(r, extraZero: true), .. Integer(s, extraZero: false)]);
        Assert.False(ours.VerifyData(data, padded, hash));
        Assert.True(ours.VerifyData(data, Sequence([.. Integer(r, extraZero: false), .. Integer(s, extraZero: false)]), hash));
        Assert.Throws<ArgumentException>(() => ours.VerifyData(data, padded, HashAlgorithmName.MD5));
        _ = order;
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Keys_that_are_not_points_of_the_curve_are_refused(EcCurve curve)
    {
        using var bcl = ECDsa.Create(Parameters(curve).Named);
        var point = Point(bcl);
        var offCurve = (byte[])point.Clone();
        offCurve[^1] ^= 1;
        Assert.Throws<CryptographicException>(() => EcdsaPublicKey.Import(curve, offCurve));
        Assert.False(EcdsaPublicKey.TryImport(curve, offCurve, out _));

        var zeros = new byte[point.Length];
        zeros[0] = 4;
        Assert.False(EcdsaPublicKey.TryImport(curve, zeros, out _));

        // x = the field prime (out of range) with any y.
        var primeX = (byte[])point.Clone();
        var coordinate = (point.Length - 1) / 2;
        var prime = curve switch
        {
            EcCurve.P256 => Hex.Decode("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"),
            EcCurve.P384 => Hex.Decode("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff"),
            _ => Hex.Decode("01ff" + new string('f', 128)),
        };
        prime.CopyTo(primeX, 1);
        Assert.Equal(coordinate, prime.Length);
        Assert.False(EcdsaPublicKey.TryImport(curve, primeX, out _));

        var compressed = point[..(1 + coordinate)];
        compressed[0] = 2;
        Assert.Throws<ArgumentException>(() => EcdsaPublicKey.Import(curve, compressed));
        Assert.False(EcdsaPublicKey.TryImport(curve, point[..^1], out _));
        Assert.True(EcdsaPublicKey.TryImport(curve, point, out var key));
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.VerifyHash([1], [0x30, 0x00]));
    }

    // RFC 9420 section 2.1.2 variable-length integers, for the lengths used here (below 16384).
    private static byte[] Varint(int length) => length < 64 ? [(byte)length] : [(byte)(0x40 | (length >> 8)), (byte)length];

    private static BigInteger Order(string hex) => new(Convert.FromHexString(hex), isUnsigned: true, isBigEndian: true);

    private static byte[] Point(ECDsa key)
    {
        var q = key.ExportParameters(false).Q;
        return [0x04, .. q.X!, .. q.Y!];
    }

    private static byte[] Digest(byte[] data, HashAlgorithmName hash) => hash.Name switch
    {
        "SHA256" => SHA256.HashData(data),
        "SHA384" => SHA384.HashData(data),
        _ => SHA512.HashData(data),
    };

    private static bool BclVerifies(ECDsa key, byte[] data, byte[] signature, HashAlgorithmName hash)
    {
        try
        {
            return key.VerifyData(data, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static (BigInteger R, BigInteger S) RS(byte[] p1363)
    {
        var half = p1363.Length / 2;
        return (new BigInteger(p1363.AsSpan(0, half), isUnsigned: true, isBigEndian: true), new BigInteger(p1363.AsSpan(half), isUnsigned: true, isBigEndian: true));
    }

    private static byte[] Der(byte[] p1363, BigInteger order, bool flipS)
    {
        var (r, s) = RS(p1363);
        return Sequence([.. Integer(r, extraZero: false), .. Integer(flipS ? order - s : s, extraZero: false)]);
    }

    private static byte[] Integer(BigInteger value, bool extraZero)
    {
        var bytes = value.ToByteArray(isUnsigned: false, isBigEndian: true); // minimal two's complement: a 0x00 is added only when needed
        byte[] content = extraZero ? [0x00, .. bytes] : bytes;
        return [0x02, .. Length(content.Length), .. content];
    }

    private static byte[] Sequence(byte[] content) => [0x30, .. Length(content.Length), .. content];

    private static byte[] Length(int length) => length < 0x80 ? [(byte)length] : [0x81, (byte)length];
}
