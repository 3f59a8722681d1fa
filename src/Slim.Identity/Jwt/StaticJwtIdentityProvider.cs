using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Slim.Identity.Internal;
using Slim.Identity.Signatures;
using Slim.Protocol;

namespace Slim.Identity.Jwt;

/// <summary>Options of <see cref="StaticJwtIdentityProvider"/>.</summary>
public sealed record StaticJwtProviderOptions
{
    /// <summary>The defaults: a generated P-256 key, the file checked for changes at most once a second.</summary>
    public static StaticJwtProviderOptions Default { get; } = new();

    /// <summary>
    /// The app's signature key. Required when the token carries a <c>pubkey</c> claim: it must be that key's
    /// private part. Null: the provider generates a P-256 key (peers then cannot check its e2e signatures, since the
    /// token does not name the key).
    /// </summary>
    public SigningKey? SigningKey { get; init; }

    /// <summary>How often, at most, <see cref="StaticJwtIdentityProvider.GetToken"/> looks at the file for a new token.</summary>
    public TimeSpan ReloadInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Clock for the reload interval.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Logger factory for reloads; null: no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>
/// Identity from a JWT minted elsewhere and written to a file (official SLIM's <c>StaticTokenProvider</c>); the
/// file is re-read when it changes, so an external agent can rotate the token. The id is the token's <c>sub</c>,
/// read without verification (the peers verify it).
/// </summary>
public sealed class StaticJwtIdentityProvider : IIdentityProvider, IDisposable
{
    private const string Scheme = "static JWT";

    private readonly PolledFile _file;
    private readonly SigningKey _signingKey;
    private readonly bool _ownsSigningKey;
    private readonly ILogger _logger;
    private string _token;

    /// <summary>Reads the token file.</summary>
    /// <exception cref="SlimIdentityException">
    /// <see cref="SlimErrorCode.IdentityTokenUnavailable"/> when the file cannot be read;
    /// <see cref="SlimErrorCode.IdentityConfigurationInvalid"/> when it holds no JWT with a <c>sub</c>;
    /// <see cref="SlimErrorCode.IdentityKeyMismatch"/> when its <c>pubkey</c> is not the signing key's.
    /// </exception>
    public StaticJwtIdentityProvider(string path, StaticJwtProviderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= StaticJwtProviderOptions.Default;
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        try
        {
            _file = new PolledFile(path, options.ReloadInterval, options.TimeProvider);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SlimIdentityException(SlimErrorCode.IdentityTokenUnavailable, $"The token file '{path}' cannot be read: {ex.Message}", ex);
        }

        _logger = options.LoggerFactory?.CreateLogger<StaticJwtIdentityProvider>() ?? (ILogger)NullLogger.Instance;
        var token = _file.Content.Trim();
        var subject = Inspect(token, options.SigningKey, out var error, out var code);
        if (subject is null)
        {
            throw new SlimIdentityException(code, $"The token file '{path}' {error}.");
        }

        Id = subject;
        _token = token;
        _ownsSigningKey = options.SigningKey is null;
        _signingKey = options.SigningKey ?? SigningKey.GenerateEcdsaP256();
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public SignatureAlgorithm SignatureAlgorithm => _signingKey.Algorithm;

    /// <inheritdoc />
    public ReadOnlyMemory<byte> PublicKey => _signingKey.PublicKey;

    /// <summary>The token in the file; a changed file is re-read (at most once per reload interval).</summary>
    /// <remarks>
    /// A new token is taken only if it is a JWT with the same <c>sub</c> and a matching <c>pubkey</c>; otherwise the
    /// previous token is kept and a warning logged.
    /// </remarks>
    public string GetToken()
    {
        if (_file.TryReadChanged(out var content, out var readError))
        {
            if (content is null)
            {
                Log.ReloadFailed(_logger, "the token file", readError!);
            }
            else
            {
                var token = content.Trim();
                var subject = Inspect(token, _ownsSigningKey ? null : _signingKey, out var error, out _);
                if (subject is null)
                {
                    Log.ReloadFailed(_logger, "the token file", error!);
                }
                else if (subject != Id)
                {
                    Log.ReloadFailed(_logger, "the token file", "its sub differs from the provider's id");
                }
                else
                {
                    _file.Accept(content);
                    Volatile.Write(ref _token, token);
                    Log.Reloaded(_logger, "the token file");
                }
            }
        }

        return Volatile.Read(ref _token);
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

    /// <summary>The unverified subject of <paramref name="token"/> when it is usable with <paramref name="key"/>.</summary>
    private static string? Inspect(string token, SigningKey? key, out string? error, out SlimErrorCode code)
    {
        code = SlimErrorCode.IdentityConfigurationInvalid;
        if (!JwtValidation.TryParse(token, Scheme, out var parsed, out var failure))
        {
            error = "does not hold a JWT (" + failure.Error + ")";
            return null;
        }

        var claims = parsed!.Claims;
        if (string.IsNullOrEmpty(claims.Subject))
        {
            error = "holds a JWT without a sub claim";
            return null;
        }

        if (claims.PublicKeyOutcome == PublicKeyClaim.Outcome.Present &&
            (key is null || !claims.PublicKey.AsSpan().SequenceEqual(key.PublicKey.Span)))
        {
            code = SlimErrorCode.IdentityKeyMismatch;
            error = "holds a token whose pubkey is not the configured signing key";
            return null;
        }

        error = null;
        return claims.Subject;
    }
}
