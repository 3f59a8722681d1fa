using System.Security.Cryptography;
using Slim.Identity.Jwt;
using Slim.Identity.Tests.Support;
using Slim.Testing;

namespace Slim.Identity.Tests.Jwt;

/// <summary>JWKS fetched over HTTP from a tiny server on 127.0.0.1 port 0.</summary>
public sealed class JwksTests : IDisposable
{
    private const string JwksPath = "/keys.json";
    private readonly ECDsa _k1 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _k2 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ManualTimeProvider _clock = new(JwtFactory.Now);

    public void Dispose()
    {
        _k1.Dispose();
        _k2.Dispose();
    }

    [Fact]
    public async Task Keys_are_fetched_once_and_cached_for_the_cache_duration()
    {
        var jwks = JwtFactory.Jwks((_k1, "k1", "sig"));
        await using var server = new TinyHttpServer(path => path == JwksPath ? (200, jwks) : (404, "{}"));
        using var keys = JwtKeySource.FromJwksUri(new Uri(server.BaseAddress, JwksPath), new JwksOptions { TimeProvider = _clock });
        var verifier = new JwtIdentityVerifier(new JwtVerifierOptions { Keys = keys, TimeProvider = _clock });

        for (var i = 0; i < 3; i++)
        {
            var result = await Verify(verifier, JwtFactory.Es256(_k1, JwtFactory.Claims(), kid: "k1"));
            Assert.True(result.IsValid, result.Error);
        }

        Assert.Equal(1, server.Hits(JwksPath));

        // After the cache duration (1 h) the next verification fetches again.
        _clock.Advance(TimeSpan.FromHours(1));
        var late = await Verify(verifier, JwtFactory.Es256(_k1, JwtFactory.Claims(extra: ("exp", _clock.GetUtcNow().ToUnixTimeSeconds() + 60)), kid: "k1"));
        Assert.True(late.IsValid, late.Error);
        Assert.Equal(2, server.Hits(JwksPath));
    }

    [Fact]
    public async Task An_unknown_kid_refreshes_the_keys_at_most_once_per_interval()
    {
        var jwks = JwtFactory.Jwks((_k1, "k1", null));
        await using var server = new TinyHttpServer(_ => (200, jwks));
        using var keys = JwtKeySource.FromJwksUri(
            new Uri(server.BaseAddress, JwksPath), new JwksOptions { TimeProvider = _clock, MinRefreshInterval = TimeSpan.FromSeconds(30) });
        var verifier = new JwtIdentityVerifier(new JwtVerifierOptions { Keys = keys, TimeProvider = _clock });

        Assert.True((await Verify(verifier, JwtFactory.Es256(_k1, JwtFactory.Claims(), kid: "k1"))).IsValid);
        Assert.Equal(1, server.Hits(JwksPath));

        // The issuer rotates in k2; a token signed with it is refused until a refresh is allowed.
        jwks = JwtFactory.Jwks((_k1, "k1", null), (_k2, "k2", null));
        var rotated = JwtFactory.Es256(_k2, JwtFactory.Claims(), kid: "k2");
        var early = await Verify(verifier, rotated);
        Assert.Equal(IdentityFailureReason.UnknownKey, early.Reason);
        Assert.Equal(1, server.Hits(JwksPath)); // fetched 0 s ago: rate-limited

        _clock.Advance(TimeSpan.FromSeconds(30));
        var refreshed = await Verify(verifier, rotated);
        Assert.True(refreshed.IsValid, refreshed.Error);
        Assert.Equal(2, server.Hits(JwksPath));

        // A flood of forged kids costs at most one fetch per interval.
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(IdentityFailureReason.UnknownKey, (await Verify(verifier, JwtFactory.Es256(_k2, JwtFactory.Claims(), kid: $"forged-{i}"))).Reason);
        }

