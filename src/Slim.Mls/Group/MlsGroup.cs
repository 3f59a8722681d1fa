using System.Security.Cryptography;
using Slim.Mls.CipherSuites;
using Slim.Mls.Credentials;
using Slim.Mls.Extensions;
using Slim.Mls.Framing;
using Slim.Mls.Group.Internal;
using Slim.Mls.KeyPackages;
using Slim.Mls.KeySchedule;
using Slim.Mls.SecretTree;
using Slim.Mls.Tree;
using Slim.Mls.TreeKem.Internal;

namespace Slim.Mls.Group;

/// <summary>
/// One client's view of an MLS group (RFC 9420): create or join it, add and remove members, update keys, process the
/// group's handshake messages, encrypt and decrypt application messages, export secrets, persist and restore.
/// </summary>
/// <remarks>
/// <para>
/// Not thread-safe: the caller serializes calls (a SLIM session does, one message at a time). Every state change
/// builds the next epoch on copies and swaps it in only when all checks pass, so a rejected message leaves the group
/// unchanged.
/// </para>
/// <para>
/// Commits made here are pending until <see cref="MergePendingCommitAsync"/> (or, with the one-call helpers
/// <see cref="AddMembersAsync"/>, <see cref="RemoveMembersAsync"/> and <see cref="UpdateAsync"/>, at once, which is what
/// SLIM's moderator does). Handshake messages are PublicMessages and application messages PrivateMessages by default,
/// like SLIM's mls-rs peers.
/// </para>
/// </remarks>
public sealed partial class MlsGroup : IDisposable
{
    private readonly SignaturePrivateKey _signer;
    private readonly Dictionary<string, CachedProposal> _proposals = [];
    private readonly List<string> _proposalOrder = [];
    private readonly Dictionary<ulong, byte[]> _resumptionPsks = [];
    private readonly Dictionary<byte[], byte[]> _pendingUpdateKeys = new(Slim.Mls.Internal.ByteArrayComparer.Instance);
    private readonly Dictionary<uint, (byte[] Key, SignaturePublicKey Parsed)> _verifiers = [];
    private readonly List<PastEpoch> _pastEpochs = [];
    private EpochState _state;
    private PendingCommit? _pending;

    private MlsGroup(CipherSuite suite, SignaturePrivateKey signer, MlsGroupOptions options, EpochState state)
    {
        Suite = suite;
        _signer = signer;
        Options = options;
        _state = state;
        RememberResumptionPsk();
    }

    /// <summary>The group's cipher suite.</summary>
    public CipherSuite Suite { get; }

    /// <summary>The options the group was created, joined or restored with.</summary>
    public MlsGroupOptions Options { get; }

    /// <summary>The group identifier.</summary>
    public ReadOnlyMemory<byte> GroupId => _state.Context.GroupId;

    /// <summary>The current epoch.</summary>
    public ulong Epoch => _state.Context.Epoch;

    /// <summary>The GroupContext of the current epoch.</summary>
    public GroupContext Context => _state.Context;

    /// <summary>The public ratchet tree of the current epoch (do not modify).</summary>
    public RatchetTree Tree => _state.Tree;

    /// <summary>This client's leaf.</summary>
    public LeafIndex OwnLeafIndex => _state.Keys.Leaf;

    /// <summary>False once this client was removed or a ReInit was committed.</summary>
    public bool IsActive { get; private set; } = true;

    /// <summary>The ReInit this group committed, if any (the group no longer sends).</summary>
    public Proposals.ReInitProposal? PendingReInit { get; private set; }

    /// <summary>True while a commit made here waits for <see cref="MergePendingCommitAsync"/>.</summary>
    public bool HasPendingCommit => _pending is not null;

    /// <summary>The epoch authenticator (RFC 9420 section 8.7): equal for every member of the epoch.</summary>
    public ReadOnlyMemory<byte> EpochAuthenticator => _state.Secrets.EpochAuthenticator;

