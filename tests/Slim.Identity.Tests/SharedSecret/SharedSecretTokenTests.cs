using System.Text.RegularExpressions;
using Slim.Identity.SharedSecret;
using Slim.Identity.Tests.Support;
using Slim.Protocol;
using Slim.Testing;

namespace Slim.Identity.Tests.SharedSecret;

public sealed partial class SharedSecretTokenTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void The_reference_HMAC_example_verifies()
    {
        // slim-v2-protocol.md section 8: the MAC of this signed part under this secret.
        const string secret = "demo-shared-secret-min-32-chars!!";
        const string signed = "org/ns/tc_AbCdEf12:1795338410:AAAAAAAAAAAAAAAA:eyJwdWJrZXkiOiJBQT09In0";
        Assert.Equal("gC9vyBfotc4jsKL5BVKGdeuuNPNH797wEvjQWvlDwYc", TestTokens.Mac(secret, signed));

        using var verifier = new SharedSecretIdentityVerifier(
            secret, new SharedSecretVerifierOptions { TimeProvider = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1795338410)) });
        var result = verifier.Verify(signed + ":gC9vyBfotc4jsKL5BVKGdeuuNPNH797wEvjQWvlDwYc");

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(IdentityFailureReason.None, result.Reason);
        var identity = result.Identity!;
        Assert.Equal("org/ns/tc_AbCdEf12", identity.Subject);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795338410), identity.IssuedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795338410 + 3600), identity.ExpiresAt);
        Assert.Equal(new byte[] { 0 }, identity.PublicKey.ToArray()); // {"pubkey":"AA=="}

        // One character off in the MAC: refused.
        var bad = verifier.Verify(signed + ":hC9vyBfotc4jsKL5BVKGdeuuNPNH797wEvjQWvlDwYc");
        Assert.Equal(IdentityFailureReason.InvalidSignature, bad.Reason);
    }

    [Fact]
    public void Provider_tokens_follow_the_official_recipe_and_verify()
    {
        var clock = new ManualTimeProvider(Now);
        using var provider = new SharedSecretIdentityProvider("org/ns/app", TestTokens.Secret, new SharedSecretProviderOptions { TimeProvider = clock });
        using var verifier = new SharedSecretIdentityVerifier(TestTokens.Secret, new SharedSecretVerifierOptions { TimeProvider = clock });

        Assert.Matches(IdPattern(), provider.Id);
        Assert.Equal("org/ns/app", provider.Name);
        Assert.Equal(SignatureAlgorithm.EcdsaP256Sha256, provider.SignatureAlgorithm);
        Assert.Equal(65, provider.PublicKey.Length);

        var token = provider.GetToken();
        var parts = token.Split(':');
        Assert.Equal(5, parts.Length);
        Assert.Equal(provider.Id, parts[0]);
        Assert.Equal("1800000000", parts[1]);
        Assert.Equal(16, parts[2].Length); // base64url-nopad of 12 bytes
        Assert.Equal(TestTokens.Claims($"{{\"pubkey\":\"{Convert.ToBase64String(provider.PublicKey.Span)}\"}}"), parts[3]);
        Assert.Equal(TestTokens.Mac(TestTokens.Secret, string.Join(':', parts[..4])), parts[4]);

        var result = verifier.Verify(token);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(provider.Id, result.Identity!.Subject);
        Assert.Equal(provider.PublicKey.ToArray(), result.Identity.PublicKey.ToArray());

        // Fresh nonce every call; the app id changes per provider instance (random suffix).
        Assert.NotEqual(token, provider.GetToken());
        using var other = new SharedSecretIdentityProvider("org/ns/app", TestTokens.Secret);
        Assert.NotEqual(provider.Id, other.Id);
        Assert.NotEqual(SlimIds.AppIdFromIdentity(provider.Id), SlimIds.AppIdFromIdentity(other.Id));
    }

    [Fact]
    public void A_fixed_suffix_gives_a_fixed_id()
    {
        using var provider = new SharedSecretIdentityProvider(
            "org/ns/bob", TestTokens.Secret, new SharedSecretProviderOptions { IdSuffix = "ixStf4tG" });
        Assert.Equal("org/ns/bob_ixStf4tG", provider.Id);
        // The app id seen on the wire for this identity (slim-v2-protocol.md 2.3).
        Assert.Equal("979bbda1-cd06-67c2-2c25-f742fc4a6513", SlimName.FormatInstanceId(SlimIds.AppIdFromIdentity(provider.Id)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("short-secret")]
    [InlineData("0123456789012345678901234567890")] // 31 bytes
    public void Secrets_under_32_bytes_are_refused_with_a_typed_error(string secret)
    {
        var p = Assert.Throws<SlimIdentityException>(() => new SharedSecretIdentityProvider("org/ns/app", secret));
        Assert.Equal(SlimErrorCode.IdentitySecretTooShort, p.ErrorCode);
        var v = Assert.Throws<SlimIdentityException>(() => new SharedSecretIdentityVerifier(secret));
        Assert.Equal(SlimErrorCode.IdentitySecretTooShort, v.ErrorCode);
    }

    [Fact]
    public void The_secret_length_counts_UTF8_bytes()
    {
        using var exactly32 = new SharedSecretIdentityVerifier("01234567890123456789012345678901");
        using var sixteenAccents = new SharedSecretIdentityVerifier(new string('é', 16)); // 32 bytes, 16 chars
        var ex = Assert.Throws<SlimIdentityException>(() => new SharedSecretIdentityVerifier(new string('é', 15)));
        Assert.Equal(SlimErrorCode.IdentitySecretTooShort, ex.ErrorCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("org/ns:app")]
    [InlineData("org/ns app")]
    [InlineData("org/ns/app\n")]
    public void Invalid_names_are_refused(string name)
    {
        var ex = Assert.Throws<SlimIdentityException>(() => new SharedSecretIdentityProvider(name, TestTokens.Secret));
        Assert.Equal(SlimErrorCode.IdentityConfigurationInvalid, ex.ErrorCode);
    }

    [Fact]
    public void Tokens_are_valid_from_5_s_before_their_timestamp_to_3600_s_after()
    {
        var clock = new ManualTimeProvider(Now);
        using var verifier = new SharedSecretIdentityVerifier(TestTokens.Secret, new SharedSecretVerifierOptions { TimeProvider = clock });
        var ts = Now.ToUnixTimeSeconds();
        var claims = TestTokens.Claims("{}");

        Assert.True(verifier.Verify(TestTokens.Build("a_1", ts + 5, "n", claims)).IsValid);
        var future = verifier.Verify(TestTokens.Build("a_1", ts + 6, "n", claims));
        Assert.Equal(IdentityFailureReason.NotYetValid, future.Reason);

        Assert.True(verifier.Verify(TestTokens.Build("a_1", ts - 3600, "n", claims)).IsValid);
        var expired = verifier.Verify(TestTokens.Build("a_1", ts - 3601, "n", claims));
        Assert.Equal(IdentityFailureReason.Expired, expired.Reason);

        // The same token ages out as the clock moves.
        var token = TestTokens.Build("a_1", ts, "n", claims);
        clock.Advance(TimeSpan.FromSeconds(3600));
        Assert.True(verifier.Verify(token).IsValid);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(IdentityFailureReason.Expired, verifier.Verify(token).Reason);
    }

    [Fact]
    public void Validity_and_skew_are_configurable()
    {
        var clock = new ManualTimeProvider(Now);
        using var verifier = new SharedSecretIdentityVerifier(
            TestTokens.Secret,
            new SharedSecretVerifierOptions { TimeProvider = clock, Validity = TimeSpan.FromSeconds(60), ClockSkew = TimeSpan.Zero });
        var ts = Now.ToUnixTimeSeconds();
        Assert.Equal(IdentityFailureReason.Expired, verifier.Verify(TestTokens.Build("a_1", ts - 61, "n", "")).Reason);
        Assert.Equal(IdentityFailureReason.NotYetValid, verifier.Verify(TestTokens.Build("a_1", ts + 1, "n", "")).Reason);
        var ok = verifier.Verify(TestTokens.Build("a_1", ts - 60, "n", ""));
        Assert.True(ok.IsValid, ok.Error);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(ts), ok.Identity!.ExpiresAt);
        Assert.True(ok.Identity.PublicKey.IsEmpty);
    }

    [Fact]
    public void Tampering_with_any_signed_part_or_the_secret_breaks_the_MAC()
    {
        var clock = new ManualTimeProvider(Now);
        using var provider = new SharedSecretIdentityProvider("org/ns/app", TestTokens.Secret, new SharedSecretProviderOptions { TimeProvider = clock });
        using var verifier = new SharedSecretIdentityVerifier(TestTokens.Secret, new SharedSecretVerifierOptions { TimeProvider = clock });
        var parts = provider.GetToken().Split(':');

        string With(int index, string value)
        {
            var copy = (string[])parts.Clone();
            copy[index] = value;
            return string.Join(':', copy);
        }

        Assert.Equal(IdentityFailureReason.InvalidSignature, verifier.Verify(With(0, "org/ns/eve_" + parts[0][^8..])).Reason);
        Assert.Equal(IdentityFailureReason.InvalidSignature, verifier.Verify(With(1, (Now.ToUnixTimeSeconds() - 1).ToString(System.Globalization.CultureInfo.InvariantCulture))).Reason);
        Assert.Equal(IdentityFailureReason.InvalidSignature, verifier.Verify(With(2, "AAAAAAAAAAAAAAAA")).Reason);
        Assert.Equal(IdentityFailureReason.InvalidSignature, verifier.Verify(With(3, TestTokens.Claims("{\"pubkey\":\"AA==\"}"))).Reason);
        var mac = parts[4];
        Assert.Equal(IdentityFailureReason.InvalidSignature, verifier.Verify(With(4, (mac[0] == 'A' ? 'B' : 'A') + mac[1..])).Reason);

        using var otherSecret = new SharedSecretIdentityVerifier(TestTokens.Secret + "x", new SharedSecretVerifierOptions { TimeProvider = clock });
        Assert.Equal(IdentityFailureReason.InvalidSignature, otherSecret.Verify(string.Join(':', parts)).Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a_1:1800000000:nonce:claims")]
    [InlineData("a_1:1800000000:nonce:claims:mac:extra")]
    [InlineData(":1800000000:nonce:e30:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("a 1:1800000000:nonce:e30:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("a_1:18e8:nonce:e30:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("a_1:-1:nonce:e30:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("a_1:99999999999999999999:nonce:e30:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("a_1:1800000000::e30:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("a_1:1800000000:nonce:e30:AAAA")]
    [InlineData("a_1:1800000000:nonce:e30:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!")]
    [InlineData("a_1:1800000000:nonce:e30:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB")] // non-zero unused bits
    public void Malformed_tokens_fail_as_malformed(string token)
    {
        using var verifier = new SharedSecretIdentityVerifier(
            TestTokens.Secret, new SharedSecretVerifierOptions { TimeProvider = new ManualTimeProvider(Now) });
        var result = verifier.Verify(token);
        Assert.False(result.IsValid);
        Assert.Equal(IdentityFailureReason.Malformed, result.Reason);
        Assert.StartsWith("shared-secret token: ", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64url!", "not base64url")]
    [InlineData("bm90IGpzb24", "not JSON")] // "not json"
    [InlineData("WzFd", "not a JSON object")] // [1]
    [InlineData("eyJwdWJrZXkiOjF9", "not a string")] // {"pubkey":1}
    [InlineData("eyJwdWJrZXkiOiIqKioifQ", "not base64")] // {"pubkey":"***"}
    [InlineData("eyJwdWJrZXkiOiKpIn0", "not a string")] // {"pubkey":"\xA9"}: invalid UTF-8 inside the string
    public void Claims_behind_a_valid_MAC_are_still_checked(string claims, string expected)
    {
        using var verifier = new SharedSecretIdentityVerifier(
            TestTokens.Secret, new SharedSecretVerifierOptions { TimeProvider = new ManualTimeProvider(Now) });
        var result = verifier.Verify(TestTokens.Build("a_1", Now.ToUnixTimeSeconds(), "n", claims));
        Assert.Equal(IdentityFailureReason.Malformed, result.Reason);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pubkey_is_read_at_the_top_level_or_under_custom_claims()
    {
        using var verifier = new SharedSecretIdentityVerifier(
            TestTokens.Secret, new SharedSecretVerifierOptions { TimeProvider = new ManualTimeProvider(Now) });
        var ts = Now.ToUnixTimeSeconds();

        var nested = verifier.Verify(TestTokens.Build("a_1", ts, "n", TestTokens.Claims("{\"custom_claims\":{\"pubkey\":\"AQID\"}}")));
        Assert.Equal(new byte[] { 1, 2, 3 }, nested.Identity!.PublicKey.ToArray());

        var top = verifier.Verify(TestTokens.Build("a_1", ts, "n", TestTokens.Claims("{\"pubkey\":\"BAU=\",\"custom_claims\":{\"pubkey\":\"AQID\"}}")));
        Assert.Equal(new byte[] { 4, 5 }, top.Identity!.PublicKey.ToArray());

        var none = verifier.Verify(TestTokens.Build("a_1", ts, "n", TestTokens.Claims("{\"other\":true}")));
        Assert.True(none.IsValid);
        Assert.True(none.Identity!.PublicKey.IsEmpty);
    }

    [Fact]
    public void The_replay_cache_refuses_a_second_presentation_and_stays_bounded()
    {
        var clock = new ManualTimeProvider(Now);
        using var provider = new SharedSecretIdentityProvider("org/ns/app", TestTokens.Secret, new SharedSecretProviderOptions { TimeProvider = clock });
        using var verifier = new SharedSecretIdentityVerifier(
            TestTokens.Secret, new SharedSecretVerifierOptions { TimeProvider = clock, ReplayCacheCapacity = 2 });
        using var noCache = new SharedSecretIdentityVerifier(TestTokens.Secret, new SharedSecretVerifierOptions { TimeProvider = clock });

        var first = provider.GetToken();
        Assert.True(verifier.Verify(first).IsValid);
        var replay = verifier.Verify(first);
        Assert.Equal(IdentityFailureReason.Replayed, replay.Reason);

        // Off by default, as in official SLIM.
        Assert.True(noCache.Verify(first).IsValid);
        Assert.True(noCache.Verify(first).IsValid);

        // A tampered copy is refused for its MAC and does not enter the cache.
        var tampered = first[..^43] + (first[^43] == 'A' ? 'B' : 'A') + first[^42..];
        Assert.Equal(IdentityFailureReason.InvalidSignature, verifier.Verify(tampered).Reason);

        // Capacity 2: two more tokens push the first one out.
        Assert.True(verifier.Verify(provider.GetToken()).IsValid);
        Assert.True(verifier.Verify(provider.GetToken()).IsValid);
        Assert.True(verifier.Verify(first).IsValid);
    }

    [Fact]
    public void A_disposed_provider_refuses_to_mint()
    {
        var provider = new SharedSecretIdentityProvider("org/ns/app", TestTokens.Secret);
        provider.Dispose();
        Assert.Throws<ObjectDisposedException>(provider.GetToken);
    }

    [Fact]
    public async Task VerifyAsync_completes_synchronously_with_the_same_result()
    {
        var clock = new ManualTimeProvider(Now);
        using var provider = new SharedSecretIdentityProvider("org/ns/app", TestTokens.Secret, new SharedSecretProviderOptions { TimeProvider = clock });
        using var verifier = new SharedSecretIdentityVerifier(TestTokens.Secret, new SharedSecretVerifierOptions { TimeProvider = clock });
        IIdentityVerifier asInterface = verifier;
        var pending = asInterface.VerifyAsync(provider.GetToken(), TestContext.Current.CancellationToken);
        Assert.True(pending.IsCompletedSuccessfully);
        var result = await pending.WithTimeout();
        Assert.True(result.IsValid);
    }

    [Fact]
    public void Random_input_only_ever_fails_verification()
    {
        var clock = new ManualTimeProvider(Now);
        using var provider = new SharedSecretIdentityProvider("org/ns/app", TestTokens.Secret, new SharedSecretProviderOptions { TimeProvider = clock });
        using var verifier = new SharedSecretIdentityVerifier(
            TestTokens.Secret, new SharedSecretVerifierOptions { TimeProvider = clock, ReplayCacheCapacity = 16 });
        var valid = provider.GetToken();
        const string alphabet = "ABCxyz0189-_:+/= {}\"é\0\n";
        foreach (var candidate in TokenFuzz.Candidates(valid, alphabet, seed: 20261122, count: 5000, randomEvery: 2, maxRandomLength: 300, exoticOneIn: 4))
        {
            var result = verifier.Verify(candidate);
            Assert.False(result.IsValid, candidate);
            Assert.NotEqual(IdentityFailureReason.None, result.Reason);
            Assert.False(string.IsNullOrEmpty(result.Error));
        }
    }

    [GeneratedRegex("^org/ns/app_[A-Za-z0-9]{8}$")]
    private static partial Regex IdPattern();
}
