using Slim.Identity.Internal;
using Slim.Protocol;

namespace Slim.Identity.Spiffe;

/// <summary>Options of <see cref="SpiffeJwtSvidVerifier"/>.</summary>
public sealed record SpiffeVerifierOptions
{
    /// <summary>Where the trust bundles come from.</summary>
    public required SpiffeBundleSource Bundles { get; init; }

    /// <summary>
    /// The audiences this verifier identifies with; a JWT-SVID must name at least one (official SLIM default:
    /// <c>slim</c>). <c>slim-claims:</c> audiences never count.
    /// </summary>
    public IReadOnlyList<string> Audiences { get; init; } = ["slim"];

    /// <summary>Trust domains whose SVIDs are accepted; empty (the default): any domain the bundle source has a bundle for.</summary>
    public IReadOnlyList<string> TrustDomains { get; init; } = [];

    /// <summary>Tolerance on <c>exp</c> and <c>nbf</c> (default 5 s).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>When true, an SVID without a <c>pubkey</c> (in a <c>slim-claims:</c> audience or a claim) is refused.</summary>
    public bool RequirePublicKey { get; init; }

    /// <summary>Clock for the lifetime checks.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// Verifies JWT-SVIDs (SPIFFE JWT-SVID standard): an asymmetric <c>alg</c>, <c>typ</c> JWT or JOSE if present, a
/// valid SPIFFE ID as <c>sub</c>, a signature by a JWT authority of that trust domain's bundle, <c>exp</c> present
/// and not past, and an audience this verifier identifies with. The subject is the SPIFFE ID; the public key comes
/// from the <c>slim-claims:</c> audience official SLIM adds (or a <c>pubkey</c> claim).
/// </summary>
public sealed class SpiffeJwtSvidVerifier : IIdentityVerifier
{
    private const string Scheme = "JWT-SVID";

    private readonly SpiffeVerifierOptions _options;
    private readonly HashSet<string> _trustDomains;

    /// <summary>Creates the verifier. It does not own <see cref="SpiffeVerifierOptions.Bundles"/>.</summary>
    /// <exception cref="SlimIdentityException">No audience, or an invalid trust domain (<see cref="SlimErrorCode.IdentityConfigurationInvalid"/>).</exception>
    public SpiffeJwtSvidVerifier(SpiffeVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Bundles);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        if (options.Audiences.Count == 0 || options.Audiences.Any(string.IsNullOrEmpty) || options.ClockSkew < TimeSpan.Zero)
        {
            throw new SlimIdentityException(
                SlimErrorCode.IdentityConfigurationInvalid, "A JWT-SVID verifier needs at least one audience and a non-negative clock skew.");
        }

        _trustDomains = new HashSet<string>(StringComparer.Ordinal);
        foreach (var domain in options.TrustDomains)
        {
            _trustDomains.Add(SpiffeBundle.NormalizeTrustDomain(domain)
                ?? throw new SlimIdentityException(SlimErrorCode.IdentityConfigurationInvalid, $"'{domain}' is not a SPIFFE trust domain."));
        }

        _options = options;
    }

    /// <inheritdoc />
    public async ValueTask<IdentityVerification> VerifyAsync(string token, CancellationToken cancellationToken = default)
    {
        if (!JwtValidation.TryParse(token, Scheme, out var parsed, out var failure))
        {
            return failure;
        }

        if (!JwtValidation.AsymmetricAlgorithms.Contains(parsed!.Algorithm))
        {
            return JwtValidation.Fail(Scheme, IdentityFailureReason.UnsupportedAlgorithm, "the alg is not one JWT-SVIDs allow");
        }

        if (parsed.Type is not (null or "JWT" or "JOSE"))
        {
            return JwtValidation.Fail(Scheme, IdentityFailureReason.Malformed, "the typ header is neither JWT nor JOSE");
        }

        var claims = parsed.Claims;
        if (!SpiffeId.TryParse(claims.Subject, out var spiffeId, out var error))
        {
            return JwtValidation.Fail(Scheme, IdentityFailureReason.SubjectMismatch, "the sub is not a SPIFFE ID: " + error);
        }

        if (_trustDomains.Count > 0 && !_trustDomains.Contains(spiffeId.TrustDomain))
        {
            return JwtValidation.Fail(Scheme, IdentityFailureReason.SubjectMismatch, $"trust domain {spiffeId.TrustDomain} is not accepted");
        }

        var keys = await _options.Bundles.FindAsync(spiffeId.TrustDomain, parsed.KeyId, cancellationToken).ConfigureAwait(false);
        if (keys.Failure != IdentityFailureReason.None)
        {
            return JwtValidation.Fail(Scheme, keys.Failure, keys.Error!);
        }

        if (await JwtValidation.VerifySignatureAsync(parsed, keys.Keys, JwtValidation.AsymmetricAlgorithms, Scheme).ConfigureAwait(false) is { } bad)
        {
            return bad;
        }

        if (JwtValidation.CheckLifetime(claims, _options.TimeProvider, _options.ClockSkew, Scheme) is { } expired)
        {
            return expired;
        }

        if (claims.Audiences.Count == 0)
        {
            return JwtValidation.Fail(Scheme, IdentityFailureReason.AudienceMismatch, "the token has no aud claim");
        }

        if (!claims.Audiences.Any(_options.Audiences.Contains))
        {
            return JwtValidation.Fail(Scheme, IdentityFailureReason.AudienceMismatch, "no audience of the token is accepted");
        }

        if (_options.RequirePublicKey && claims.PublicKeyOutcome != PublicKeyClaim.Outcome.Present)
        {
            return JwtValidation.Fail(Scheme, IdentityFailureReason.MissingPublicKey, "the token carries no pubkey");
        }

        return IdentityVerification.Success(JwtValidation.ToIdentity(claims, spiffeId.ToString(), _options.TimeProvider));
    }
}
