using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Slim.Identity.Signatures;
using Slim.Protocol;

namespace Slim.Identity.Jwt;

/// <summary>Options of <see cref="JwtIdentityProvider"/>.</summary>
public sealed record JwtProviderOptions
{
    /// <summary>The <c>sub</c> claim, which is also the provider's <see cref="IIdentityProvider.Id"/> (and so the app id).</summary>
    public required string Subject { get; init; }

    /// <summary>The <c>iss</c> claim; null: omitted.</summary>
    public string? Issuer { get; init; }

    /// <summary>The <c>aud</c> claim (a string for one value, an array for several); empty: omitted.</summary>
    public IReadOnlyList<string> Audiences { get; init; } = [];

    /// <summary>Token lifetime: <c>exp = iat + Lifetime</c> (official default 1 h).</summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>A cached token is replaced by a new one this long before it expires.</summary>
    public TimeSpan RefreshBeforeExpiry { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The app's signature key (its public part is the <c>pubkey</c> claim). Null: the provider generates an ECDSA
    /// P-256 key and disposes it with itself; a key passed here stays owned by the caller.
    /// </summary>
    public SigningKey? SigningKey { get; init; }

    /// <summary>Clock for <c>iat</c>, <c>exp</c> and the refresh.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// Identity from JWTs this app signs itself with an issuer key (official SLIM's <c>SignerJwt</c>): claims
/// <c>sub</c>, <c>iss</c>, <c>aud</c>, <c>iat</c>, <c>exp</c> and <c>pubkey</c> (base64 of the app's P-256 key).
/// A token is reused until <see cref="JwtProviderOptions.RefreshBeforeExpiry"/> before its expiry, then re-minted.
/// </summary>
public sealed class JwtIdentityProvider : IIdentityProvider, IDisposable
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly JwtSigningKey _issuerKey;
    private readonly JwtProviderOptions _options;
    private readonly SigningKey _signingKey;
    private readonly bool _ownsSigningKey;
    private readonly string _publicKeyClaim;
    private readonly Lock _gate = new();
    private string? _token;
    private DateTimeOffset _refreshAt;

    /// <summary>Creates the provider. It does not own <paramref name="issuerKey"/>.</summary>
    /// <exception cref="SlimIdentityException">An option is invalid (<see cref="SlimErrorCode.IdentityConfigurationInvalid"/>).</exception>
    public JwtIdentityProvider(JwtSigningKey issuerKey, JwtProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(issuerKey);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        if (string.IsNullOrEmpty(options.Subject) || options.Lifetime <= TimeSpan.Zero ||
            options.RefreshBeforeExpiry < TimeSpan.Zero || options.RefreshBeforeExpiry >= options.Lifetime ||
            options.Audiences.Any(string.IsNullOrEmpty))
        {
            throw new SlimIdentityException(
                SlimErrorCode.IdentityConfigurationInvalid,
                "The subject must be set, the lifetime positive, the refresh margin shorter than the lifetime, and audiences non-empty.");
        }

        _issuerKey = issuerKey;
        _options = options;
        _ownsSigningKey = options.SigningKey is null;
        _signingKey = options.SigningKey ?? SigningKey.GenerateEcdsaP256();
        _publicKeyClaim = Convert.ToBase64String(_signingKey.PublicKey.Span);
    }

    /// <inheritdoc />
    public string Id => _options.Subject;

    /// <inheritdoc />
    public SignatureAlgorithm SignatureAlgorithm => _signingKey.Algorithm;

    /// <inheritdoc />
    public ReadOnlyMemory<byte> PublicKey => _signingKey.PublicKey;

    /// <inheritdoc />
    public string GetToken()
    {
        var now = _options.TimeProvider.GetUtcNow();
        lock (_gate)
        {
            if (_token is null || now >= _refreshAt)
            {
                _token = Mint(now);
                _refreshAt = now + _options.Lifetime - _options.RefreshBeforeExpiry;
            }

            return _token;
        }
    }

    /// <inheritdoc />
    public byte[] Sign(ReadOnlySpan<byte> data) => _signingKey.Sign(data);

    /// <summary>Disposes the app signature key if the provider generated it.</summary>
    public void Dispose()
    {
        if (_ownsSigningKey)
        {
            _signingKey.Dispose();
        }
    }

    private string Mint(DateTimeOffset now)
    {
        // Whole seconds, as NumericDate values are usually written.
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [JwtRegisteredClaimNames.Sub] = _options.Subject,
            ["pubkey"] = _publicKeyClaim,
        };
        if (_options.Audiences.Count > 1)
        {
            claims[JwtRegisteredClaimNames.Aud] = _options.Audiences.ToArray();
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audiences.Count == 1 ? _options.Audiences[0] : null,
            IssuedAt = issuedAt.UtcDateTime,
            Expires = (issuedAt + _options.Lifetime).UtcDateTime,
            Claims = claims,
            SigningCredentials = _issuerKey.Credentials,
        };
        return Handler.CreateToken(descriptor);
    }
}
