using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Slim.Identity;

namespace Slim.Session.Tests.Fakes;

/// <summary>
/// Test-only identity in the official shared-secret token format (<c>id:ts:nonce:claims:mac</c>, claims
/// <c>{"pubkey": base64(65-byte P-256 point)}</c>, mac = base64url(HMAC-SHA256(secret, "id:ts:nonce:claims"))), with a
/// P-256 key signing the e2e header signatures. The real providers live in Slim.Identity.
/// </summary>
internal sealed class TestIdentity : IIdentityProvider, IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _secret;
    private readonly TimeProvider _time;

    public TestIdentity(string name, string secret, TimeProvider time, string? suffix = null)
    {
        _secret = secret;
        _time = time;
        Id = $"{name}_{suffix ?? RandomSuffix()}";
        var q = _key.ExportParameters(false).Q;
        PublicKey = (byte[])[0x04, .. q.X!, .. q.Y!];
    }

    public string Id { get; }

    public SignatureAlgorithm SignatureAlgorithm => SignatureAlgorithm.EcdsaP256Sha256;

    public ReadOnlyMemory<byte> PublicKey { get; }

    /// <summary>Shifts the token timestamps (negative: old tokens, to test expiry).</summary>
    public TimeSpan TokenAge { get; set; }

    /// <summary>Signs with another key than the one in the token (to test signature checks).</summary>
    public bool SignWithWrongKey { get; set; }

    public string GetToken() => CreateToken(_time.GetUtcNow() - TokenAge);

    public string CreateToken(DateTimeOffset issuedAt)
    {
        var ts = issuedAt.ToUnixTimeSeconds();
        var nonce = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12));
        var claims = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new { pubkey = Convert.ToBase64String(PublicKey.Span) }));
        var preimage = $"{Id}:{ts}:{nonce}:{claims}";
        var mac = Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(_secret), Encoding.UTF8.GetBytes(preimage)));
        return $"{preimage}:{mac}";
    }

    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        if (SignWithWrongKey)
        {
            using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return other.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }

        return _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    public void Dispose() => _key.Dispose();

    private static string RandomSuffix()
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(8, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
            }
        });
    }
}

/// <summary>Test-only verifier of <see cref="TestIdentity"/> tokens: MAC, 5 s clock skew, 3600 s lifetime.</summary>
internal sealed class TestVerifier(string secret, TimeProvider time) : IIdentityVerifier
{
    public int Verifications { get; private set; }

    public ValueTask<IdentityVerification> VerifyAsync(string token, CancellationToken cancellationToken = default)
    {
        Verifications++;
        return ValueTask.FromResult(Verify(token));
    }

    private IdentityVerification Verify(string token)
    {
        var parts = token.Split(':');
        if (parts.Length != 5 || parts[0].Length == 0 || !long.TryParse(parts[1], out var ts))
        {
            return IdentityVerification.Failure("malformed token");
        }

        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(string.Join(':', parts[..4])));
        byte[] given;
        try
        {
            given = Base64Url.DecodeFromChars(parts[4]);
        }
        catch (FormatException)
        {
            return IdentityVerification.Failure("malformed mac");
        }

        if (!CryptographicOperations.FixedTimeEquals(mac, given))
        {
            return IdentityVerification.Failure("bad mac");
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        if (ts > now + 5)
        {
            return IdentityVerification.Failure("issued in the future");
        }

        if (now - ts > 3600)
        {
            return IdentityVerification.Failure("expired");
        }

        using var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[3]));
        var root = claims.RootElement;
        var pubkey = root.TryGetProperty("pubkey", out var top)
            ? top.GetString()
            : root.TryGetProperty("custom_claims", out var custom) && custom.TryGetProperty("pubkey", out var nested) ? nested.GetString() : null;
        var issued = DateTimeOffset.FromUnixTimeSeconds(ts);
        return IdentityVerification.Success(new VerifiedIdentity(
            parts[0], issued, issued.AddSeconds(3600), pubkey is null ? ReadOnlyMemory<byte>.Empty : Convert.FromBase64String(pubkey)));
    }
}
