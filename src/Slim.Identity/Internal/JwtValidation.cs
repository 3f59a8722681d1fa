using System.Buffers.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Slim.Identity.Internal;

/// <summary>A compact JWS split into what the checks need; nothing in it is trusted before the signature is.</summary>
internal sealed record ParsedJwt(string Token, string Algorithm, string? KeyId, string? Type, JwtClaims Claims);

/// <summary>
/// The steps shared by the JWT and JWT-SVID verifiers: parse without trusting, check the signature with the
/// candidate keys (Microsoft.IdentityModel), then check the lifetime against an injected clock. None of them throws
/// for a bad token.
/// </summary>
internal static class JwtValidation
{
    /// <summary>Longest token accepted; real ones are well under 4 kB.</summary>
    public const int MaxTokenLength = 64 * 1024;

    /// <summary>Every asymmetric JWS algorithm a JWT-SVID may use (SPIFFE JWT-SVID 2.1); the default allow-list.</summary>
    public static readonly IReadOnlyList<string> AsymmetricAlgorithms =
    [
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
    ];

    private static readonly JsonWebTokenHandler Handler = new() { MaximumTokenSizeInBytes = MaxTokenLength };

    public static IdentityVerification Fail(string scheme, IdentityFailureReason reason, string error) =>
        IdentityVerification.Failure(reason, scheme + ": " + error);

    /// <summary>Splits a compact JWS and reads its header and claims; no signature check yet.</summary>
    public static bool TryParse(string? token, string scheme, out ParsedJwt? parsed, out IdentityVerification failure)
    {
        parsed = null;
        failure = default;
        if (string.IsNullOrEmpty(token))
        {
            failure = Fail(scheme, IdentityFailureReason.Malformed, "the token is empty");
            return false;
        }

        if (token.Length > MaxTokenLength)
        {
            failure = Fail(scheme, IdentityFailureReason.Malformed, "the token is too long");
            return false;
        }

        if (token.AsSpan().Count('.') != 2)
        {
            failure = Fail(scheme, IdentityFailureReason.Malformed, "the token is not a compact JWS (three '.'-separated parts)");
            return false;
        }

        if (!IsCanonicalBase64Url(token.AsSpan(token.LastIndexOf('.') + 1)))
        {
            failure = Fail(scheme, IdentityFailureReason.Malformed, "the signature is not canonical base64url");
            return false;
        }

        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
#pragma warning disable CA1031 // Peer input: any parser failure is a malformed token, never an exception.
        catch (Exception)
#pragma warning restore CA1031
        {
            failure = Fail(scheme, IdentityFailureReason.Malformed, "the token header or payload is not valid base64url JSON");
            return false;
        }

        if (string.IsNullOrEmpty(jwt.Alg))
        {
            failure = Fail(scheme, IdentityFailureReason.Malformed, "the token header has no alg");
            return false;
        }

        var claims = JwtClaims.Parse(jwt.EncodedPayload, out var error);
        if (claims is null)
        {
            failure = Fail(scheme, IdentityFailureReason.Malformed, error!);
            return false;
        }

        if (claims.PublicKeyOutcome == PublicKeyClaim.Outcome.Invalid)
        {
            failure = Fail(scheme, IdentityFailureReason.Malformed, claims.PublicKeyError!);
            return false;
        }

        parsed = new ParsedJwt(token, jwt.Alg, string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid, jwt.Typ, claims);
        return true;
    }

    /// <summary>
    /// True for base64url without padding whose unused trailing bits are zero, so one signature has one spelling
    /// (the Rust decoder official SLIM uses refuses the others too).
    /// </summary>
    private static bool IsCanonicalBase64Url(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text.Length > MaxTokenLength)
        {
            return text.IsEmpty;
        }

        var bytes = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        if (Base64Url.DecodeFromChars(text, bytes, out _, out var written) != System.Buffers.OperationStatus.Done)
        {
            return false;
        }

        var again = new char[Base64Url.GetEncodedLength(written)];
        Base64Url.EncodeToChars(bytes.AsSpan(0, written), again);
        return again.AsSpan().SequenceEqual(text);
    }

    /// <summary>Checks the signature with <paramref name="keys"/>; null when it verifies, else the failure.</summary>
    public static async ValueTask<IdentityVerification?> VerifySignatureAsync(
        ParsedJwt parsed, IReadOnlyList<SecurityKey> keys, IEnumerable<string> algorithms, string scheme)
    {
        var parameters = new TokenValidationParameters
        {
            IssuerSigningKeys = keys,
            TryAllIssuerSigningKeys = true,
            ValidAlgorithms = algorithms,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = false,

            // Claims are checked by the callers against their own clock and rules.
            ValidateIssuer = false,
            ValidateAudience = false,
            RequireAudience = false,
            ValidateLifetime = false,
            RequireExpirationTime = false,
            ValidateTokenReplay = false,
            LogValidationExceptions = false,
        };

        TokenValidationResult result;
        try
        {
            result = await Handler.ValidateTokenAsync(parsed.Token, parameters).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Peer input: a validator failure is a failed verification.
        catch (Exception)
#pragma warning restore CA1031
        {
            return Fail(scheme, IdentityFailureReason.Malformed, "the token could not be validated");
        }

        if (result.IsValid)
        {
            return null;
        }

        return result.Exception switch
        {
            SecurityTokenInvalidAlgorithmException => Fail(scheme, IdentityFailureReason.UnsupportedAlgorithm, "the token's alg is not accepted"),
            SecurityTokenSignatureKeyNotFoundException => Fail(scheme, IdentityFailureReason.InvalidSignature, "no trusted key verifies the signature"),
            SecurityTokenInvalidSignatureException => Fail(scheme, IdentityFailureReason.InvalidSignature, "the signature does not verify"),
            SecurityTokenMalformedException => Fail(scheme, IdentityFailureReason.Malformed, "the token is malformed"),
            _ => Fail(scheme, IdentityFailureReason.InvalidSignature, "the signature could not be verified"),
        };
    }

    /// <summary>Checks <c>exp</c> (required) and <c>nbf</c> against <paramref name="time"/>; null when valid.</summary>
    public static IdentityVerification? CheckLifetime(JwtClaims claims, TimeProvider time, TimeSpan skew, string scheme)
    {
        if (claims.ExpiresAt is not { } exp)
        {
            return Fail(scheme, IdentityFailureReason.Malformed, "the token has no exp claim");
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var skewSeconds = (long)skew.TotalSeconds;
        if (now > exp + skewSeconds)
        {
            return Fail(scheme, IdentityFailureReason.Expired, "the token is expired");
        }

        if (claims.NotBefore is { } nbf && now + skewSeconds < nbf)
        {
            return Fail(scheme, IdentityFailureReason.NotYetValid, "the token is not valid yet (nbf)");
        }

        return null;
    }

    /// <summary>The identity a verified token proves.</summary>
    public static VerifiedIdentity ToIdentity(JwtClaims claims, string subject, TimeProvider time) =>
        new(
            subject,
            DateTimeOffset.FromUnixTimeSeconds(claims.IssuedAt ?? claims.NotBefore ?? time.GetUtcNow().ToUnixTimeSeconds()),
            DateTimeOffset.FromUnixTimeSeconds(claims.ExpiresAt!.Value),
            claims.PublicKey);
}
