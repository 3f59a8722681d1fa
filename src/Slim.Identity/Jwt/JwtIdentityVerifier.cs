using Slim.Identity.Internal;
using Slim.Protocol;

namespace Slim.Identity.Jwt;

/// <summary>Options of <see cref="JwtIdentityVerifier"/>.</summary>
public sealed record JwtVerifierOptions
{
    /// <summary>Where the signing keys come from.</summary>
    public required JwtKeySource Keys { get; init; }

    /// <summary>Accepted <c>iss</c> values; empty (the default): the issuer is not checked.</summary>
    public IReadOnlyList<string> Issuers { get; init; } = [];

    /// <summary>Accepted <c>aud</c> values: a token must name at least one; empty (the default): not checked.</summary>
    public IReadOnlyList<string> Audiences { get; init; } = [];

    /// <summary>The only <c>sub</c> accepted; null (the default): any subject.</summary>
    public string? Subject { get; init; }

    /// <summary>Tolerance on <c>exp</c> and <c>nbf</c> for clocks that disagree (default 5 s, as for shared secrets).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Accepted JWS algorithms (default: ES256/384/512, RS256/384/512, PS256/384/512; never <c>none</c> or HMAC).</summary>
    public IReadOnlyList<string> Algorithms { get; init; } = JwtValidation.AsymmetricAlgorithms;

    /// <summary>When true, a token without a <c>pubkey</c> claim is refused (it could not back e2e signatures).</summary>
    public bool RequirePublicKey { get; init; }

    /// <summary>Clock for the lifetime checks.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// Verifies JWT identity tokens: the signature with a key from <see cref="JwtVerifierOptions.Keys"/> (chosen by
/// <c>kid</c>), <c>exp</c> (required) and <c>nbf</c> with clock skew, then the issuer, audience and subject rules.
/// The verified subject is <c>sub</c>; the public key is the <c>pubkey</c> claim (top level, under
/// <c>custom_claims</c>, or in a <c>slim-claims:</c> audience).
/// </summary>
public sealed class JwtIdentityVerifier : IIdentityVerifier
{
    private const string Scheme = "JWT";

    private readonly JwtVerifierOptions _options;
    private readonly HashSet<string> _algorithms;

    /// <summary>Creates the verifier. It does not own <see cref="JwtVerifierOptions.Keys"/>.</summary>
    /// <exception cref="SlimIdentityException">An option is invalid (<see cref="SlimErrorCode.IdentityConfigurationInvalid"/>).</exception>
    public JwtIdentityVerifier(JwtVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Keys);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        if (options.ClockSkew < TimeSpan.Zero || options.Algorithms.Count == 0 ||
            options.Algorithms.Any(a => a is null || !JwtValidation.AsymmetricAlgorithms.Contains(a)))
        {
            throw new SlimIdentityException(
                SlimErrorCode.IdentityConfigurationInvalid,
                "The clock skew must not be negative and the algorithms must be asymmetric JWS algorithms (ES*, RS*, PS*).");
        }

        _options = options;
        _algorithms = new HashSet<string>(options.Algorithms, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public async ValueTask<IdentityVerification> VerifyAsync(string token, CancellationToken cancellationToken = default)
    {
        if (!JwtValidation.TryParse(token, Scheme, out var parsed, out var failure))
        {
            return failure;
        }

        if (!_algorithms.Contains(parsed!.Algorithm))
        {
            return JwtValidation.Fail(Scheme, IdentityFailureReason.UnsupportedAlgorithm, "the token's alg is not accepted");
        }

        var keys = await _options.Keys.FindAsync(parsed.KeyId, cancellationToken).ConfigureAwait(false);
        if (keys.Failure != IdentityFailureReason.None)
        {
            return JwtValidation.Fail(Scheme, keys.Failure, keys.Error!);
        }

        if (await JwtValidation.VerifySignatureAsync(parsed, keys.Keys, _algorithms, Scheme).ConfigureAwait(false) is { } bad)
        {
            return bad;
        }

        var claims = parsed.Claims;
        if (JwtValidation.CheckLifetime(claims, _options.TimeProvider, _options.ClockSkew, Scheme) is { } expired)
        {
            return expired;
        }

        if (_options.Issuers.Count > 0 && (claims.Issuer is null || !_options.Issuers.Contains(claims.Issuer)))
        {
            return JwtValidation.Fail(Scheme, IdentityFailureReason.IssuerMismatch, "the issuer is not accepted");
        }

        if (_options.Audiences.Count > 0 && !claims.Audiences.Any(_options.Audiences.Contains))
        {
            return JwtValidation.Fail(Scheme, IdentityFailureReason.AudienceMismatch, "no audience of the token is accepted");
        }

        if (string.IsNullOrEmpty(claims.Subject))
        {
            return JwtValidation.Fail(Scheme, IdentityFailureReason.SubjectMismatch, "the token has no sub claim");
        }

        if (_options.Subject is not null && !string.Equals(_options.Subject, claims.Subject, StringComparison.Ordinal))
        {
            return JwtValidation.Fail(Scheme, IdentityFailureReason.SubjectMismatch, "the subject is not the one expected");
        }

        if (_options.RequirePublicKey && claims.PublicKeyOutcome != PublicKeyClaim.Outcome.Present)
        {
            return JwtValidation.Fail(Scheme, IdentityFailureReason.MissingPublicKey, "the token has no pubkey claim");
        }

        return IdentityVerification.Success(JwtValidation.ToIdentity(claims, claims.Subject, _options.TimeProvider));
    }
}
