namespace Slim.Identity;

/// <summary>
/// The remote side of an identity: checks a token presented by a peer and returns what it proves.
/// </summary>
/// <remarks>
/// Verification never throws for a bad token: it returns a failed <see cref="IdentityVerification"/> whose
/// <see cref="IdentityVerification.Error"/> says why, so a receive loop can log and drop. It may be asynchronous
/// (JWKS and SPIFFE bundles are fetched and cached). Implementations are thread-safe.
/// </remarks>
public interface IIdentityVerifier
{
    /// <summary>Verifies <paramref name="token"/> (signature or MAC, expiry with the allowed clock skew, audience...).</summary>
    ValueTask<IdentityVerification> VerifyAsync(string token, CancellationToken cancellationToken = default);
}

/// <summary>What a verified token proves.</summary>
/// <param name="Subject">The <c>sub</c> (shared secret: the token id, e.g. <c>org/ns/app_AbCdEf12</c>).</param>
/// <param name="IssuedAt">When the token was issued.</param>
/// <param name="ExpiresAt">When it stops being valid.</param>
/// <param name="PublicKey">The <c>pubkey</c> claim decoded (P-256: 65 bytes), or empty when the token has none.</param>
public sealed record VerifiedIdentity(
    string Subject, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, ReadOnlyMemory<byte> PublicKey);

/// <summary>The outcome of <see cref="IIdentityVerifier.VerifyAsync"/>: an identity, or an error text.</summary>
public readonly record struct IdentityVerification(VerifiedIdentity? Identity, string? Error)
{
    /// <summary>True when the token verified.</summary>
    public bool IsValid => Identity is not null;

    /// <summary>A successful verification.</summary>
    public static IdentityVerification Success(VerifiedIdentity identity) => new(identity, null);

    /// <summary>A failed verification with the reason (never contains the token or a secret).</summary>
    public static IdentityVerification Failure(string error) => new(null, error);
}
