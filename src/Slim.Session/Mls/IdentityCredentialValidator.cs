using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Slim.Identity;
using Slim.Mls.Credentials;

namespace Slim.Session.Mls;

/// <summary>
/// The MLS Authentication Service of SLIM: a member's Basic credential holds an identity token, which must verify with
/// the app's <see cref="IIdentityVerifier"/> and whose <c>pubkey</c> claim must be the member's leaf signature key.
/// The member's MLS identity is the token's subject (<c>sub</c>); a member may replace its credential only by one with
/// the same subject. Credentials of external senders and external joiners are refused, as official SLIM does.
/// </summary>
/// <remarks>
/// <para>
/// Verification is asynchronous (JWT and SPIFFE verifiers may fetch keys) and MLS awaits it, so nothing blocks.
/// Successful checks are remembered (bounded by the capacity; when full, the memory is cleared): a credential already
/// accepted is not sent to the verifier again. For a new member the remembered check counts only while its token is
/// within its validity; for a credential that is already part of the group (a member of a tree being joined, or a
/// committer's unchanged credential in an UpdatePath) it counts for good, because the token authenticated the member
/// when it was admitted and tokens are only minted once per KeyPackage. A credential this validator has not seen is
/// always verified, so a newcomer joining a group older than the token validity (official: 1 h) still refuses its
/// members' expired tokens, exactly as official SLIM does.
/// </para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed class IdentityCredentialValidator : ICredentialValidator
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly IIdentityVerifier _verifier;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<string, Accepted> _accepted = new(StringComparer.Ordinal);
    private readonly Action<CredentialValidationReason, IdentityFailureReason, string>? _onRejected;
    private long _verifications;

    /// <summary>Creates the validator.</summary>
    /// <param name="verifier">Verifies the identity tokens carried by the credentials.</param>
    /// <param name="timeProvider">The clock for the validity of remembered checks; the system clock when null.</param>
    /// <param name="cacheCapacity">How many accepted credentials are remembered.</param>
    public IdentityCredentialValidator(IIdentityVerifier verifier, TimeProvider? timeProvider = null, int cacheCapacity = 1024)
        : this(verifier, timeProvider, cacheCapacity, null)
    {
    }

    internal IdentityCredentialValidator(
        IIdentityVerifier verifier,
        TimeProvider? timeProvider,
        int cacheCapacity,
        Action<CredentialValidationReason, IdentityFailureReason, string>? onRejected)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        ArgumentOutOfRangeException.ThrowIfLessThan(cacheCapacity, 1);
        _verifier = verifier;
        _time = timeProvider ?? TimeProvider.System;
        _capacity = cacheCapacity;
        _onRejected = onRejected;
    }

    /// <summary>Number of verifier calls made so far (each accepted or refused token counts once).</summary>
    public long Verifications => Interlocked.Read(ref _verifications);

    /// <inheritdoc />
    public async ValueTask<CredentialValidation> ValidateAsync(
        Credential credential, ReadOnlyMemory<byte> signatureKey, CredentialValidationReason reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credential);
        if (reason is CredentialValidationReason.ExternalSender or CredentialValidationReason.ExternalJoiner)
        {
            return Reject(reason, IdentityFailureReason.Other, "SLIM groups accept no external senders or joiners.");
        }

        if (credential.Type != CredentialType.Basic)
        {
            return Reject(reason, IdentityFailureReason.Malformed, $"Only basic credentials carry SLIM identity tokens (got {credential.Type}).");
        }

        var key = CacheKey(credential.Identity.Span, signatureKey.Span);
        if (_accepted.TryGetValue(key, out var known) &&
            (reason != CredentialValidationReason.NewMember || _time.GetUtcNow() < known.ExpiresAt))
        {
            return CredentialValidation.Accept(known.Subject);
        }

        string token;
        try
        {
            token = StrictUtf8.GetString(credential.Identity.Span);
        }
        catch (DecoderFallbackException)
        {
            return Reject(reason, IdentityFailureReason.Malformed, "The credential's identity is not a UTF-8 token.");
        }

        Interlocked.Increment(ref _verifications);
        var verification = await _verifier.VerifyAsync(token, cancellationToken).ConfigureAwait(false);
        if (verification.Identity is not { } identity)
        {
            return Reject(reason, verification.Reason, $"The identity token does not verify: {verification.Error}");
        }

        if (identity.PublicKey.IsEmpty)
        {
            return Reject(reason, IdentityFailureReason.MissingPublicKey, "The identity token has no pubkey claim.");
        }

        if (!identity.PublicKey.Span.SequenceEqual(signatureKey.Span))
        {
            return Reject(reason, IdentityFailureReason.Other, "The identity token's pubkey is not the leaf signature key.");
        }

        if (_accepted.Count >= _capacity)
        {
            _accepted.Clear();
        }

        _accepted[key] = new Accepted(identity.Subject, identity.ExpiresAt);
        return CredentialValidation.Accept(identity.Subject);
    }

    /// <summary>A member may present a new credential only with the same subject (official SLIM's successor rule).</summary>
    public bool IsValidSuccessor(
        CredentialValidation predecessor, Credential predecessorCredential, CredentialValidation successor, Credential successorCredential) =>
        predecessor.IsValid && successor.IsValid && predecessor.Identity is not null &&
        string.Equals(predecessor.Identity, successor.Identity, StringComparison.Ordinal);

    private static string CacheKey(ReadOnlySpan<byte> identity, ReadOnlySpan<byte> signatureKey)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, identity.Length);
        hash.AppendData(length);
        hash.AppendData(identity);
        hash.AppendData(signatureKey);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Convert.ToHexString(digest);
    }

    private CredentialValidation Reject(CredentialValidationReason reason, IdentityFailureReason failure, string error)
    {
        _onRejected?.Invoke(reason, failure, error);
        return CredentialValidation.Reject(error);
    }

    private sealed record Accepted(string Subject, DateTimeOffset ExpiresAt);
}
