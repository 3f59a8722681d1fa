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

/// <summary>The outcome of <see cref="IIdentityVerifier.VerifyAsync"/>: an identity, or an error text and reason.</summary>
public readonly record struct IdentityVerification(VerifiedIdentity? Identity, string? Error)
{
    /// <summary>True when the token verified.</summary>
    public bool IsValid => Identity is not null;

    /// <summary>
    /// Why verification failed, for metrics and decisions (<see cref="IdentityFailureReason.None"/> on success);
    /// <see cref="Error"/> holds the human-readable detail.
    /// </summary>
    public IdentityFailureReason Reason { get; init; }

    /// <summary>A successful verification.</summary>
    public static IdentityVerification Success(VerifiedIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return new(identity, null);
    }

    /// <summary>A failed verification with the reason (never contains the token or a secret).</summary>
    public static IdentityVerification Failure(string error) => Failure(IdentityFailureReason.Other, error);

    /// <summary>A failed verification with a machine-readable reason and its detail (never the token or a secret).</summary>
    public static IdentityVerification Failure(IdentityFailureReason reason, string error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(null, error) { Reason = reason == IdentityFailureReason.None ? IdentityFailureReason.Other : reason };
    }
}

/// <summary>Why a token or signature did not verify.</summary>
public enum IdentityFailureReason
{
    /// <summary>It verified.</summary>
    None = 0,

    /// <summary>A reason not covered below.</summary>
    Other = 1,

    /// <summary>The token or signature is not in the expected format (parts, encoding, JSON, claims types).</summary>
    Malformed = 2,

    /// <summary>The MAC or signature does not match.</summary>
    InvalidSignature = 3,

    /// <summary>The token is past its validity (beyond the allowed clock skew).</summary>
    Expired = 4,

    /// <summary>The token's issue time (or <c>nbf</c>) is further in the future than the allowed clock skew.</summary>
    NotYetValid = 5,

    /// <summary>The token was already seen (replay cache).</summary>
    Replayed = 6,

    /// <summary>No trusted key matches the token (unknown <c>kid</c>, no bundle for its trust domain).</summary>
    UnknownKey = 7,

    /// <summary>The trusted keys could not be obtained (JWKS or bundle fetch failed).</summary>
    KeyUnavailable = 8,

    /// <summary>The issuer is not one of those accepted.</summary>
    IssuerMismatch = 9,

    /// <summary>No audience of the token is one of those accepted.</summary>
    AudienceMismatch = 10,

    /// <summary>The subject is missing, not the one expected, or not a valid SPIFFE ID.</summary>
    SubjectMismatch = 11,

    /// <summary>The token carries no <c>pubkey</c> claim, or its key is unusable, so a signature cannot be checked.</summary>
    MissingPublicKey = 12,

    /// <summary>The token or signature uses an algorithm that is not accepted or not available.</summary>
    UnsupportedAlgorithm = 13,

    /// <summary>The message carries no end-to-end signature.</summary>
    MissingSignature = 14,
}
