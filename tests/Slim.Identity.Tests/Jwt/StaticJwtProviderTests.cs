using System.Security.Cryptography;
using Slim.Identity.Jwt;
using Slim.Identity.Signatures;
using Slim.Identity.Tests.Support;
using Slim.Protocol;
using Slim.Testing;

namespace Slim.Identity.Tests.Jwt;

public sealed class StaticJwtProviderTests : IDisposable
{
    private readonly ECDsa _issuer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _directory = Directory.CreateTempSubdirectory("slim-identity-").FullName;
    private readonly ManualTimeProvider _clock = new(JwtFactory.Now);

    public void Dispose()
    {
        _issuer.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void The_token_file_is_served_and_reread_when_it_changes()
    {
        using var appKey = SigningKey.GenerateEcdsaP256();
        var pubkey = Convert.ToBase64String(appKey.PublicKey.Span);
        var first = JwtFactory.Es256(_issuer, JwtFactory.Claims("spiffe://example.org/app", ("pubkey", pubkey)));
        var second = JwtFactory.Es256(_issuer, JwtFactory.Claims("spiffe://example.org/app", ("pubkey", pubkey), ("iat", JwtFactory.Now.ToUnixTimeSeconds() + 1)));
        var path = Write("token.jwt", first + "\n", 0);

        using var provider = new StaticJwtIdentityProvider(path, new StaticJwtProviderOptions { SigningKey = appKey, TimeProvider = _clock });
        Assert.Equal("spiffe://example.org/app", provider.Id);
        Assert.Equal(first, provider.GetToken());
        Assert.Equal(appKey.PublicKey.ToArray(), provider.PublicKey.ToArray());

        // A new token: seen once the reload interval (1 s) has passed.
        Write("token.jwt", second, 1);
        Assert.Equal(first, provider.GetToken());
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(second, provider.GetToken());

        // Garbage, another subject or another key: the previous token stays.
        foreach (var (bad, stamp) in new[]
        {
            ("not a jwt", 2),
            (JwtFactory.Es256(_issuer, JwtFactory.Claims("spiffe://example.org/eve", ("pubkey", pubkey))), 3),
            (JwtFactory.Es256(_issuer, JwtFactory.Claims("spiffe://example.org/app", ("pubkey", "AQID"))), 4),
        })
        {
            Write("token.jwt", bad, stamp);
            _clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(second, provider.GetToken());
        }

        // The file disappears (rotation in progress): the previous token stays too.
        File.Delete(path);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(second, provider.GetToken());
    }

    [Fact]
    public void A_token_without_pubkey_runs_with_a_generated_key()
    {
        var path = Write("plain.jwt", JwtFactory.Es256(_issuer, JwtFactory.Claims("org/ns/app")), 0);
        using var provider = new StaticJwtIdentityProvider(path, new StaticJwtProviderOptions { TimeProvider = _clock });
        Assert.Equal("org/ns/app", provider.Id);
        Assert.Equal(65, provider.PublicKey.Length);
        Assert.True(SignatureVerifier.Verify(provider.SignatureAlgorithm, provider.PublicKey.Span, [1, 2], provider.Sign([1, 2])));
    }

    [Fact]
    public void Unusable_files_are_typed_errors()
    {
        Assert.Equal(SlimErrorCode.IdentityTokenUnavailable, Assert.Throws<SlimIdentityException>(() =>
            new StaticJwtIdentityProvider(Path.Combine(_directory, "missing.jwt"))).ErrorCode);
        Assert.Equal(SlimErrorCode.IdentityConfigurationInvalid, Assert.Throws<SlimIdentityException>(() =>
            new StaticJwtIdentityProvider(Write("garbage.jwt", "garbage", 0))).ErrorCode);
        Assert.Equal(SlimErrorCode.IdentityConfigurationInvalid, Assert.Throws<SlimIdentityException>(() =>
            new StaticJwtIdentityProvider(Write("nosub.jwt", JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("sub", null))), 0))).ErrorCode);

        // A pubkey claim the app holds no private key for.
        var withKey = Write("key.jwt", JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("pubkey", "AQID"))), 0);
        Assert.Equal(SlimErrorCode.IdentityKeyMismatch, Assert.Throws<SlimIdentityException>(() => new StaticJwtIdentityProvider(withKey)).ErrorCode);
        using var other = SigningKey.GenerateEcdsaP256();
        Assert.Equal(SlimErrorCode.IdentityKeyMismatch, Assert.Throws<SlimIdentityException>(() =>
            new StaticJwtIdentityProvider(withKey, new StaticJwtProviderOptions { SigningKey = other })).ErrorCode);
    }

    /// <summary>Writes a file with a distinct modification time per <paramref name="stamp"/> (no reliance on clock resolution).</summary>
    private string Write(string name, string content, int stamp)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(stamp));
        return path;
    }
}