    /// <summary>The members, in leaf order.</summary>
    public IReadOnlyList<MlsMember> Members =>
        [.. _state.Tree.Leaves().Select(l => new MlsMember(l.Index, l.Leaf.Credential, l.Leaf.SignatureKey))];

    /// <summary>Creates a KeyPackage for joining groups of <paramref name="suite"/> (capabilities and lifetime from <paramref name="options"/>).</summary>
    public static KeyPackageBundle CreateKeyPackage(CipherSuite suite, SignaturePrivateKey signer, Credential credential, MlsGroupOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        options ??= MlsGroupOptions.Default;
        return KeyPackageBundle.Create(
            suite, signer, credential, Lifetime.Starting(options.TimeProvider.GetUtcNow(), options.KeyPackageLifetime), CapabilitiesFor(suite, options));
    }

    /// <summary>
    /// Creates a one-member group (RFC 9420 section 11) with a random 32-byte id unless <paramref name="groupId"/> is given.
    /// The signer stays owned by the caller and must outlive the group.
    /// </summary>
    public static MlsGroup Create(
        CipherSuite suite,
        SignaturePrivateKey signer,
        Credential credential,
        MlsGroupOptions? options = null,
        ReadOnlySpan<byte> groupId = default,
        IReadOnlyList<Extension>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(credential);
        options ??= MlsGroupOptions.Default;
        var id = groupId.IsEmpty ? RandomNumberGenerator.GetBytes(32) : groupId.ToArray();
        var leafPair = suite.GenerateHpkeKeyPair();
        var leaf = LeafNode.Create(
            suite, signer, leafPair.PublicKey, credential, CapabilitiesFor(suite, options), LeafNodeSource.KeyPackage,
            Lifetime.Starting(options.TimeProvider.GetUtcNow(), options.KeyPackageLifetime), [], null, [], 0);
        var tree = RatchetTree.CreateWithSingleLeaf(suite, leaf);
        var context = new GroupContext(suite.Id, id, 0, tree.RootTreeHash(), [], extensions ?? []);
        var initSecret = RandomNumberGenerator.GetBytes(suite.HashLength);
        var secrets = EpochKeySchedule.Derive(suite, initSecret, [], [], context);
        CryptographicOperations.ZeroMemory(initSecret);
        var tag = suite.Mac(secrets.ConfirmationKey, []);
        var interim = TranscriptHash.Interim(suite, [], tag);
        var keys = new PathKeys(new LeafIndex(0));
        keys.Set(0, leafPair);
        var state = new EpochState(context, tree, keys, secrets, new EncryptionSecretTree(suite, secrets.EncryptionSecret, 1, options.SecretTree), interim, tag);
        return new MlsGroup(suite, signer, options, state);
    }

