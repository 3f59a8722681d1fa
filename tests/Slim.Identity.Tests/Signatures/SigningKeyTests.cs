using System.Security.Cryptography;
using Slim.Identity.Signatures;
using Slim.Protocol;

namespace Slim.Identity.Tests.Signatures;

public sealed class SigningKeyTests
{
    private static readonly byte[] Data = "header integrity aad"u8.ToArray();

    [Fact]
    public void A_P256_key_signs_DER_signatures_its_public_key_verifies()
    {
        using var key = SigningKey.GenerateEcdsaP256();
        Assert.Equal(SignatureAlgorithm.EcdsaP256Sha256, key.Algorithm);
        Assert.Equal(65, key.PublicKey.Length);
        Assert.Equal(0x04, key.PublicKey.Span[0]);

        var signature = key.Sign(Data);
        Assert.InRange(signature.Length, 8, 72);
        Assert.Equal(0x30, signature[0]); // DER SEQUENCE
        Assert.True(SignatureVerifier.Verify(SignatureAlgorithm.EcdsaP256Sha256, key.PublicKey.Span, Data, signature));
        Assert.False(SignatureVerifier.Verify(SignatureAlgorithm.EcdsaP256Sha256, key.PublicKey.Span, "other"u8, signature));
        Assert.False(SignatureVerifier.Verify(SignatureAlgorithm.Ed25519, key.PublicKey.Span, Data, signature));

        // An independent check with the BCL, from the raw point.
        using var bcl = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = key.PublicKey.Span[1..33].ToArray(), Y = key.PublicKey.Span[33..].ToArray() },
        });
        Assert.True(bcl.VerifyData(Data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public void Exporting_and_importing_the_scalar_keeps_the_key()
    {
        using var key = SigningKey.GenerateEcdsaP256();
        var scalar = key.ExportPrivateKey();
        Assert.Equal(32, scalar.Length);
        using var copy = SigningKey.ImportEcdsaP256(scalar);
        Assert.Equal(key.PublicKey.ToArray(), copy.PublicKey.ToArray());
        Assert.True(SignatureVerifier.Verify(SignatureAlgorithm.EcdsaP256Sha256, key.PublicKey.Span, Data, copy.Sign(Data)));

        Assert.Equal(SlimErrorCode.IdentityKeyInvalid, Assert.Throws<SlimIdentityException>(() => SigningKey.ImportEcdsaP256(new byte[31])).ErrorCode);
        Assert.Equal(SlimErrorCode.IdentityKeyInvalid, Assert.Throws<SlimIdentityException>(() => SigningKey.ImportEcdsaP256(new byte[32])).ErrorCode);
    }

    [Fact]
    public void PEM_keys_load_when_they_hold_a_P256_private_key()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var sec1 = SigningKey.FromPem(ecdsa.ExportECPrivateKeyPem());
        using var pkcs8 = SigningKey.FromPem(ecdsa.ExportPkcs8PrivateKeyPem());
        Assert.Equal(sec1.PublicKey.ToArray(), pkcs8.PublicKey.ToArray());

        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);
        foreach (var pem in new[] { p384.ExportECPrivateKeyPem(), ecdsa.ExportSubjectPublicKeyInfoPem(), rsa.ExportPkcs8PrivateKeyPem(), "garbage", "" })
        {
            var ex = Assert.Throws<SlimIdentityException>(() => SigningKey.FromPem(pem));
            Assert.Equal(SlimErrorCode.IdentityKeyInvalid, ex.ErrorCode);
        }
    }

    [Fact]
    public void A_disposed_key_refuses_to_sign()
    {
        var key = SigningKey.GenerateEcdsaP256();
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Sign(Data));
        Assert.Throws<ObjectDisposedException>(() => key.ExportPrivateKey());
        key.Dispose();
    }

    [Fact]
    public void Algorithms_are_detected_from_the_pubkey_encoding()
    {
        Assert.True(SignatureVerifier.TryDetectAlgorithm(new byte[65].AsSpan().ToArray().Select((b, i) => i == 0 ? (byte)4 : b).ToArray(), out var p256));
        Assert.Equal(SignatureAlgorithm.EcdsaP256Sha256, p256);
        Assert.True(SignatureVerifier.TryDetectAlgorithm(new byte[32], out var ed));
        Assert.Equal(SignatureAlgorithm.Ed25519, ed);
        Assert.False(SignatureVerifier.TryDetectAlgorithm(new byte[65], out _)); // no 0x04 prefix
        Assert.False(SignatureVerifier.TryDetectAlgorithm(new byte[33], out _)); // compressed points are not used
        Assert.True(SignatureVerifier.IsSupported(SignatureAlgorithm.EcdsaP256Sha256));
    }

    [Fact]
    public void Random_keys_and_signatures_never_verify_and_never_throw()
    {
        using var key = SigningKey.GenerateEcdsaP256();
        var good = key.Sign(Data);
        var random = new Random(42);
        for (var i = 0; i < 500; i++)
        {
            var publicKey = i % 3 == 0 ? key.PublicKey.ToArray() : RandomBytes(random, random.Next(0, 100), i % 2 == 0 ? (byte)4 : null);
            var signature = i % 3 == 0 ? Mutate(random, good) : RandomBytes(random, random.Next(0, 90), i % 5 == 0 ? (byte)0x30 : null);
            Assert.False(SignatureVerifier.Verify(SignatureAlgorithm.EcdsaP256Sha256, publicKey, Data, signature));
        }
    }

    private static byte[] RandomBytes(Random random, int length, byte? first)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        if (first is { } f && length > 0)
        {
            bytes[0] = f;
        }

        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] signature)
    {
        var copy = (byte[])signature.Clone();
        copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return copy;
    }
}
