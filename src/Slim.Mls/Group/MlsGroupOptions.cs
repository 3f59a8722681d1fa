using Slim.Mls.Credentials;
using Slim.Mls.Extensions;
using Slim.Mls.SecretTree;

namespace Slim.Mls.Group;

/// <summary>How an <see cref="MlsGroup"/> behaves. Immutable; <see cref="Default"/> matches what SLIM's mls-rs peers expect.</summary>
public sealed record MlsGroupOptions
{
    /// <summary>The defaults: system clock, basic credentials accepted, handshake messages as PublicMessage, no store.</summary>
    public static MlsGroupOptions Default { get; } = new();

    /// <summary>The clock for lifetimes (KeyPackages, leaf nodes).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The Authentication Service hook that validates every credential that enters the group.</summary>
    public ICredentialValidator CredentialValidator { get; init; } = BasicCredentialValidator.Instance;

    /// <summary>Where the group persists itself after every state change (including each encryption); null keeps it in memory only.</summary>
    public IMlsGroupStore? Store { get; init; }

    /// <summary>External pre-shared keys by id; null means none are known.</summary>
    public IExternalPskStore? ExternalPsks { get; init; }

    /// <summary>Out-of-order tolerance and forward limit of the secret tree.</summary>
    public SecretTreeOptions SecretTree { get; init; } = SecretTreeOptions.Default;

    /// <summary>
    /// Worker threads for the independent public-key operations of one call (HPKE encryptions of an UpdatePath or a
    /// Welcome, leaf signature checks when joining). 1 keeps everything on the caller's thread.
    /// </summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Send proposals and commits as PrivateMessage (SLIM and mls-rs default: false, i.e. PublicMessage).</summary>
    public bool EncryptHandshakeMessages { get; init; }

    /// <summary>Check the lifetime of the members' leaves when joining (RFC 9420 recommends it; new KeyPackages are always checked).</summary>
    public bool CheckMemberLifetimesOnJoin { get; init; } = true;

    /// <summary>The longest KeyPackage lifetime accepted; null accepts any.</summary>
    public TimeSpan? MaxKeyPackageLifetime { get; init; }

    /// <summary>Lifetime of the KeyPackages and creator leaves this client makes (SLIM: 365 days).</summary>
    public TimeSpan KeyPackageLifetime { get; init; } = TimeSpan.FromDays(365);

    /// <summary>Accept external commits (SLIM: false).</summary>
    public bool AllowExternalCommits { get; init; }

    /// <summary>Accept proposals from <c>external_senders</c> and <c>new_member_proposal</c> senders (SLIM: false).</summary>
    public bool AllowExternalProposals { get; init; }

    /// <summary>PrivateMessage plaintexts are padded with zeros to a multiple of this many bytes (0: no padding).</summary>
    public int PaddingBlockSize { get; init; }

    /// <summary>
    /// How many earlier epochs keep their secret tree so application messages sent before a commit and received after
    /// it still decrypt (0: none). Only application messages are accepted for past epochs; this is not persisted.
    /// </summary>
    public int PastEpochRetention { get; init; } = 2;

    /// <summary>How many past epochs' resumption PSKs are kept for PreSharedKey proposals.</summary>
    public int ResumptionPskHistory { get; init; } = 8;

    /// <summary>Extensions this client supports beyond the defaults (listed in its capabilities).</summary>
    public IReadOnlyList<ExtensionType> SupportedExtensions { get; init; } = [];
}

/// <summary>Options of one commit. <see cref="Default"/> matches mls-rs defaults, which SLIM relies on.</summary>
public sealed record CommitOptions
{
    /// <summary>No path unless the proposals need one, the tree in the Welcome, one Welcome for all new members.</summary>
    public static CommitOptions Default { get; } = new();

    /// <summary>Always include an UpdatePath, even for add-only commits (mls-rs <c>path_required</c>, default false).</summary>
    public bool PathRequired { get; init; }

    /// <summary>Put the ratchet tree in the Welcome's GroupInfo (mls-rs <c>ratchet_tree_extension</c>, default true).</summary>
    public bool RatchetTreeExtension { get; init; } = true;

    /// <summary>Add the <c>external_pub</c> extension to the Welcome's GroupInfo.</summary>
    public bool ExternalPub { get; init; }

    /// <summary>Include every proposal received this epoch by reference (the SLIM moderator's update flow).</summary>
    public bool IncludePendingProposals { get; init; } = true;

    /// <summary>Application data authenticated with the commit.</summary>
    public ReadOnlyMemory<byte> AuthenticatedData { get; init; }
}
