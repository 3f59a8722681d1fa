using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Slim.Identity.Internal;
using Slim.Protocol;

namespace Slim.Identity.SharedSecret;

/// <summary>Options of <see cref="SharedSecretIdentityVerifier"/>.</summary>
public sealed record SharedSecretVerifierOptions
{
    /// <summary>The official defaults: 1 h validity, 5 s clock skew, no replay cache.</summary>
    public static SharedSecretVerifierOptions Default { get; } = new();

    /// <summary>How long after its timestamp a token is accepted (official: 3600 s).</summary>
    public TimeSpan Validity { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How far in the future a token's timestamp may be (official: 5 s).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Number of recently accepted tokens remembered to refuse a second presentation; 0 (the default, as official
    /// SLIM) turns the check off. Official senders mint a fresh token per message batch, so a repeat is a replay.
    /// Past the capacity the oldest entries are forgotten.
    /// </summary>
    public int ReplayCacheCapacity { get; init; }

    /// <summary>Clock for the validity checks.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// Verifies shared-secret tokens (<c>id:ts:nonce:claims:mac</c>) from any app that holds the same secret: the
/// HMAC (compared in constant time), the timestamp window and, optionally, replays. The subject is the token id and
/// the public key its <c>pubkey</c> claim (top level or under <c>custom_claims</c>).
/// </summary>
/// <remarks>Verification is synchronous; <see cref="Verify"/> may be called directly (MLS credential checks).</remarks>
public sealed class SharedSecretIdentityVerifier : IIdentityVerifier, IDisposable
{
    private readonly SharedSecretKey _key;
    private readonly TimeProvider _time;
    private readonly long _validitySeconds;
    private readonly long _skewSeconds;
    private readonly ReplayCache? _replays;

    /// <summary>Creates the verifier.</summary>
    /// <param name="secret">The shared secret: at least 32 bytes of UTF-8.</param>
    /// <param name="options">Options, or null for <see cref="SharedSecretVerifierOptions.Default"/>.</param>
    /// <exception cref="SlimIdentityException">
    /// <see cref="SlimErrorCode.IdentitySecretTooShort"/> for a short secret; <see cref="SlimErrorCode.IdentityConfigurationInvalid"/>
    /// for a negative duration or capacity.
    /// </exception>
    public SharedSecretIdentityVerifier(string secret, SharedSecretVerifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(secret);
        options ??= SharedSecretVerifierOptions.Default;
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        if (options.Validity <= TimeSpan.Zero || options.ClockSkew < TimeSpan.Zero || options.ReplayCacheCapacity < 0)
        {
            throw new SlimIdentityException(
                SlimErrorCode.IdentityConfigurationInvalid,
                "Validity must be positive; clock skew and replay cache capacity must not be negative.");
        }

        _key = new SharedSecretKey(secret);
        _time = options.TimeProvider;
        _validitySeconds = (long)options.Validity.TotalSeconds;
        _skewSeconds = (long)options.ClockSkew.TotalSeconds;
        _replays = options.ReplayCacheCapacity > 0 ? new ReplayCache(options.ReplayCacheCapacity) : null;
    }

    /// <inheritdoc />
    public ValueTask<IdentityVerification> VerifyAsync(string token, CancellationToken cancellationToken = default) =>
        new(Verify(token));

    /// <summary>Verifies <paramref name="token"/> synchronously. Never throws for a bad token.</summary>
    public IdentityVerification Verify(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return Fail(IdentityFailureReason.Malformed, "the token is empty");
        }

        if (token.Length > SharedSecretTokenFormat.MaxTokenLength)
        {
            return Fail(IdentityFailureReason.Malformed, "the token is too long");
        }

        // Exactly five ':'-separated parts; the id may not contain ':'.
        Span<Range> parts = stackalloc Range[6];
        var span = token.AsSpan();
        if (span.Split(parts, ':') != 5)
        {
            return Fail(IdentityFailureReason.Malformed, "the token does not have 5 ':'-separated parts");
        }

        var id = span[parts[0]];
        var ts = span[parts[1]];
        var nonce = span[parts[2]];
        var claims = span[parts[3]];
        var mac = span[parts[4]];
        if (!SharedSecretTokenFormat.IsValidId(id))
        {
            return Fail(IdentityFailureReason.Malformed, "the token id is empty or contains white space");
        }

        if (!TryParseTimestamp(ts, out var issuedAt))
        {
            return Fail(IdentityFailureReason.Malformed, "the token timestamp is not a decimal number of seconds");
        }

        if (nonce.IsEmpty)
        {
            return Fail(IdentityFailureReason.Malformed, "the token nonce is empty");
        }

        Span<byte> presented = stackalloc byte[SharedSecretTokenFormat.MacSize];
        if (mac.Length != Base64Url.GetEncodedLength(SharedSecretTokenFormat.MacSize) ||
            Base64Url.DecodeFromChars(mac, presented, out _, out var macLength) != OperationStatus.Done ||
            macLength != SharedSecretTokenFormat.MacSize)
        {
            return Fail(IdentityFailureReason.Malformed, "the token MAC is not 32 bytes of base64url");
        }

        // Canonical encoding only (as official SLIM's decoder): the unused low bits of the last character must be
        // zero, so one MAC has one spelling.
        Span<char> canonical = stackalloc char[mac.Length];
        Base64Url.EncodeToChars(presented, canonical);
        if (!canonical.SequenceEqual(mac))
        {
            return Fail(IdentityFailureReason.Malformed, "the token MAC is not canonical base64url");
        }

        if (!MacMatches(span[..(parts[4].Start.Value - 1)], presented))
        {
            return Fail(IdentityFailureReason.InvalidSignature, "the token MAC does not match the shared secret");
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (issuedAt > now + _skewSeconds)
        {
            return Fail(IdentityFailureReason.NotYetValid, "the token timestamp is in the future beyond the clock skew");
        }

        if (now - issuedAt > _validitySeconds)
        {
            return Fail(IdentityFailureReason.Expired, "the token is older than the validity window");
        }

        if (!TryReadPublicKey(claims, out var publicKey, out var claimsError))
        {
            return Fail(IdentityFailureReason.Malformed, claimsError!);
        }

        var expiresAt = issuedAt + _validitySeconds;
        if (_replays is not null && !_replays.TryAdd(string.Concat(ts, ":", nonce), expiresAt, now))
        {
            return Fail(IdentityFailureReason.Replayed, "the token was already presented");
        }

        return IdentityVerification.Success(new VerifiedIdentity(
            id.ToString(),
            DateTimeOffset.FromUnixTimeSeconds(issuedAt),
            DateTimeOffset.FromUnixTimeSeconds(expiresAt),
            publicKey));
    }

    /// <summary>Wipes the secret.</summary>
    public void Dispose() => _key.Dispose();

    private static IdentityVerification Fail(IdentityFailureReason reason, string error) =>
        IdentityVerification.Failure(reason, "shared-secret token: " + error);

    private static bool TryParseTimestamp(ReadOnlySpan<char> text, out long seconds)
    {
        seconds = 0;
        // Unsigned decimal; 11 digits reach year 5138, beyond which DateTimeOffset cannot go anyway.
        if (text.IsEmpty || text.Length > 11)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            seconds = (seconds * 10) + (c - '0');
        }

        return seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds();
    }

    private bool MacMatches(ReadOnlySpan<char> signedPart, ReadOnlySpan<byte> presented)
    {
        var length = Encoding.UTF8.GetByteCount(signedPart);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var bytes = rented.AsSpan(0, length);
            Encoding.UTF8.GetBytes(signedPart, bytes);
            Span<byte> expected = stackalloc byte[SharedSecretTokenFormat.MacSize];
            _key.Mac(bytes, expected);
            return CryptographicOperations.FixedTimeEquals(expected, presented);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool TryReadPublicKey(ReadOnlySpan<char> claims, out byte[] publicKey, out string? error)
    {
        publicKey = [];
        error = null;
        if (claims.IsEmpty)
        {
            return true;
        }

        byte[] json;
        try
        {
            json = Base64Url.DecodeFromChars(claims);
        }
        catch (FormatException)
        {
            error = "the token claims are not base64url";
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (PublicKeyClaim.Read(document.RootElement, out publicKey, out var claimError) == PublicKeyClaim.Outcome.Invalid)
            {
                error = "the token claims are invalid: " + claimError;
                return false;
            }

            return true;
        }
        catch (JsonException)
        {
            error = "the token claims are not JSON";
            return false;
        }
    }
}
