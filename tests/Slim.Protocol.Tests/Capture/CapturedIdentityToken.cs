using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Slim.Protocol.Tests.Capture;

/// <summary>
/// Test-only reading of the shared-secret identity tokens found in the captures:
/// <c>id:unix_ts:nonce:base64url(claims json):base64url(HMAC-SHA256(secret, "id:ts:nonce:claims"))</c>, claims
/// <c>{"pubkey": base64 std of the 65-byte uncompressed P-256 point}</c>. The SDK owns the real identity layer.
/// </summary>
internal sealed record CapturedIdentityToken(string Id, string Timestamp, string Nonce, string Claims, string Mac, byte[] PublicKey)
{
    /// <summary>The shared secret of the capture harness (a throwaway test value, see realslim-capture/README.md).</summary>
    public const string HarnessSecret = "realslim-harness-shared-secret-0123456789abcdef";

    public static CapturedIdentityToken Parse(string token)
    {
        var parts = token.Split(':');
        Assert.Equal(5, parts.Length);
        using var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[3]));
        var root = claims.RootElement;
        var pubkey = root.TryGetProperty("pubkey", out var top)
            ? top.GetString()
            : root.GetProperty("custom_claims").GetProperty("pubkey").GetString();
        var key = Convert.FromBase64String(pubkey!);
        Assert.Equal(65, key.Length);
        Assert.Equal(0x04, key[0]);
        return new CapturedIdentityToken(parts[0], parts[1], parts[2], parts[3], parts[4], key);
    }

    /// <summary>True when the token's MAC verifies with the harness secret.</summary>
    public bool MacVerifies(string secret = HarnessSecret)
    {
        var mac = HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{Id}:{Timestamp}:{Nonce}:{Claims}"));
        return Base64Url.EncodeToString(mac) == Mac;
    }

    /// <summary>Verifies a DER ECDSA-P256-SHA256 signature with the token's public key.</summary>
    public bool SignatureVerifies(byte[] data, byte[] derSignature)
    {
        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = PublicKey[1..33], Y = PublicKey[33..] },
        });
        return ecdsa.VerifyData(data, derSignature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }
}
