namespace Slim.Mls;

/// <summary>
/// Machine-readable reasons carried by every <see cref="MlsException"/>. Values are stable (they may appear in logs and
/// metrics) and grouped in ranges of one hundred.
/// </summary>
/// <remarks>
/// Ranges: 1–99 general; 100–199 decoding (always <see cref="MlsDecodeException"/>); 200–299 encoding; 300–399
/// cryptography and cipher suites; 400–499 secret tree and message framing; 500–699 ratchet tree, proposals, commits,
/// Welcome and group state.
/// </remarks>
public enum MlsErrorCode
{
    /// <summary>No code was given.</summary>
    Unspecified = 0,

    /// <summary>An argument is outside what the protocol allows.</summary>
    InvalidArgument = 1,

    /// <summary>The object was used in a state that does not allow the operation (disposed, exhausted, ...).</summary>
    InvalidState = 2,

    // ---- 100-199: decoding -------------------------------------------------------------------------------------

    /// <summary>The input ended before a field (or a declared vector length) was complete.</summary>
    DecodeTruncated = 100,

    /// <summary>A variable-length integer used more bytes than its value needs (RFC 9420 section 2.1.2).</summary>
    DecodeNonMinimalVarint = 101,

    /// <summary>A variable-length integer starts with the reserved <c>0b11</c> prefix.</summary>
    DecodeInvalidVarintPrefix = 102,

    /// <summary>An <c>optional&lt;T&gt;</c> presence octet is neither 0 nor 1.</summary>
    DecodeInvalidOptional = 103,

    /// <summary>Bytes remain after a structure that must fill its input.</summary>
    DecodeTrailingData = 104,

    /// <summary>A field holds a value the structure does not allow (reserved or unknown enumeration value, wrong size).</summary>
    DecodeInvalidValue = 105,

    /// <summary>The padding of a PrivateMessageContent contains a non-zero byte.</summary>
    DecodeInvalidPadding = 106,

    /// <summary>A decoded element consumed no input inside a vector (it would loop forever).</summary>
    DecodeEmptyElement = 107,

    // ---- 200-299: encoding -------------------------------------------------------------------------------------

    /// <summary>A vector is longer than the 2^30 - 1 bytes a variable-length header can describe.</summary>
    EncodeVectorTooLong = 200,

    // ---- 300-399: cryptography ---------------------------------------------------------------------------------

    /// <summary>The cipher suite (or HPKE algorithm) is not implemented.</summary>
    UnsupportedCipherSuite = 300,

    /// <summary>A public or private key is malformed or not on the curve.</summary>
    InvalidKey = 301,

    /// <summary>AEAD decryption failed (wrong key, nonce, associated data or a modified ciphertext).</summary>
    AeadDecryptFailed = 302,

    /// <summary>HPKE decapsulation or opening failed.</summary>
    HpkeDecryptFailed = 303,

    /// <summary>A signature did not verify.</summary>
    SignatureInvalid = 304,

    /// <summary>HPKE DeriveKeyPair found no valid scalar in 256 candidates (RFC 9180 section 7.1.3).</summary>
    DeriveKeyPairFailed = 305,

    /// <summary>An HPKE context reached its sequence-number limit.</summary>
    HpkeMessageLimitReached = 306,

    /// <summary>A MAC (membership tag, confirmation tag) did not verify.</summary>
    MacInvalid = 307,

    // ---- 400-499: secret tree and framing ----------------------------------------------------------------------

    /// <summary>The requested generation was already used, deleted, or fell out of the out-of-order window.</summary>
    SecretTreeGenerationExpired = 400,

    /// <summary>The requested generation is further ahead than the configured maximum forward distance.</summary>
    SecretTreeGenerationTooFarAhead = 401,

    /// <summary>A leaf index is outside the tree.</summary>
    LeafIndexOutOfRange = 402,

    /// <summary>The membership tag of a PublicMessage did not verify.</summary>
    MembershipTagInvalid = 403,

    /// <summary>The confirmation tag of a commit did not verify.</summary>
    ConfirmationTagInvalid = 404,

    /// <summary>A message belongs to another group.</summary>
    WrongGroup = 405,

    /// <summary>A message belongs to another epoch.</summary>
    WrongEpoch = 406,

    /// <summary>The sender type is not allowed for this wire format or content type.</summary>
    InvalidSender = 407,

    /// <summary>The content type is not allowed here (for example application data in a PublicMessage).</summary>
    InvalidContentType = 408,

    /// <summary>The MLSMessage carries a different wire format than the operation expects.</summary>
    WrongWireFormat = 409,

    /// <summary>The protocol version is not mls10.</summary>
    UnsupportedProtocolVersion = 410,

    // ---- 500-699: ratchet tree, key packages, proposals, commits, Welcome, group state -------------------------

    /// <summary>A ratchet tree is malformed or violates a tree invariant (shape, unmerged leaves, blank leaf where a member is needed).</summary>
    TreeInvalid = 500,

    /// <summary>A tree hash does not match the GroupContext.</summary>
    TreeHashMismatch = 501,

    /// <summary>A parent hash (chain or committer leaf) does not verify (RFC 9420 section 7.9.2).</summary>
    ParentHashInvalid = 502,

    /// <summary>A leaf node fails validation (signature, source, capabilities, extensions).</summary>
    LeafNodeInvalid = 503,

    /// <summary>An HPKE encryption key or a signature key appears twice in the tree.</summary>
    DuplicateKey = 504,

    /// <summary>The credential validator refused a credential, or a successor credential.</summary>
    CredentialRejected = 505,

    /// <summary>The lifetime of a leaf node does not contain the current time, or is longer than allowed.</summary>
    LifetimeInvalid = 506,

    /// <summary>A member lacks a capability the group requires (version, suite, extension, proposal or credential type).</summary>
    CapabilitiesUnsupported = 507,

    /// <summary>A KeyPackage fails validation.</summary>
    KeyPackageInvalid = 508,

    /// <summary>A single proposal is invalid.</summary>
    ProposalInvalid = 510,

    /// <summary>A committed proposal list breaks a list rule (RFC 9420 section 12.2).</summary>
    ProposalListInvalid = 511,

    /// <summary>A commit references a proposal this client has not received.</summary>
    ProposalNotFound = 512,

    /// <summary>A commit is malformed (path missing where required, wrong sender, ...).</summary>
    CommitInvalid = 513,

    /// <summary>An UpdatePath does not fit the tree or its secrets do not match its public keys.</summary>
    UpdatePathInvalid = 514,

    /// <summary>No path secret could be decrypted from an UpdatePath.</summary>
    PathSecretUnavailable = 515,

    /// <summary>A Welcome holds no secrets for any of this client's KeyPackages.</summary>
    WelcomeNotForUs = 520,

    /// <summary>A Welcome or GroupInfo is inconsistent (suite, signer, extensions, confirmation tag).</summary>
    WelcomeInvalid = 521,

    /// <summary>A pre-shared key named by a proposal or Welcome is not available.</summary>
    PskNotFound = 522,

    /// <summary>A tree is needed but neither the Welcome nor the caller supplied one.</summary>
    RatchetTreeMissing = 523,

    /// <summary>External commits or external senders are not allowed, or an external commit is malformed.</summary>
    ExternalNotAllowed = 524,

    /// <summary>This client is no longer a member of the group (it was removed).</summary>
    NotAMember = 530,

    /// <summary>The operation needs a pending commit that does not exist, or a pending commit blocks it.</summary>
    PendingCommitConflict = 531,

    /// <summary>A serialized group state is corrupt or from an unknown version.</summary>
    StateInvalid = 540,
}