        Assert.Equal(2, server.Hits(JwksPath));
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(IdentityFailureReason.UnknownKey, (await Verify(verifier, JwtFactory.Es256(_k2, JwtFactory.Claims(), kid: "forged-x"))).Reason);
        Assert.Equal(3, server.Hits(JwksPath));
    }

    [Fact]
    public async Task A_failing_endpoint_reports_unavailable_keys_and_keeps_known_ones()
    {
        var status = 500;
        var jwks = JwtFactory.Jwks((_k1, "k1", null));
        await using var server = new TinyHttpServer(_ => (status, status == 200 ? jwks : "oops"));
        using var keys = JwtKeySource.FromJwksUri(new Uri(server.BaseAddress, JwksPath), new JwksOptions { TimeProvider = _clock });
        var verifier = new JwtIdentityVerifier(new JwtVerifierOptions { Keys = keys, TimeProvider = _clock });
        var token = JwtFactory.Es256(_k1, JwtFactory.Claims(extra: ("exp", JwtFactory.Now.ToUnixTimeSeconds() + 7200)), kid: "k1");

        var down = await Verify(verifier, token);
        Assert.Equal(IdentityFailureReason.KeyUnavailable, down.Reason);
        Assert.Contains("HTTP 500", down.Error, StringComparison.Ordinal);

        // Retried only after the minimum interval.
        status = 200;
        Assert.Equal(IdentityFailureReason.KeyUnavailable, (await Verify(verifier, token)).Reason);
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True((await Verify(verifier, token)).IsValid);
        Assert.Equal(2, server.Hits(JwksPath));

        // The keys go stale and the endpoint fails again: the known keys keep working.
        status = 503;
        _clock.Advance(TimeSpan.FromHours(1));
        var stale = await Verify(verifier, token);
        Assert.True(stale.IsValid, stale.Error);
        Assert.Equal(3, server.Hits(JwksPath));
    }

    [Fact]
    public async Task An_issuer_is_resolved_through_OpenID_discovery()
    {
        await using var server = new TinyHttpServer(_ => (404, "{}"));
        var jwksUri = new Uri(server.BaseAddress, "/oauth/jwks");
        server.Route = path => path switch
        {
            "/tenant/.well-known/openid-configuration" => (200, $"{{\"issuer\":\"x\",\"jwks_uri\":\"{jwksUri}\"}}"),
            "/oauth/jwks" => (200, JwtFactory.Jwks((_k1, "k1", "sig"))),
            _ => (404, "{}"),
        };
        using var keys = JwtKeySource.FromIssuer(new Uri(server.BaseAddress, "/tenant"), new JwksOptions { TimeProvider = _clock });
        var verifier = new JwtIdentityVerifier(new JwtVerifierOptions { Keys = keys, TimeProvider = _clock });

        var result = await Verify(verifier, JwtFactory.Es256(_k1, JwtFactory.Claims(), kid: "k1"));
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(1, server.Hits("/tenant/.well-known/openid-configuration"));
        Assert.Equal(1, server.Hits("/oauth/jwks"));
    }

    [Fact]
    public async Task A_JWKS_that_is_not_a_key_set_is_a_fetch_failure()
    {
        await using var server = new TinyHttpServer(_ => (200, "[\"not\", \"a\", \"jwks\"]"));
        using var keys = JwtKeySource.FromJwksUri(new Uri(server.BaseAddress, JwksPath), new JwksOptions { TimeProvider = _clock });
        var verifier = new JwtIdentityVerifier(new JwtVerifierOptions { Keys = keys, TimeProvider = _clock });
        var result = await Verify(verifier, JwtFactory.Es256(_k1, JwtFactory.Claims(), kid: "k1"));
        Assert.Equal(IdentityFailureReason.KeyUnavailable, result.Reason);
        Assert.Contains("keys", result.Error, StringComparison.Ordinal);
    }

    private static Task<IdentityVerification> Verify(JwtIdentityVerifier verifier, string token) =>
        verifier.VerifyAsync(token, TestContext.Current.CancellationToken).WithTimeout();
}
