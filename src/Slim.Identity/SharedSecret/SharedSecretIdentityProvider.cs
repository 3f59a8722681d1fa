using System.Security.Cryptography;
using Slim.Identity.Internal;
using Slim.Identity.Signatures;
using Slim.Protocol;

namespace Slim.Identity.SharedSecret;

/// <summary>Options of <see cref="SharedSecretIdentityProvider"/>.</summary>
public sealed record SharedSecretProviderOptions
{
    /// <summary>The defaults: system clock, a fresh P-256 key, a random id suffix.</summary>
    public static SharedSecretProviderOptions Default { get; } = new();

    /// <summary>Clock for the token timestamps.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The app's signature key. Null (the default): the provider generates an ECDSA P-256 key and disposes it with
    /// itself. A key passed here stays owned by the caller.
    /// </summary>
    public SigningKey? SigningKey { get; init; }

    /// <summary>
    /// The suffix appended after <c>_</c> to the name to form <see cref="SharedSecretIdentityProvider.Id"/>. Null (the
    /// default, as official SLIM does): 8 random ASCII letters and digits, so each process gets its own app id.
    /// </summary>
    public string? IdSuffix { get; init; }
}

/// <summary>
/// Identity from a secret shared by every app of a deployment: tokens <c>id:ts:nonce:claims:mac</c> MACed with
/// HMAC-SHA256, exactly as official SLIM mints them. Anyone holding the secret can mint a token for any id: use it for
/// development and closed deployments.
/// </summary>
/// <remarks>
/// <see cref="GetToken"/> mints a fresh token (new timestamp and nonce) on every call, as official senders do per
/// message batch; minting costs one HMAC. The <c>pubkey</c> claim carries <see cref="PublicKey"/>.
/// </remarks>
public sealed class SharedSecretIdentityProvider : IIdentityProvider, IDisposable
{
    private const int SuffixLength = 8;
    private const string Alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private readonly SharedSecretKey _key;
    private readonly SigningKey _signingKey;
    private readonly bool _ownsSigningKey;
    private readonly TimeProvider _time;
    private readonly string _claims;
    private volatile bool _disposed;

    /// <summary>Creates the provider.</summary>
    /// <param name="name">The identity name (e.g. <c>org/ns/app</c>): non-empty, no <c>:</c>, no white space.</param>
    /// <param name="secret">The shared secret: at least 32 bytes of UTF-8.</param>
    /// <param name="options">Options, or null for <see cref="SharedSecretProviderOptions.Default"/>.</param>
    /// <exception cref="SlimIdentityException">
    /// <see cref="SlimErrorCode.IdentitySecretTooShort"/> for a short secret; <see cref="SlimErrorCode.IdentityConfigurationInvalid"/>
    /// for an invalid name or suffix.
    /// </exception>
    public SharedSecretIdentityProvider(string name, string secret, SharedSecretProviderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(secret);
        options ??= SharedSecretProviderOptions.Default;
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        var suffix = options.IdSuffix ?? RandomNumberGenerator.GetString(Alphanumerics, SuffixLength);
        var id = name + "_" + suffix;
        if (name.Length == 0 || !SharedSecretTokenFormat.IsValidId(id))
        {
            throw new SlimIdentityException(
                SlimErrorCode.IdentityConfigurationInvalid,
                "A shared-secret identity name must be non-empty and contain no ':' or white space.");
        }

        _key = new SharedSecretKey(secret);
        Name = name;
        Id = id;
        _time = options.TimeProvider;
        _ownsSigningKey = options.SigningKey is null;
        _signingKey = options.SigningKey ?? SigningKey.GenerateEcdsaP256();
        _claims = SharedSecretTokenFormat.EncodeClaims(_signingKey.PublicKey.Span);
    }

    /// <summary>The name this provider was created with (its <see cref="Id"/> without the suffix).</summary>
    public string Name { get; }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public SignatureAlgorithm SignatureAlgorithm => _signingKey.Algorithm;

    /// <inheritdoc />
    public ReadOnlyMemory<byte> PublicKey => _signingKey.PublicKey;

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The provider was disposed.</exception>
    public string GetToken()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return SharedSecretTokenFormat.Create(Id, _time.GetUtcNow().ToUnixTimeSeconds(), _claims, _key);
    }

    /// <inheritdoc />
    public byte[] Sign(ReadOnlySpan<byte> data) => _signingKey.Sign(data);

    /// <summary>Wipes the secret and disposes the signature key if the provider generated it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _key.Dispose();
        if (_ownsSigningKey)
        {
            _signingKey.Dispose();
        }
    }
}
