using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Slim.Identity.Jwt;
using Slim.Identity.Signatures;
using Slim.Identity.Tests.Support;
using Slim.Protocol;
using Slim.Testing;

namespace Slim.Identity.Tests.Jwt;

public sealed class JwtIdentityTests : IDisposable
{
    private readonly ECDsa _issuer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ManualTimeProvider _clock = new(JwtFactory.Now);

    public void Dispose() => _issuer.Dispose();

    [Fact]
    public async Task Self_signed_ES256_tokens_carry_the_claims_and_verify()
    {
        using var issuerKey = JwtSigningKey.FromPem(_issuer.ExportECPrivateKeyPem(), keyId: "k1");
        using var provider = new JwtIdentityProvider(issuerKey, new JwtProviderOptions
        {
            Subject = "org/ns/alice",
            Issuer = "https://issuer.test",
            Audiences = ["slim"],
            TimeProvider = _clock,
        });
        using var keys = JwtKeySource.FromPem(_issuer.ExportSubjectPublicKeyInfoPem());
        var verifier = new JwtIdentityVerifier(new JwtVerifierOptions
        {
            Keys = keys,
            Issuers = ["https://issuer.test"],
            Audiences = ["slim"],
            RequirePublicKey = true,
            TimeProvider = _clock,
        });

        Assert.Equal("ES256", issuerKey.Algorithm);
        Assert.Equal("org/ns/alice", provider.Id);
        var token = provider.GetToken();
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token);
        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal("k1", jwt.Kid);
        Assert.Equal("org/ns/alice", jwt.Subject);
        Assert.Equal("https://issuer.test", jwt.Issuer);
        Assert.Equal(["slim"], jwt.Audiences);
        Assert.Equal(JwtFactory.Now.ToUnixTimeSeconds(), jwt.GetPayloadValue<long>("iat"));
        Assert.Equal(JwtFactory.Now.ToUnixTimeSeconds() + 3600, jwt.GetPayloadValue<long>("exp"));
        Assert.Equal(Convert.ToBase64String(provider.PublicKey.Span), jwt.GetPayloadValue<string>("pubkey"));

