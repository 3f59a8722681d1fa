namespace Slim.Mls.Credentials;

/// <summary>Why a credential is being validated (RFC 9420 section 5.3.1 lists the events).</summary>
public enum CredentialValidationReason
{
    /// <summary>A KeyPackage that is about to be added, or an Add proposal being processed.</summary>
    NewMember = 0,

    /// <summary>A member of the tree of a group this client is joining.</summary>
    ExistingMember = 1,

    /// <summary>A replacement credential in an Update proposal or a commit's UpdatePath.</summary>
    Successor = 2,

    /// <summary>An entry of an <c>external_senders</c> group context extension.</summary>
    ExternalSender = 3,

    /// <summary>The credential of a client joining through an external commit.</summary>
    ExternalJoiner = 4,
}

/// <summary>The outcome of <see cref="ICredentialValidator.ValidateAsync"/>.</summary>
/// <param name="IsValid">True when the credential is acceptable for its signature key.</param>
/// <param name="Identity">
/// The application-level identity the credential proves (SLIM: the token's <c>sub</c>), used to detect a client that
/// is already a member and to check successors; null when the application has none.
/// </param>
/// <param name="Error">Why the credential was refused (never contains secrets).</param>
public readonly record struct CredentialValidation(bool IsValid, string? Identity, string? Error)
{
    /// <summary>An accepted credential.</summary>
    public static CredentialValidation Accept(string? identity = null) => new(true, identity, null);

    /// <summary>A refused credential.</summary>
    public static CredentialValidation Reject(string error) => new(false, null, error);
}

/// <summary>
/// The Authentication Service hook (RFC 9420 section 5.3.1): checks that a credential legitimately binds its presented
/// identity to a signature key. SLIM plugs its identity-token verifier in here. Implementations are thread-safe.
/// </summary>
public interface ICredentialValidator
{
    /// <summary>Validates <paramref name="credential"/> for <paramref name="signatureKey"/>.</summary>
    ValueTask<CredentialValidation> ValidateAsync(
        Credential credential, ReadOnlyMemory<byte> signatureKey, CredentialValidationReason reason, CancellationToken cancellationToken = default);

    /// <summary>
    /// True when a member presenting <paramref name="predecessor"/> may now present <paramref name="successor"/>.
    /// The default accepts when both identities are known and equal, or both unknown and the credentials are equal.
    /// </summary>
    bool IsValidSuccessor(CredentialValidation predecessor, Credential predecessorCredential, CredentialValidation successor, Credential successorCredential) =>
        predecessor.Identity is not null || successor.Identity is not null
            ? string.Equals(predecessor.Identity, successor.Identity, StringComparison.Ordinal)
            : predecessorCredential.Equals(successorCredential);
}

/// <summary>
/// Accepts every basic credential (its identity as UTF-8 text when it decodes as such) and refuses X.509 and unknown
/// types. Suitable for tests and for applications that authenticate members some other way.
/// </summary>
public sealed class BasicCredentialValidator : ICredentialValidator
{
    /// <summary>The shared instance.</summary>
    public static BasicCredentialValidator Instance { get; } = new();

    /// <inheritdoc />
    public ValueTask<CredentialValidation> ValidateAsync(
        Credential credential, ReadOnlyMemory<byte> signatureKey, CredentialValidationReason reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return ValueTask.FromResult(credential.Type switch
        {
            CredentialType.Basic => CredentialValidation.Accept(Convert.ToHexString(credential.Identity.Span)),
            CredentialType.X509 => CredentialValidation.Reject("X.509 credentials are not supported by this validator."),
            _ => CredentialValidation.Reject($"Credential type {(ushort)credential.Type} is not supported."),
        });
    }
}
