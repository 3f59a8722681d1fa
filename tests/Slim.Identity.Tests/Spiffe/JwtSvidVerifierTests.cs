using Slim.Identity.Signatures;
using Slim.Identity.Spiffe;
using Slim.Identity.Tests.Support;
using Slim.Protocol;
using Slim.Testing;

namespace Slim.Identity.Tests.Spiffe;

public sealed class JwtSvidVerifierTests : IDisposable
{
    private const string Workload = "spiffe://example.org/ns/prod/sa/app";
    private static readonly DateTimeOffset Now = JwtFactory.Now;
    private readonly SpiffeAuthority _authority = new("example.org", "authority-1");
    private readonly SpiffeAuthority _foreign = new("other.org", "authority-x");
    private readonly ManualTimeProvider _clock = new(Now);

    public void Dispose()
    {
        _authority.Dispose();
        _foreign.Dispose();
    }

    [Fact]
    public async Task A_JWT_SVID_with_the_slim_claims_audience_verifies_and_yields_the_app_key()
    {
        using var appKey = SigningKey.GenerateEcdsaP256();
        using var bundles = SpiffeBundleSource.FromBundles(SpiffeBundle.Parse("spiffe://example.org", _authority.BundleJson()));
        var verifier = new SpiffeJwtSvidVerifier(new SpiffeVerifierOptions { Bundles = bundles, RequirePublicKey = true, TimeProvider = _clock });
        var claimsAudience = "slim-claims:" + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            $"{{\"pubkey\":\"{Convert.ToBase64String(appKey.PublicKey.Span)}\"}}"));
        var token = _authority.Mint(Workload, ["slim", claimsAudience], Now, TimeSpan.FromMinutes(5));

        var result = await verifier.VerifyAsync(token, TestContext.Current.CancellationToken).WithTimeout();
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(Workload, result.Identity!.Subject);
        Assert.Equal(Now, result.Identity.IssuedAt);
        Assert.Equal(Now.AddMinutes(5), result.Identity.ExpiresAt);
        Assert.Equal(appKey.PublicKey.ToArray(), result.Identity.PublicKey.ToArray());
    }

    [Fact]
    public void A_SPIFFE_bundle_keeps_only_its_JWT_authorities()
    {
        using var second = new SpiffeAuthority("example.org", "authority-2");
        var bundle = SpiffeBundle.Parse("spiffe://example.org/", _authority.BundleJson(sequence: 42, second));
        Assert.Equal("example.org", bundle.TrustDomain);
        Assert.Equal(["authority-1", "authority-2"], bundle.KeyIds.Order());
        Assert.Equal(2, bundle.KeyCount);
        Assert.Equal(42, bundle.SequenceNumber);
        Assert.Equal(TimeSpan.FromMinutes(5), bundle.RefreshHint);

        Assert.Equal(SlimErrorCode.IdentityKeyInvalid, Assert.Throws<SlimIdentityException>(() => SpiffeBundle.Parse("example.org", "{}")).ErrorCode);
        Assert.Equal(SlimErrorCode.IdentityConfigurationInvalid, Assert.Throws<SlimIdentityException>(() => SpiffeBundle.Parse("Example.org", "{\"keys\":[]}")).ErrorCode);
    }

    public static TheoryData<string, IdentityFailureReason> Failures => new()
    {
        { "sub-not-spiffe", IdentityFailureReason.SubjectMismatch },
        { "no-sub", IdentityFailureReason.SubjectMismatch },
        { "domain-not-accepted", IdentityFailureReason.SubjectMismatch },
        { "no-bundle", IdentityFailureReason.UnknownKey },
        { "unknown-kid", IdentityFailureReason.UnknownKey },
        { "other-signer", IdentityFailureReason.InvalidSignature },
        { "expired", IdentityFailureReason.Expired },
        { "no-exp", IdentityFailureReason.Malformed },
        { "no-aud", IdentityFailureReason.AudienceMismatch },
        { "wrong-aud", IdentityFailureReason.AudienceMismatch },
        { "only-claims-aud", IdentityFailureReason.AudienceMismatch },
        { "typ", IdentityFailureReason.Malformed },
        { "hs256", IdentityFailureReason.UnsupportedAlgorithm },
        { "bad-claims-aud", IdentityFailureReason.Malformed },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Each_bad_SVID_fails_with_its_own_reason(string kind, IdentityFailureReason expected)
    {
        using var impostor = new SpiffeAuthority("example.org", "authority-1");
        using var bundles = SpiffeBundleSource.FromBundles(
            SpiffeBundle.Parse("example.org", _authority.BundleJson()),
            SpiffeBundle.Parse("other.org", _foreign.BundleJson()));
        var verifier = new SpiffeJwtSvidVerifier(new SpiffeVerifierOptions
        {
            Bundles = bundles,
            TrustDomains = ["example.org", "spiffe://unbundled.org"],
            TimeProvider = _clock,
        });
        var lifetime = TimeSpan.FromMinutes(5);
        var token = kind switch
        {
            "sub-not-spiffe" => _authority.Mint("org/ns/app", ["slim"], Now, lifetime),
            "no-sub" => _authority.Mint(Workload, ["slim"], Now, lifetime, ("sub", null)),
            "domain-not-accepted" => _foreign.Mint("spiffe://other.org/app", ["slim"], Now, lifetime),
            "no-bundle" => _authority.Mint("spiffe://unbundled.org/app", ["slim"], Now, lifetime),
            "unknown-kid" => new SpiffeAuthority("example.org", "authority-9").Mint(Workload, ["slim"], Now, lifetime),
            "other-signer" => impostor.Mint(Workload, ["slim"], Now, lifetime),
            "expired" => _authority.Mint(Workload, ["slim"], Now.AddMinutes(-10), lifetime),
            "no-exp" => _authority.Mint(Workload, ["slim"], Now, lifetime, ("exp", null)),
            "no-aud" => _authority.Mint(Workload, [], Now, lifetime, ("aud", null)),
            "wrong-aud" => _authority.Mint(Workload, ["reports"], Now, lifetime),
            "only-claims-aud" => _authority.Mint(Workload, ["slim-claims:e30="], Now, lifetime),
            "typ" => JwtFactory.Es256(_authority.Key, JwtFactory.Claims(Workload), _authority.KeyId, new() { ["typ"] = "at+jwt" }),
            "hs256" => JwtFactory.Unsigned(new() { ["alg"] = "HS256", ["kid"] = _authority.KeyId }, JwtFactory.Claims(Workload), "c2ln"),
            "bad-claims-aud" => _authority.Mint(Workload, ["slim", "slim-claims:!!"], Now, lifetime),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var result = await verifier.VerifyAsync(token, TestContext.Current.CancellationToken).WithTimeout();
        Assert.False(result.IsValid);
        Assert.Equal(expected, result.Reason);
        Assert.StartsWith("JWT-SVID: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bundle_files_are_reread_when_the_authority_rotates()
    {
        var directory = Directory.CreateTempSubdirectory("slim-bundle-").FullName;
        try
        {
            using var next = new SpiffeAuthority("example.org", "authority-2");
            var path = Path.Combine(directory, "example.org.json");
            File.WriteAllText(path, _authority.BundleJson(sequence: 1));
            File.SetLastWriteTimeUtc(path, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            using var bundles = SpiffeBundleSource.FromFiles(
                new Dictionary<string, string> { ["example.org"] = path },
                new SpiffeBundleFileOptions { ReloadInterval = TimeSpan.FromSeconds(5), TimeProvider = _clock });
            var verifier = new SpiffeJwtSvidVerifier(new SpiffeVerifierOptions { Bundles = bundles, TimeProvider = _clock });
            var ct = TestContext.Current.CancellationToken;

            Assert.True((await verifier.VerifyAsync(_authority.Mint(Workload, ["slim"], Now, TimeSpan.FromHours(1)), ct).WithTimeout()).IsValid);
            var rotated = next.Mint(Workload, ["slim"], Now, TimeSpan.FromHours(1));
            Assert.Equal(IdentityFailureReason.UnknownKey, (await verifier.VerifyAsync(rotated, ct).WithTimeout()).Reason);

            File.WriteAllText(path, next.BundleJson(sequence: 2));
            File.SetLastWriteTimeUtc(path, new DateTime(2026, 1, 1, 0, 0, 1, DateTimeKind.Utc));
            Assert.Equal(IdentityFailureReason.UnknownKey, (await verifier.VerifyAsync(rotated, ct).WithTimeout()).Reason);
            _clock.Advance(TimeSpan.FromSeconds(5));
            var after = await verifier.VerifyAsync(rotated, ct).WithTimeout();
            Assert.True(after.IsValid, after.Error);

            // A broken rewrite keeps the last good bundle.
            File.WriteAllText(path, "{ not json");
            File.SetLastWriteTimeUtc(path, new DateTime(2026, 1, 1, 0, 0, 2, DateTimeKind.Utc));
            _clock.Advance(TimeSpan.FromSeconds(5));
            Assert.True((await verifier.VerifyAsync(rotated, ct).WithTimeout()).IsValid);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Bad_configuration_is_a_typed_error()
    {
        using var bundles = SpiffeBundleSource.FromBundles();
        Assert.Equal(SlimErrorCode.IdentityConfigurationInvalid, Assert.Throws<SlimIdentityException>(() =>
            new SpiffeJwtSvidVerifier(new SpiffeVerifierOptions { Bundles = bundles, Audiences = [] })).ErrorCode);
        Assert.Equal(SlimErrorCode.IdentityConfigurationInvalid, Assert.Throws<SlimIdentityException>(() =>
            new SpiffeJwtSvidVerifier(new SpiffeVerifierOptions { Bundles = bundles, TrustDomains = ["Bad Domain"] })).ErrorCode);
        Assert.Equal(SlimErrorCode.IdentityKeyInvalid, Assert.Throws<SlimIdentityException>(() =>
            SpiffeBundleSource.FromFiles(new Dictionary<string, string> { ["example.org"] = "/nonexistent/bundle.json" })).ErrorCode);
    }

    [Fact]
    public async Task Random_input_only_ever_fails_verification()
    {
        using var bundles = SpiffeBundleSource.FromBundles(SpiffeBundle.Parse("example.org", _authority.BundleJson()));
        var verifier = new SpiffeJwtSvidVerifier(new SpiffeVerifierOptions { Bundles = bundles, TimeProvider = _clock });
        var valid = _authority.Mint(Workload, ["slim", "slim-claims:eyJwdWJrZXkiOiJCQVU9In0="], Now, TimeSpan.FromMinutes(5));
        Assert.True((await verifier.VerifyAsync(valid, TestContext.Current.CancellationToken).WithTimeout()).IsValid);
        const string alphabet = "eyJhbGciOiJFUzI1NiJ9.-_+/=ABCxyz0123{}\"";
        foreach (var candidate in TokenFuzz.Candidates(valid, alphabet, seed: 99, count: 1000, randomEvery: 2, maxRandomLength: 300))
        {
            var result = await verifier.VerifyAsync(candidate, TestContext.Current.CancellationToken).WithTimeout();
            Assert.False(result.IsValid, candidate);
        }
    }
}