        var result = await verifier.VerifyAsync(token, TestContext.Current.CancellationToken).WithTimeout();
        Assert.True(result.IsValid, result.Error);
        Assert.Equal("org/ns/alice", result.Identity!.Subject);
        Assert.Equal(JwtFactory.Now, result.Identity.IssuedAt);
        Assert.Equal(JwtFactory.Now.AddHours(1), result.Identity.ExpiresAt);
        Assert.Equal(provider.PublicKey.ToArray(), result.Identity.PublicKey.ToArray());
    }

    [Fact]
    public void The_provider_reuses_its_token_until_the_refresh_margin()
    {
        using var issuerKey = JwtSigningKey.FromPem(_issuer.ExportPkcs8PrivateKeyPem());
        using var provider = new JwtIdentityProvider(issuerKey, new JwtProviderOptions
        {
            Subject = "org/ns/alice",
            Lifetime = TimeSpan.FromMinutes(60),
            RefreshBeforeExpiry = TimeSpan.FromMinutes(5),
            TimeProvider = _clock,
        });

        var first = provider.GetToken();
        _clock.Advance(TimeSpan.FromMinutes(54));
        Assert.Same(first, provider.GetToken());
        _clock.Advance(TimeSpan.FromMinutes(1));
        var second = provider.GetToken();
        Assert.NotEqual(first, second);
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(second);
        Assert.Equal(JwtFactory.Now.AddMinutes(55).ToUnixTimeSeconds(), jwt.GetPayloadValue<long>("iat"));
        Assert.False(jwt.TryGetPayloadValue<object>("aud", out _));
        Assert.False(jwt.TryGetPayloadValue<object>("iss", out _));
    }

    [Fact]
    public async Task RS256_keys_sign_and_several_audiences_become_an_array()
    {
        using var rsa = RSA.Create(2048);
        using var issuerKey = JwtSigningKey.FromPem(rsa.ExportRSAPrivateKeyPem());
        using var appKey = SigningKey.GenerateEcdsaP256();
        using var provider = new JwtIdentityProvider(issuerKey, new JwtProviderOptions
        {
            Subject = "org/ns/bob",
            Audiences = ["a", "b"],
            SigningKey = appKey,
            TimeProvider = _clock,
        });
        Assert.Equal("RS256", issuerKey.Algorithm);
        Assert.Equal(appKey.PublicKey.ToArray(), provider.PublicKey.ToArray());
        Assert.Equal(appKey.Sign([1]).Length > 0, provider.Sign([1]).Length > 0);

        using var keys = JwtKeySource.FromPem(rsa.ExportRSAPublicKeyPem());
        var verifier = new JwtIdentityVerifier(new JwtVerifierOptions { Keys = keys, Audiences = ["b"], TimeProvider = _clock });
        var token = provider.GetToken();
        Assert.Equal(["a", "b"], new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Audiences);
        var result = await verifier.VerifyAsync(token, TestContext.Current.CancellationToken).WithTimeout();
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(appKey.PublicKey.ToArray(), result.Identity!.PublicKey.ToArray());
    }

    [Fact]
    public async Task A_certificate_PEM_is_a_verification_key()
    {
        var request = new CertificateRequest("CN=issuer", _issuer, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(JwtFactory.Now.AddDays(-1), JwtFactory.Now.AddDays(1));
        using var keys = JwtKeySource.FromPem(certificate.ExportCertificatePem());
        var verifier = new JwtIdentityVerifier(new JwtVerifierOptions { Keys = keys, TimeProvider = _clock });
        var result = await verifier.VerifyAsync(JwtFactory.Es256(_issuer, JwtFactory.Claims()), TestContext.Current.CancellationToken).WithTimeout();
        Assert.True(result.IsValid, result.Error);
    }

    public static TheoryData<string, IdentityFailureReason> Failures => new()
    {
        { "expired", IdentityFailureReason.Expired },
        { "not-before", IdentityFailureReason.NotYetValid },
        { "no-exp", IdentityFailureReason.Malformed },
        { "exp-string", IdentityFailureReason.Malformed },
        { "issuer", IdentityFailureReason.IssuerMismatch },
        { "no-issuer", IdentityFailureReason.IssuerMismatch },
        { "audience", IdentityFailureReason.AudienceMismatch },
        { "no-sub", IdentityFailureReason.SubjectMismatch },
        { "other-key", IdentityFailureReason.InvalidSignature },
        { "tampered-payload", IdentityFailureReason.InvalidSignature },
        { "alg-none", IdentityFailureReason.UnsupportedAlgorithm },
        { "alg-hs256", IdentityFailureReason.UnsupportedAlgorithm },
        { "alg-lies", IdentityFailureReason.InvalidSignature }, // RS256 is accepted, but no RSA key signed it
        { "alg-ps256", IdentityFailureReason.UnsupportedAlgorithm }, // valid JWS alg, not in this verifier's list
        { "sig-not-canonical", IdentityFailureReason.Malformed },
        { "pubkey-number", IdentityFailureReason.Malformed },
        { "two-parts", IdentityFailureReason.Malformed },
        { "not-json", IdentityFailureReason.Malformed },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Each_bad_token_fails_with_its_own_reason(string kind, IdentityFailureReason expected)
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = JwtFactory.Now.ToUnixTimeSeconds();
        var good = JwtFactory.Es256(_issuer, JwtFactory.Claims());
        var token = kind switch
        {
            "expired" => JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("exp", now - 6))),
            "not-before" => JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("nbf", now + 6))),
            "no-exp" => JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("exp", null))),
            "exp-string" => JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("exp", "tomorrow"))),
            "issuer" => JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("iss", "https://evil.test"))),
            "no-issuer" => JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("iss", null))),
            "audience" => JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("aud", new[] { "other", "slim-claims:e30=" }))),
            "no-sub" => JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("sub", null))),
            "other-key" => JwtFactory.Es256(other, JwtFactory.Claims()),
            "tampered-payload" => string.Join('.', good.Split('.')[0], JwtFactory.Es256(_issuer, JwtFactory.Claims("org/ns/eve")).Split('.')[1], good.Split('.')[2]),
            "alg-none" => JwtFactory.Unsigned(new() { ["alg"] = "none" }, JwtFactory.Claims()),
            "alg-hs256" => JwtFactory.Unsigned(new() { ["alg"] = "HS256" }, JwtFactory.Claims(), "c2lnbmF0dXJl"),
            "alg-lies" => JwtFactory.Es256(_issuer, JwtFactory.Claims(), extraHeader: new() { ["alg"] = "RS256" }),
            "alg-ps256" => JwtFactory.Es256(_issuer, JwtFactory.Claims(), extraHeader: new() { ["alg"] = "PS256" }),
            "sig-not-canonical" => good[..^1] + NonCanonical(good[^1]),
            "pubkey-number" => JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("pubkey", 5))),
            "two-parts" => string.Join('.', good.Split('.')[..2]),
            "not-json" => "bm90.anNvbg.c2ln",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        using var keys = JwtKeySource.FromPem(_issuer.ExportSubjectPublicKeyInfoPem());
        var verifier = new JwtIdentityVerifier(new JwtVerifierOptions
        {
            Keys = keys,
            Issuers = ["https://issuer.test"],
            Audiences = ["slim"],
            Algorithms = ["ES256", "RS256"],
            TimeProvider = _clock,
        });
        Assert.True((await verifier.VerifyAsync(good, TestContext.Current.CancellationToken).WithTimeout()).IsValid);

        var result = await verifier.VerifyAsync(token, TestContext.Current.CancellationToken).WithTimeout();
        Assert.False(result.IsValid);
        Assert.Equal(expected, result.Reason);
        Assert.StartsWith("JWT: ", result.Error, StringComparison.Ordinal);
    }

    /// <summary>The same 6 bits with a low bit set: an ES256 signature (64 bytes) leaves 2 unused bits in its last character.</summary>
    private static char NonCanonical(char last)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return alphabet[alphabet.IndexOf(last, StringComparison.Ordinal) | 1];
    }

    [Fact]
    public async Task Expiry_and_not_before_allow_the_clock_skew()
    {
        var now = JwtFactory.Now.ToUnixTimeSeconds();
        using var keys = JwtKeySource.FromPem(_issuer.ExportSubjectPublicKeyInfoPem());
        var verifier = new JwtIdentityVerifier(new JwtVerifierOptions { Keys = keys, TimeProvider = _clock });
        var ct = TestContext.Current.CancellationToken;
        Assert.True((await verifier.VerifyAsync(JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("exp", now - 5))), ct).WithTimeout()).IsValid);
        Assert.True((await verifier.VerifyAsync(JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("nbf", now + 5))), ct).WithTimeout()).IsValid);

        var strict = new JwtIdentityVerifier(new JwtVerifierOptions { Keys = keys, ClockSkew = TimeSpan.Zero, TimeProvider = _clock });
        Assert.Equal(IdentityFailureReason.Expired, (await strict.VerifyAsync(JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("exp", now - 1))), ct).WithTimeout()).Reason);
    }

    [Fact]
    public async Task The_pubkey_may_sit_at_the_top_under_custom_claims_or_in_a_slim_claims_audience()
    {
        using var keys = JwtKeySource.FromPem(_issuer.ExportSubjectPublicKeyInfoPem());
        var verifier = new JwtIdentityVerifier(new JwtVerifierOptions { Keys = keys, Audiences = ["slim"], Subject = "org/ns/app", TimeProvider = _clock });
        var ct = TestContext.Current.CancellationToken;

        var nested = JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("custom_claims", new Dictionary<string, string> { ["pubkey"] = "AQID" })));
        Assert.Equal(new byte[] { 1, 2, 3 }, (await verifier.VerifyAsync(nested, ct).WithTimeout()).Identity!.PublicKey.ToArray());

        // "slim-claims:" + base64({"pubkey":"BAU="}); that audience does not count as "slim".
        var inAudience = JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("aud", new[] { "slim", "slim-claims:eyJwdWJrZXkiOiJCQVU9In0=" })));
        Assert.Equal(new byte[] { 4, 5 }, (await verifier.VerifyAsync(inAudience, ct).WithTimeout()).Identity!.PublicKey.ToArray());

        var onlyClaimsAudience = JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("aud", new[] { "slim-claims:eyJwdWJrZXkiOiJCQVU9In0=" })));
        Assert.Equal(IdentityFailureReason.AudienceMismatch, (await verifier.VerifyAsync(onlyClaimsAudience, ct).WithTimeout()).Reason);

        var otherSubject = JwtFactory.Es256(_issuer, JwtFactory.Claims("org/ns/eve"));
        Assert.Equal(IdentityFailureReason.SubjectMismatch, (await verifier.VerifyAsync(otherSubject, ct).WithTimeout()).Reason);

        var none = await verifier.VerifyAsync(JwtFactory.Es256(_issuer, JwtFactory.Claims()), ct).WithTimeout();
        Assert.True(none.IsValid);
        Assert.True(none.Identity!.PublicKey.IsEmpty);
        var requiring = new JwtIdentityVerifier(new JwtVerifierOptions { Keys = keys, RequirePublicKey = true, TimeProvider = _clock });
        Assert.Equal(IdentityFailureReason.MissingPublicKey, (await requiring.VerifyAsync(JwtFactory.Es256(_issuer, JwtFactory.Claims()), ct).WithTimeout()).Reason);
    }

    [Fact]
    public async Task A_static_JWKS_picks_keys_by_kid()
    {
        using var second = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var keys = JwtKeySource.FromJwks(JwtFactory.Jwks((_issuer, "k1", "sig"), (second, "k2", null), (second, "k3", "enc")));
        var verifier = new JwtIdentityVerifier(new JwtVerifierOptions { Keys = keys, TimeProvider = _clock });
        var ct = TestContext.Current.CancellationToken;

        Assert.True((await verifier.VerifyAsync(JwtFactory.Es256(_issuer, JwtFactory.Claims(), kid: "k1"), ct).WithTimeout()).IsValid);
        Assert.True((await verifier.VerifyAsync(JwtFactory.Es256(second, JwtFactory.Claims(), kid: "k2"), ct).WithTimeout()).IsValid);
        Assert.True((await verifier.VerifyAsync(JwtFactory.Es256(second, JwtFactory.Claims()), ct).WithTimeout()).IsValid); // no kid: try all
        Assert.Equal(IdentityFailureReason.UnknownKey, (await verifier.VerifyAsync(JwtFactory.Es256(second, JwtFactory.Claims(), kid: "k3"), ct).WithTimeout()).Reason);
        Assert.Equal(IdentityFailureReason.InvalidSignature, (await verifier.VerifyAsync(JwtFactory.Es256(second, JwtFactory.Claims(), kid: "k1"), ct).WithTimeout()).Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a pem")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")]
    public void Unusable_PEM_is_a_typed_error(string pem)
    {
        Assert.Equal(SlimErrorCode.IdentityKeyInvalid, Assert.Throws<SlimIdentityException>(() => JwtKeySource.FromPem(pem)).ErrorCode);
        Assert.Equal(SlimErrorCode.IdentityKeyInvalid, Assert.Throws<SlimIdentityException>(() => JwtSigningKey.FromPem(pem)).ErrorCode);
    }

    [Fact]
    public void Signing_keys_need_the_private_part_and_map_to_their_algorithm()
    {
        Assert.Equal(SlimErrorCode.IdentityKeyInvalid, Assert.Throws<SlimIdentityException>(() => JwtSigningKey.FromPem(_issuer.ExportSubjectPublicKeyInfoPem())).ErrorCode);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var key = JwtSigningKey.FromPem(p384.ExportECPrivateKeyPem());
        Assert.Equal("ES384", key.Algorithm);
        Assert.Null(key.KeyId);
        Assert.Equal(SlimErrorCode.IdentityKeyInvalid, Assert.Throws<SlimIdentityException>(() => JwtKeySource.FromJwks("{\"nokeys\":1}")).ErrorCode);
        Assert.Equal(SlimErrorCode.IdentityKeyInvalid, Assert.Throws<SlimIdentityException>(() => JwtKeySource.FromPemFile("/nonexistent/key.pem")).ErrorCode);
    }

    [Fact]
    public void Invalid_options_are_refused()
    {
        using var issuerKey = JwtSigningKey.FromPem(_issuer.ExportECPrivateKeyPem());
        using var keys = JwtKeySource.FromPem(_issuer.ExportSubjectPublicKeyInfoPem());
        Assert.Equal(SlimErrorCode.IdentityConfigurationInvalid, Assert.Throws<SlimIdentityException>(() =>
            new JwtIdentityProvider(issuerKey, new JwtProviderOptions { Subject = "" })).ErrorCode);
        Assert.Equal(SlimErrorCode.IdentityConfigurationInvalid, Assert.Throws<SlimIdentityException>(() =>
            new JwtIdentityProvider(issuerKey, new JwtProviderOptions { Subject = "s", Lifetime = TimeSpan.FromMinutes(5) })).ErrorCode);
        Assert.Equal(SlimErrorCode.IdentityConfigurationInvalid, Assert.Throws<SlimIdentityException>(() =>
            new JwtIdentityVerifier(new JwtVerifierOptions { Keys = keys, Algorithms = ["HS256"] })).ErrorCode);
        Assert.Equal(SlimErrorCode.IdentityConfigurationInvalid, Assert.Throws<SlimIdentityException>(() =>
            JwtKeySource.FromJwksUri(new Uri("file:///etc/jwks.json"))).ErrorCode);
    }

    [Fact]
    public async Task Random_input_only_ever_fails_verification()
    {
        using var keys = JwtKeySource.FromPem(_issuer.ExportSubjectPublicKeyInfoPem());
        var verifier = new JwtIdentityVerifier(new JwtVerifierOptions { Keys = keys, TimeProvider = _clock });
        var valid = JwtFactory.Es256(_issuer, JwtFactory.Claims(extra: ("pubkey", "AQID")));
        const string alphabet = "eyJhbGciOiJFUzI1NiJ9.-_+/=ABCxyz0123{}\"";
        foreach (var candidate in TokenFuzz.Candidates(valid, alphabet, seed: 1122, count: 1500, randomEvery: 3, maxRandomLength: 400, exoticOneIn: 5))
        {
            var result = await verifier.VerifyAsync(candidate, TestContext.Current.CancellationToken).WithTimeout();
            Assert.False(result.IsValid, candidate);
            Assert.NotEqual(IdentityFailureReason.None, result.Reason);
        }
    }
}
