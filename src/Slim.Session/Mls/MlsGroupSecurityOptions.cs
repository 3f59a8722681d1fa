using Slim.Mls.CipherSuites;
using Slim.Mls.SecretTree;

namespace Slim.Session.Mls;

/// <summary>
/// Settings of <see cref="MlsGroupSecurityFactory"/>. Immutable; <see cref="Default"/> is what official SLIM v2 uses
/// (suite 0x0002, KeyPackages valid for 365 days).
/// </summary>
public sealed record MlsGroupSecurityOptions
{
    /// <summary>The official defaults.</summary>
    public static MlsGroupSecurityOptions Default { get; } = new();

    /// <summary>
    /// The cipher suite of the groups this app creates and of its KeyPackages (official: 0x0002,
    /// MLS_128_DHKEMP256_AES128GCM_SHA256_P256). Its signature scheme must be the identity key's algorithm: the MLS
    /// leaf signature key is the app's identity key.
    /// </summary>
    public CipherSuiteId CipherSuite { get; init; } = CipherSuiteId.P256Aes128GcmSha256P256;

    /// <summary>Lifetime of the KeyPackages and of the creator's leaf (official: 365 days, starting now).</summary>
    public TimeSpan KeyPackageLifetime { get; init; } = TimeSpan.FromDays(365);

    /// <summary>
    /// The clock for KeyPackage lifetimes and for the expiry of cached credential checks. Give the session layer's
    /// clock, so tokens, lifetimes and timers agree.
    /// </summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Earlier epochs whose keys are kept so that data sent just before a commit still decrypts after it (members keep
    /// publishing while the moderator's commit is in flight).
    /// </summary>
    public int PastEpochRetention { get; init; } = 2;

    /// <summary>Out-of-order and forward-skip limits of the MLS secret tree (reordered or lost data messages).</summary>
    public SecretTreeOptions SecretTree { get; init; } = SecretTreeOptions.Default;

    /// <summary>Worker threads for the public-key operations of one MLS call (large Welcomes and joins).</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// KeyPackages a participant keeps the private keys of, newest first, so a Welcome answering any recent JOIN_REPLY or
    /// REJOIN_REQUEST can still be opened. Older ones are wiped.
    /// </summary>
    public int PendingKeyPackages { get; init; } = 4;

    /// <summary>Credentials whose successful check is remembered per session (see <see cref="IdentityCredentialValidator"/>).</summary>
    public int CredentialCacheCapacity { get; init; } = 1024;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">The suite is not supported.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        if (!Slim.Mls.CipherSuites.CipherSuite.IsSupported(CipherSuite))
        {
            throw new ArgumentException($"Cipher suite 0x{(ushort)CipherSuite:x4} is not supported.", nameof(CipherSuite));
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(SecretTree);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(KeyPackageLifetime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(PastEpochRetention);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDegreeOfParallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(PendingKeyPackages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(CredentialCacheCapacity, 1);
    }
}
