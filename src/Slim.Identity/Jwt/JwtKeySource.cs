using Microsoft.Extensions.Logging;
using Slim.Identity.Internal;
using Slim.Protocol;

namespace Slim.Identity.Jwt;

/// <summary>Options of a key set fetched over HTTP(S) (<see cref="JwtKeySource.FromJwksUri"/>, <see cref="JwtKeySource.FromIssuer"/>).</summary>
public sealed record JwksOptions
{
    /// <summary>The defaults: keys cached 1 h, unknown-kid refreshes at most every 30 s, 10 s request timeout.</summary>
    public static JwksOptions Default { get; } = new();

    /// <summary>How long fetched keys are used before they are fetched again (official SLIM: 1 h).</summary>
    public TimeSpan CacheDuration { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The least time between two fetches. A token whose <c>kid</c> is unknown triggers a refresh (the issuer may
    /// have rotated its key), but no more often than this, so a flood of forged kids cannot hammer the endpoint.
    /// </summary>
    public TimeSpan MinRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one HTTP request (applied to the client the source creates).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The HTTP client to use; null: the source creates (and disposes) its own.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>Clock for the cache ages.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Logger factory for fetch failures; null: no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>
/// Where a JWT verifier finds the public keys that sign tokens: a PEM key or certificate, a JWKS document, or a
/// JWKS endpoint (directly or through OpenID Connect discovery), fetched and cached.
/// </summary>
/// <remarks>Dispose a source that fetches over HTTP when it is no longer used. Instances are thread-safe.</remarks>
public abstract class JwtKeySource : IDisposable
{
    private protected JwtKeySource()
    {
    }

    /// <summary>
    /// A fixed key from PEM text: a public key (<c>PUBLIC KEY</c>, <c>RSA PUBLIC KEY</c>), a private key (only its
    /// public part is kept) or one or more <c>CERTIFICATE</c>s. Tokens are checked against it whatever their <c>kid</c>.
    /// </summary>
    /// <exception cref="SlimIdentityException">No usable EC or RSA key (<see cref="SlimErrorCode.IdentityKeyInvalid"/>).</exception>
    public static JwtKeySource FromPem(string pem) => new StaticJwtKeySource(new JwkSet(PemKeys.ReadVerificationKeys(pem)), matchAnyKeyId: true, "the PEM key");

    /// <summary>A fixed key from a PEM file (see <see cref="FromPem"/>).</summary>
    /// <exception cref="SlimIdentityException">The file cannot be read or holds no usable key.</exception>
    public static JwtKeySource FromPemFile(string path) => FromPem(ReadFile(path));

    /// <summary>Fixed keys from a JWKS document (RFC 7517 <c>{"keys": [...]}</c>); EC and RSA keys are used.</summary>
    /// <exception cref="SlimIdentityException">The document is not a JWKS (<see cref="SlimErrorCode.IdentityKeyInvalid"/>).</exception>
    public static JwtKeySource FromJwks(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var set = JwkSet.Parse(System.Text.Encoding.UTF8.GetBytes(json), AcceptSignatureUse, out _);
            return new StaticJwtKeySource(set, matchAnyKeyId: false, "the JWKS");
        }
        catch (FormatException ex)
        {
            throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, "The JWKS document is invalid: " + ex.Message, ex);
        }
    }

    /// <summary>Keys fetched from a JWKS endpoint, cached and refreshed (see <see cref="JwksOptions"/>).</summary>
    public static JwtKeySource FromJwksUri(Uri jwksUri, JwksOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(jwksUri);
        return new HttpJwtKeySource(jwksUri, discovery: false, options ?? JwksOptions.Default);
    }

    /// <summary>
    /// Keys of an OpenID Connect issuer: its <c>/.well-known/openid-configuration</c> names the <c>jwks_uri</c>,
    /// which is then fetched like <see cref="FromJwksUri"/> (official SLIM's <c>autoresolve</c>).
    /// </summary>
    public static JwtKeySource FromIssuer(Uri issuer, JwksOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        return new HttpJwtKeySource(issuer, discovery: true, options ?? JwksOptions.Default);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Finds the keys a token with <paramref name="keyId"/> may be signed with.</summary>
    internal abstract ValueTask<KeyLookup> FindAsync(string? keyId, CancellationToken cancellationToken);

    /// <summary>Releases the HTTP client the source created, if any.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>JWKS keys used for signatures: <c>use</c> absent or <c>sig</c>.</summary>
    internal static bool AcceptSignatureUse(string? use) => use is null or "sig";

    internal static string ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, $"The key file '{path}' cannot be read: {ex.Message}", ex);
        }
    }
}