    /// <summary>Like <see cref="Create"/>, then saves the new group to <see cref="MlsGroupOptions.Store"/> when one is set.</summary>
    public static async Task<MlsGroup> CreateAsync(
        CipherSuite suite,
        SignaturePrivateKey signer,
        Credential credential,
        MlsGroupOptions? options = null,
        ReadOnlyMemory<byte> groupId = default,
        IReadOnlyList<Extension>? extensions = null,
        CancellationToken cancellationToken = default)
    {
        var group = Create(suite, signer, credential, options, groupId.Span, extensions);
        try
        {
            await group.PersistAsync(cancellationToken).ConfigureAwait(false);
            return group;
        }
        catch
        {
            group.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <c>MLS-Exporter(label, context, length)</c> (RFC 9420 section 8.5) of the current epoch.
    /// </summary>
    public byte[] ExportSecret(string label, ReadOnlySpan<byte> context, int length) =>
        EpochKeySchedule.Export(Suite, _state.Secrets.ExporterSecret, label, context, length);

    /// <summary>The member at <paramref name="leaf"/>, or null when the leaf is blank.</summary>
    public MlsMember? GetMember(LeafIndex leaf) =>
        _state.Tree.GetLeaf(leaf) is { } node ? new MlsMember(leaf, node.Credential, node.SignatureKey) : null;

    /// <summary>Wipes the group's secrets. The signer is the caller's.</summary>
    public void Dispose()
    {
        _pending?.Dispose();
        _pending = null;
        _state.Dispose();
        foreach (var past in _pastEpochs)
        {
            past.Dispose();
        }

        _pastEpochs.Clear();
        foreach (var psk in _resumptionPsks.Values)
        {
            CryptographicOperations.ZeroMemory(psk);
        }

        foreach (var key in _pendingUpdateKeys.Values)
        {
            CryptographicOperations.ZeroMemory(key);
        }

        foreach (var (_, parsed) in _verifiers.Values)
        {
            parsed.Dispose();
        }

        _verifiers.Clear();
    }

    internal static Capabilities CapabilitiesFor(CipherSuite suite, MlsGroupOptions options)
    {
        var defaults = Capabilities.Default(suite.Id);
        return options.SupportedExtensions.Count == 0
            ? defaults
            : new Capabilities(defaults.Versions, defaults.CipherSuites, options.SupportedExtensions, defaults.Proposals, defaults.Credentials);
    }

    private DateTimeOffset Now => Options.TimeProvider.GetUtcNow();

    private void EnsureActive()
    {
        if (!IsActive)
        {
            throw new MlsException(MlsErrorCode.NotAMember, "This client is no longer an active member of the group.");
        }
    }

    private void RememberResumptionPsk()
    {
        _resumptionPsks[_state.Context.Epoch] = (byte[])_state.Secrets.ResumptionPsk.Clone();
        foreach (var epoch in _resumptionPsks.Keys.Where(e => e + (ulong)Math.Max(1, Options.ResumptionPskHistory) <= _state.Context.Epoch).ToArray())
        {
            CryptographicOperations.ZeroMemory(_resumptionPsks[epoch]);
            _resumptionPsks.Remove(epoch);
        }
    }

    /// <summary>A parsed verification key for the member at <paramref name="leaf"/>, cached while its key is unchanged.</summary>
    private SignaturePublicKey? VerifierFor(LeafIndex leaf)
    {
        if (_state.Tree.GetLeaf(leaf) is not { } node)
        {
            return null;
        }

        if (_verifiers.TryGetValue(leaf.Value, out var cached) && cached.Key.AsSpan().SequenceEqual(node.SignatureKeyArray))
        {
            return cached.Parsed;
        }

        if (_verifiers.Remove(leaf.Value, out var stale))
        {
            stale.Parsed.Dispose();
        }

        try
        {
            var parsed = Suite.SignatureScheme.ImportPublicKey(node.SignatureKeyArray);
            _verifiers[leaf.Value] = (node.SignatureKeyArray, parsed);
            return parsed;
        }
        catch (MlsException)
        {
            return null;
        }
    }

    private void ReplaceState(EpochState next)
    {
        var old = _state;
        _state = next;
        if (Options.PastEpochRetention > 0)
        {
            // Keep what late application messages of the old epoch need; everything else is wiped now.
            _pastEpochs.Add(new PastEpoch(old.Context, old.Tree, old.SecretTree, (byte[])old.Secrets.SenderDataSecret.Clone()));
            old.DisposeExceptSecretTree();
            while (_pastEpochs.Count > Options.PastEpochRetention)
            {
                _pastEpochs[0].Dispose();
                _pastEpochs.RemoveAt(0);
            }
        }
        else
        {
            old.Dispose();
        }

        _proposals.Clear();
        _proposalOrder.Clear();
        RememberResumptionPsk();
    }

    private ValueTask PersistAsync(CancellationToken cancellationToken) =>
        Options.Store is { } store ? store.SaveAsync(_state.Context.GroupId, _state.Context.Epoch, ExportState(), cancellationToken) : ValueTask.CompletedTask;
}
